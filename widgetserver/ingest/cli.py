"""``widgetserver drops`` and ``widgetserver purge``: ingest's refusal counts and old salts."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import sites
from ..core import clock
from ..core.cli import emit, fail, json_option
from ..core.db import db
from ..models import IngestDrop, Site
from . import visitors


@click.command("drops", help="Events refused by ingest, by site, day and reason.")
@with_appcontext
@click.option("--site", "public_key", help="Only this site (default: all, 0 = unknown site).")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@json_option
def drops(public_key: str | None, days: int, as_json: bool) -> None:
    since = clock.now().date() - timedelta(days=days - 1)
    query = select(IngestDrop).where(IngestDrop.day >= since)
    if public_key:
        site = sites.by_key(db.session, public_key)
        if site is None:
            fail(f"no active site with the public key {public_key}")
        query = query.where(IngestDrop.site_id == site.id)
    keys = dict(db.session.execute(select(Site.id, Site.public_key)).all())
    rows = db.session.scalars(query.order_by(IngestDrop.day, IngestDrop.site_id)).all()
    data = [
        {
            "site": keys.get(r.site_id),
            "day": r.day.isoformat(),
            "reason": r.reason,
            "count": r.count,
        }
        for r in rows
    ]
    emit(
        as_json,
        data,
        lambda d: (
            "\n".join(
                f"{r['day']}  {r['site'] or '(unknown site)'}  {r['reason']}: {r['count']}"
                for r in d
            )
            or "Nothing was refused."
        ),
    )


@click.command(
    "purge", help="Delete visitor salts older than 48 hours (run daily on quiet servers)."
)
@with_appcontext
@json_option
def purge(as_json: bool) -> None:
    with db.writing() as session:
        gone = visitors.purge(session, clock.now().date())
    emit(as_json, {"salts_deleted": gone}, lambda d: f"Deleted {d['salts_deleted']} old salt(s).")
