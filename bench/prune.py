"""Prune benchmark: deleting old events in batches beside one plain ``DELETE`` of the same rows.

Seeds one site on SQLite (a temporary folder) with ``--events`` events spread over 60 days
two and a half years ago, then, per round and on a fresh copy of the file each time:

* ``prune``: ``retention.delete_before`` (``--batch`` events per ``BEGIN IMMEDIATE``
  transaction, oldest first), what ``widgetserver stats prune`` runs after the roll-up;
* the baseline: one ``DELETE FROM events WHERE site_id = ? AND occurred_at < ?`` in a single
  transaction, which holds the write lock for the whole time.

Prints the medians of ``--runs`` rounds, their ratio and the longest single transaction of the
prune (how long ingest may wait for the lock).

    .venv/bin/python bench/prune.py [--events 200000] [--batch 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text

from widgetserver import create_app
from widgetserver.core import migrate
from widgetserver.core.db import db
from widgetserver.sites import create_owner, create_site
from widgetserver.stats import retention

NOW = datetime(2029, 1, 1, tzinfo=UTC)
START = NOW - timedelta(days=900)


def seed(path: Path, events: int) -> tuple[int, datetime]:
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context(), db.writing() as session:
        owner = create_owner(session, "bench@shop.example", password=None, is_admin=False, now=NOW)
        site_id = create_site(session, owner, "Bench", ["https://shop.example"], now=NOW).id
    step = timedelta(days=60) / events
    first = START.replace(tzinfo=None)
    rows = [
        {
            "site_id": site_id, "type": "visit", "occurred_at": first + n * step,
            "channel": "whatsapp", "url": f"https://shop.example/p/{n % 500}", "visitor_hash": n,
            "is_self": False,
        }
        for n in range(events)
    ]  # fmt: skip
    with app.app_context(), db.writing() as session:
        session.execute(
            text(
                "INSERT INTO events (site_id, type, occurred_at, channel, url, visitor_hash,"
                " is_self) VALUES (:site_id, :type, :occurred_at, :channel, :url,"
                " :visitor_hash, :is_self)"
            ),
            rows,
        )
    db.dispose(app)
    return site_id, START + timedelta(days=61)


def run_prune(path: Path, site_id: int, before: datetime, batch: int) -> tuple[float, float]:
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    longest = 0.0
    began: list[float] = []

    def on_begin(_connection: object) -> None:
        began.append(time.perf_counter())

    def on_commit(_connection: object) -> None:
        nonlocal longest
        if began:
            longest = max(longest, time.perf_counter() - began.pop())

    with app.app_context():
        event.listen(db.engine, "begin", on_begin)
        event.listen(db.engine, "commit", on_commit)
        start = time.perf_counter()
        deleted, _ = retention.delete_before(db.session, site_id, before, batch)
        took = time.perf_counter() - start
    db.dispose(app)
    assert deleted > 0
    return took, longest


def run_plain(path: Path, site_id: int, before: datetime) -> float:
    engine = create_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM events WHERE site_id = :s AND occurred_at < :t"),
            {"s": site_id, "t": before.replace(tzinfo=None)},
        )
    took = time.perf_counter() - start
    engine.dispose()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=retention.BATCH)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        seeded = Path(folder) / "seeded.sqlite3"
        site_id, before = seed(seeded, args.events)
        prunes, plains, longest = [], [], []
        for n in range(args.runs):
            copy = Path(folder) / f"run{n}.sqlite3"
            shutil.copy(seeded, copy)
            took, longest_tx = run_prune(copy, site_id, before, args.batch)
            prunes.append(took)
            longest.append(longest_tx)
            shutil.copy(seeded, copy)
            plains.append(run_plain(copy, site_id, before))
    prune, plain = statistics.median(prunes), statistics.median(plains)
    print(f"SQLite, {args.events:,} events, batches of {args.batch:,}, {args.runs} rounds")
    print(f"  prune (batched):       {prune * 1000:8.0f} ms")
    print(f"  plain DELETE (1 tx):   {plain * 1000:8.0f} ms  (baseline; holds the lock throughout)")
    print(f"  ratio prune / plain:   {prune / plain:8.2f}")
    print(f"  longest prune tx:      {statistics.median(longest) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
