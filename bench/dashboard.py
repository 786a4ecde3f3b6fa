"""Dashboard benchmark: the owners' stats page at a million events.

Seeds one site (time zone Europe/Berlin) with ``--events`` events (default 1,000,000: shares,
visits through their codes, invites) and ``--conversions`` orders (default 20,000; attributed,
unverified, refunded, cancelled, in three currencies) over 400 days, with bulk inserts
(``bench/dashboard_seed.py``): on SQLite in a temporary folder and, when reachable, on
PostgreSQL in a throwaway database (``WIDGETSERVER_TEST_POSTGRES_URL`` or
``postgresql://postgres@127.0.0.1:5432/postgres``).

Then, per database:

* ``first view``: the first ``report()`` of the 12-month period and of every preset in turn,
  which sums the closed days into ``stats_days`` once (a one-off cost after an upgrade);
* per preset, the median of ``--runs`` runs of ``report()`` (what the dashboard and the JSON
  API do per request), of ``as_json()``, and of all five CSV tables;
* the baseline, in the same rounds: a bare ``SELECT count(*)`` over the same site's events of
  the 12 months, the least any page counting those rows could cost.

With ``--today`` the events (and orders) all fall on the current day, a day not yet closed,
put together from its stored slices and its last minute of events (``now`` is 20:00 of that
day in Berlin; the first views store the slices), over
``--products`` distinct pages (default 50,000 in this scenario): the median of ``--runs``
runs of ``report()`` for today alone and for the 7- and 30-day presets (which hold today),
beside a bare ``SELECT count(*)`` of the day's events in the same run.

Goal: ``report()`` under 300 ms for every preset. Prints FAIL lines for missed goals; the exit
status is 1 only when something cannot run.

    .venv/bin/python bench/dashboard.py [--events 1000000] [--conversions 20000] [--runs 7]
                                        [--products 200] [--today] [--no-postgres] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_seed import seed, settle

from widgetserver import create_app, stats
from widgetserver.core import migrate
from widgetserver.core.db import db, normalise_url
from widgetserver.models import Event, Site
from widgetserver.sites import create_owner, create_site

GOAL_MS = 300
TZ = "Europe/Berlin"
POSTGRES_ENV = "WIDGETSERVER_TEST_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="swk-dashboard-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    admin_url = normalise_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT))
    name = f"swk_dashboard_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(
    url: str, now: datetime, events: int, conversions: int, products: int, since: datetime | None
) -> tuple[int, float]:
    engine = create_engine(normalise_url(url))
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        owner = create_owner(session, "bench@example.com", password=None, is_admin=False, now=now)
        site = create_site(session, owner, "Bench shop", ["https://shop.example"], now=now)
        site.settings = {"timezone": TZ}
        session.flush()
        site_id = site.id
    start = time.perf_counter()
    seed(engine, site_id, now, events, conversions, products, since)
    engine.dispose()
    return site_id, time.perf_counter() - start


def seeded_app(
    name: str, url: str, args: argparse.Namespace, now: datetime, since: datetime | None = None
) -> tuple[Flask, int]:
    """Seed the database at ``url`` and return an app on it whose clock stands at ``now``."""
    print(
        f"\n== {name}: seeding {args.events:,} events, {args.conversions:,} orders, "
        f"{args.products:,} products ..."
    )
    site_id, seconds = prepare(url, now, args.events, args.conversions, args.products, since)
    print(f"   seeded in {seconds:.1f} s")
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "CLOCK": lambda: now,
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="swk-dashboard-instance-"),
        }
    )
    return app, site_id


def measure_today(name: str, url: str, args: argparse.Namespace) -> list[str]:
    """Every event on the current day: the live day from its slices and its last minute."""
    today = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date()
    since = datetime.combine(today, clock_time(), ZoneInfo(TZ)).astimezone(UTC)
    now = datetime.combine(today, clock_time(20), ZoneInfo(TZ)).astimezone(UTC)
    app, site_id = seeded_app(name, url, args, now, since)
    failures = []
    with app.app_context():
        session = db.session
        site = session.get(Site, site_id)
        assert site is not None
        periods = {
            "today": stats.Period(today, today, TZ),
            "7d": stats.Period.preset("7d", today, TZ),
            "30d": stats.Period.preset("30d", today, TZ),
        }
        for period in periods.values():
            stats.report(session, site, period)  # first views: the days before are stored
            session.rollback()
        settle(db.engine)

        def count() -> None:
            session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.site_id == site_id, Event.occurred_at >= since)
            )
            session.rollback()

        baseline = median_ms(count, args.runs)
        print(f"\n   baseline: SELECT count(*) over the day's events: {baseline:7.1f} ms\n")
        print(f"   {'period':<11} {'report()':>10} {'vs count':>9}  goal")
        for label, period in periods.items():

            def run(period: stats.Period = period) -> None:
                stats.report(session, site, period)
                session.rollback()

            report_ms = median_ms(run, args.runs)
            ok = report_ms < GOAL_MS
            print(
                f"   {label:<11} {report_ms:8.1f} ms {report_ms / baseline:8.1f}x  "
                f"{'ok' if ok else 'FAIL'}"
            )
            if not ok:
                failures.append(f"FAIL {name} {label}: report() {report_ms:.0f} ms >= {GOAL_MS} ms")
    db.dispose(app)
    return failures


def measure(name: str, url: str, args: argparse.Namespace) -> list[str]:
    now = datetime.now(UTC).replace(microsecond=0)
    app, site_id = seeded_app(name, url, args, now)
    failures = []
    with app.app_context():
        session = db.session
        site = session.get(Site, site_id)
        assert site is not None
        today = stats.period.local_day(now, TZ)
        periods = {p: stats.Period.preset(p, today, TZ) for p in stats.PRESETS}
        year = periods["12m"]
        lo, hi = year.bounds()

        def count() -> None:
            session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.site_id == site_id, Event.occurred_at >= lo, Event.occurred_at < hi)
            )
            session.rollback()

        start = time.perf_counter()
        first = stats.report(session, site, year)
        session.rollback()
        print(
            "   first view of 12m (sums 2 x 365 closed days once): "
            f"{time.perf_counter() - start:.2f} s"
        )
        t = first.totals
        print(
            f"   12m: {t.shares:,} shares, {t.visits:,} visits, {t.unique_visitors:,} visitors, "
            f"{t.orders_verified:,} + {t.orders_unverified:,} orders, viral factor "
            f"{t.viral_factor:.3f}, revenue " + ", ".join(f"{v} {c}" for c, v in t.revenue.items())
        )
        for period in periods.values():
            stats.report(session, site, period)  # first views of the other presets
            session.rollback()
        settle(db.engine)
        baseline = median_ms(count, args.runs)
        print(f"\n   baseline: SELECT count(*) over the 12 months' events: {baseline:7.1f} ms\n")
        print(
            f"   {'preset':<11} {'report()':>10} {'vs count':>9} {'as_json':>9} {'5 CSVs':>9}  goal"
        )
        for preset, period in periods.items():
            holder: dict[str, stats.Report] = {}

            def run(
                period: stats.Period = period, holder: dict[str, stats.Report] = holder
            ) -> None:
                holder["r"] = stats.report(session, site, period)
                session.rollback()

            report_ms = median_ms(run, args.runs)
            report = holder["r"]
            json_ms = median_ms(lambda report=report: stats.as_json(report), args.runs)
            csv_ms = median_ms(
                lambda report=report: [stats.csv_bytes(report, t) for t in stats.TABLES], args.runs
            )
            ok = report_ms < GOAL_MS
            print(
                f"   {preset:<11} {report_ms:8.1f} ms {report_ms / baseline:8.1f}x "
                f"{json_ms:6.1f} ms {csv_ms:6.1f} ms  {'ok' if ok else 'FAIL'}"
            )
            if not ok:
                failures.append(
                    f"FAIL {name} {preset}: report() {report_ms:.0f} ms >= {GOAL_MS} ms"
                )
    db.dispose(app)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--conversions", type=int, default=None, help="default 20,000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--products",
        type=int,
        default=None,
        help="distinct products shared (pages), default 200 (50,000 with --today)",
    )
    parser.add_argument(
        "--today", action="store_true", help="every event on the current day (the live day)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="100,000 events, 2,000 orders, 3 runs")
    args = parser.parse_args()
    if args.conversions is None:
        args.conversions = 2_000 if args.today else 20_000
    if args.products is None:
        args.products = 50_000 if args.today else 200
    if args.quick:
        args.events, args.conversions, args.runs = 100_000, 2_000, 3
    scenario = measure_today if args.today else measure
    print(
        f"dashboard benchmark: Python {platform.python_version()}, SQLAlchemy "
        f"{sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores"
    )
    failures = []
    with sqlite_database() as url:
        failures += scenario("SQLite", url, args)
    if not args.no_postgres:
        try:
            with postgres_database() as url:
                failures += scenario("PostgreSQL", url, args)
        except sqlalchemy.exc.OperationalError as exc:
            print(f"\n== PostgreSQL not reachable, skipped: {exc.orig}")
    print()
    for line in failures:
        print(line)
    if not failures:
        print(f"every preset under {GOAL_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
