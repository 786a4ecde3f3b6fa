"""``widgetserver stats rollup``: sum closed days ahead of the first view of the stats page.

The stats sum a closed day's events once, the first time a period containing it is shown; on
a site with a long history that first view pays for every day at once. Run this after an
upgrade (and, if you like, nightly from cron) so owners never wait for it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..core import clock
from ..core.db import db
from ..models import Site
from ..sites.settings import effective
from . import rollup
from .period import local_day

#: The most days back one run may reach (a century; days before a site's first event are
#: skipped anyway). Far more would run off the calendar.
MAX_ROLLUP_DAYS = 36_600


@click.group("stats", cls=AppGroup, help="The owners' figures.")
def stats_group() -> None:
    pass


@stats_group.command("rollup", help="Sum the closed days of every active site into stats_days.")
@click.option(
    "--days",
    default=731,
    show_default=True,
    type=click.IntRange(1, MAX_ROLLUP_DAYS),
    help="How many days back from today.",
)
@click.option("--site", "key", default=None, help="Only the site with this public key.")
def rollup_command(days: int, key: str | None) -> None:
    now = clock.now()
    query = select(Site).where(Site.active.is_(True)).order_by(Site.id)
    if key is not None:
        query = query.where(Site.public_key == key)
    sites = db.session.scalars(query).all()
    if key is not None and not sites:
        raise click.ClickException(f"No active site has the public key {key!r}.")
    for site in sites:
        tz = effective(site.settings)["timezone"]
        today = local_day(now, tz)
        start = time.perf_counter()
        sums = rollup.period_sums(
            db.session, site.id, tz, today - timedelta(days=days - 1), today, now
        )
        click.echo(
            f"{site.public_key}: {len(sums.daily)} days summed or found "
            f"({time.perf_counter() - start:.1f} s)"
        )
