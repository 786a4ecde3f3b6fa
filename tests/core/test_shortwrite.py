"""Short writes on a worker's own connection: committed whole or not at all, queued on one lock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from widgetserver import sites
from widgetserver.core import shortwrite
from widgetserver.core.db import db
from widgetserver.models import RateCounter, Site

from ..conftest import all_rows

NOW = datetime(2026, 5, 12, 10, 30, tzinfo=UTC)
#: Nothing listens on port 1.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def mark(sqlite: bool) -> str:
    return "?" if sqlite else "%s"


def count(writer: shortwrite.ShortWriter, key: str, n: int = 1):
    def work(cursor):
        p = mark(writer.sqlite)
        cursor.execute(
            f'INSERT INTO rate_counters (window_start, "key", "count") VALUES ({p}, {p}, {p})',
            (60, key, n),
        )
        return key

    return work


@pytest.fixture
def writer(app):
    return shortwrite.writer_of(app)


def counters(app):
    return {r.key: r.count for r in all_rows(app, RateCounter)}


def test_a_write_is_committed_before_it_returns_and_gives_the_works_result(app, writer):
    assert writer.write(count(writer, "a")) == "a"
    assert counters(app) == {"a": 1}


def test_a_failing_work_writes_nothing_and_the_writer_goes_on(app, writer):
    def half_then_fail(cursor):
        count(writer, "half")(cursor)
        raise ValueError("refused half-way")

    with pytest.raises(ValueError, match="half-way"):
        writer.write(half_then_fail)
    writer.write(count(writer, "next"))
    assert counters(app) == {"next": 1}


def test_a_connection_lost_before_the_commit_is_replaced_and_the_work_run_again(app, writer):
    writer.write(count(writer, "first"))
    writer._connection.dbapi_connection.close()  # as a restarted database leaves it
    assert writer.write(count(writer, "second")) == "second"
    assert counters(app) == {"first": 1, "second": 1}


def test_an_unreachable_database_is_sqlalchemys_operational_error():
    engine = create_engine(UNREACHABLE)
    try:
        with pytest.raises(OperationalError):
            shortwrite.ShortWriter(engine).write(lambda cursor: None)
    finally:
        engine.dispose()


def test_each_durability_has_its_own_writer_and_sqlite_syncs_only_the_durable_one(app):
    durable = shortwrite.writer_of(app)
    fast = shortwrite.writer_of(app, durable=False)
    assert durable is shortwrite.writer_of(app) and fast is not durable
    if not durable.sqlite:
        return  # PostgreSQL's durability is the server's
    level = "PRAGMA synchronous"
    assert durable.read(lambda cursor: cursor.execute(level).fetchone()[0]) == 2  # FULL
    assert fast.read(lambda cursor: cursor.execute(level).fetchone()[0]) == 1  # NORMAL


def test_statements_are_built_once_per_writer(writer):
    built = []

    def build(dialect):
        built.append(dialect.name)
        return object()

    assert writer.statements(build) is writer.statements(build)
    assert len(built) == 1


#: The lock file and the WAL are SQLite's: these tests run on SQLite alone.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@ON_SQLITE
def test_sqlite_writers_queue_on_the_lock_file_the_ingest_writer_takes(app, writer):
    assert writer.sqlite
    with app.app_context():
        other = shortwrite.FileLock(db.engine)
    done = threading.Event()
    with other.held():
        thread = threading.Thread(target=lambda: (writer.write(count(writer, "w")), done.set()))
        thread.start()
        assert not done.wait(0.3)  # waits for the other holder
    thread.join(5)
    other.close()
    assert done.is_set() and counters(app) == {"w": 1}


@ON_SQLITE
def test_sqlite_writers_checkpoint_the_wal_themselves_outside_the_lock(app, writer, monkeypatch):
    assert writer.sqlite
    monkeypatch.setattr(shortwrite, "CHECKPOINT_EVERY", 3)
    checkpoints = []
    original = writer._checkpoint
    monkeypatch.setattr(writer, "_checkpoint", lambda: (checkpoints.append(1), original()))
    for n in range(7):
        writer.write(count(writer, f"k{n}"))
    assert len(checkpoints) == 2
    assert writer.read(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
    assert len(counters(app)) == 7


def test_threads_of_one_worker_take_turns(app, writer):
    def slow(cursor):
        count(writer, threading.current_thread().name)(cursor)
        time.sleep(0.05)

    threads = [threading.Thread(target=writer.write, args=(slow,), name=f"t{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(counters(app)) == {"t0", "t1", "t2", "t3"}


def test_a_sites_secrets_are_read_as_the_model_reads_them(app, site, writer):
    """``sites.read_secrets``: a compiled query whose timestamps come back aware UTC."""
    query = writer.statements(sites.secrets_query)

    def read(at):
        return writer.read(lambda cursor: sites.read_secrets(cursor, query, site.id, at))

    assert read(NOW) == [site.secret]
    with app.app_context(), db.writing() as session:
        stored = sites.by_key(session, site.key)
        new = sites.rotate_secret(session, stored, grace=timedelta(hours=1), now=NOW)
    assert read(NOW) == [new, site.secret]
    assert read(NOW + timedelta(hours=1)) == [new]
    with app.app_context(), db.writing() as session:
        session.get(Site, site.id).active = False
    assert read(NOW) is None
