"""``widgetserver stats rollup`` and ``prune``: closed days summed ahead, old events deleted.

The stats sum a closed day's events once, the first time a period containing it is shown; on
a site with a long history that first view pays for every day at once, and the first view of a
busy open day pays for its slices (``slices``). Run ``rollup`` after an upgrade (and, if you
like, nightly or hourly from cron) so owners never wait for it: its period ends today.
``prune`` deletes the events older than ``EVENTS_KEEP_DAYS`` once their days are rolled up
(``retention``): schedule it daily.
"""

from __future__ import annotations

import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..core import clock
from ..core.db import db
from ..models import Site
from ..sites.settings import effective
from . import retention, rollup
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


@stats_group.command(
    "prune", help="Delete raw events older than EVENTS_KEEP_DAYS, their days rolled up first."
)
@click.option("--site", "key", default=None, help="Only the site with this public key.")
@click.option(
    "--batch",
    default=retention.BATCH,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Events deleted per transaction.",
)
def prune_command(key: str | None, batch: int) -> None:
    keep = current_app.config["EVENTS_KEEP_DAYS"]
    query = select(Site).order_by(Site.id)
    if key is not None:
        query = query.where(Site.public_key == key)
    sites = db.session.scalars(query).all()
    if key is not None and not sites:
        raise click.ClickException(f"No site has the public key {key!r}.")
    for site in sites:
        start = time.perf_counter()
        done = retention.prune(db.session, site, keep, clock.now(), batch)
        kept = done.kept_from.isoformat() if done.kept_from else "all"
        click.echo(
            f"{site.public_key}: events kept from {kept}, {done.days_rolled_up} days rolled up, "
            f"{done.events_deleted} events deleted in {done.batches} transactions "
            f"({time.perf_counter() - start:.1f} s)"
        )
