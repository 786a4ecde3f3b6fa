"""Group commit: concurrent requests share one transaction, and one bad set costs nobody else."""

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from widgetserver.core.db import db
from widgetserver.ingest import state
from widgetserver.ingest.writer import WriteSet
from widgetserver.models import Event, IngestDrop, RefCode

from ..conftest import all_rows

NOW = datetime(2026, 5, 12, 10, 30, tzinfo=UTC)
#: Nothing listens on port 1.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def visit(site_id, code_id=None):
    return {
        "site_id": site_id,
        "type": "visit",
        "occurred_at": NOW,
        "code_id": code_id,
        "channel": None,
        "url": None,
        "product": None,
        "visitor_hash": 7,
        "is_self": False,
        "page": None,
        "from_share": False,
    }


def share(site_id, code):
    row = {
        "site_id": site_id,
        "code": code,
        "kind": "share",
        "channel": "x",
        "url": None,
        "product": None,
        "parent_id": None,
        "referrer": None,
        "visitor_hash": 7,
        "created_at": NOW,
    }
    event = {**visit(site_id), "type": "share", "channel": "x", "_code": code}
    return row, event


def test_requests_arriving_during_a_write_are_committed_together(app, site):
    with app.app_context():
        writer = state().writer
        groups = []
        original = writer._write

        def slow_first_write(works):
            groups.append(len(works))
            if len(groups) == 1:
                time.sleep(0.2)  # others queue up meanwhile
            return original(works)

        writer._write = slow_first_write
        results = []

        def submit():
            with app.app_context():
                results.append(
                    writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)]))
                )

        first = threading.Thread(target=submit)
        first.start()
        time.sleep(0.05)
        others = [threading.Thread(target=submit) for _ in range(5)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join()
    assert groups == [1, 5]
    assert [r.events for r in results] == [1] * 6
    assert len(all_rows(app, Event)) == 6


def test_a_code_claimed_twice_in_one_group_goes_to_the_first(app, site):
    with app.app_context():
        writer = state().writer
        row, event = share(site.id, "same-code")
        first, second = writer._write(
            [
                WriteSet(site.id, NOW.date(), codes=[row], events=[dict(event)]),
                WriteSet(site.id, NOW.date(), codes=[dict(row)], events=[dict(event)]),
            ]
        )
    assert list(first.code_ids) == ["same-code"] and first.events == 1
    assert second.code_ids == {} and second.events == 0
    assert len(all_rows(app, RefCode)) == 1
    assert [(d.reason, d.count) for d in all_rows(app, IngestDrop)] == [("duplicate_code", 1)]


def test_one_bad_write_set_does_not_cost_the_others_in_its_group(app, site):
    with app.app_context():
        writer = state().writer
        good = WriteSet(site.id, NOW.date(), events=[visit(site.id)])
        bad = WriteSet(999_999, NOW.date(), events=[visit(999_999)])  # no such site
        outcomes = {}
        original = writer._write
        calls = []

        def record(works):
            calls.append(len(works))
            return original(works)

        writer._write = record
        with writer._changed:
            writer._writing = True  # as if a write were under way, so both queue up
        threads = [
            threading.Thread(target=lambda n=n, w=w: _submit(app, writer, w, outcomes, n))
            for n, w in (("good", good), ("bad", bad))
        ]
        for thread in threads:
            thread.start()
        while len(writer._queue) < 2:
            time.sleep(0.01)
        with writer._changed:
            writer._writing = False
            writer._changed.notify_all()
        for thread in threads:
            thread.join()
    assert calls[0] == 2  # tried together, then one by one
    assert outcomes["good"] == 1
    assert isinstance(outcomes["bad"], Exception)
    assert len(all_rows(app, Event)) == 1


def _submit(app, writer, work, outcomes, name):
    with app.app_context():
        try:
            outcomes[name] = writer.submit(work).events
        except Exception as exc:
            outcomes[name] = exc


def test_the_writer_reconnects_after_losing_its_connection(app, site):
    with app.app_context():
        writer = state().writer
        writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)]))
        connection = writer._connection
        if db.engine.dialect.name == "postgresql":
            pid = connection.dbapi_connection.info.backend_pid
            with db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        else:
            connection.dbapi_connection.close()
        assert writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)])).events == 1
        assert writer._connection is not connection
    assert len(all_rows(app, Event)) == 2


def test_a_writer_that_cannot_reach_the_database_raises_the_error_answered_503(app, site):
    """A database that is down (or restarting) is the same error as anywhere else: a 503."""
    with app.app_context():
        writer = state().writer
        writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)]))
        # The connection is lost and no new one can be made.
        writer._connection.close()
        writer._connection = None
        reachable, writer.engine = writer.engine, create_engine(UNREACHABLE)
        try:
            with pytest.raises(OperationalError):
                writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)]))
        finally:
            writer.engine.dispose()
            writer.engine = reachable
    assert len(all_rows(app, Event)) == 1


def test_the_code_cache_forgets_the_least_recently_used(app, site, browser):
    for code in ("code-aaaa", "code-bbbb", "code-cccc"):
        browser.share(code)
    with app.app_context():
        cache = state().codes
        cache._entries.clear()
        cache.size = 2
        assert set(cache.find(site.id, ["code-aaaa", "code-bbbb"])) == {"code-aaaa", "code-bbbb"}
        cache.find(site.id, ["code-aaaa"])
        cache.find(site.id, ["code-cccc", "never-seen"])
        assert [key[1] for key in cache._entries] == ["code-aaaa", "code-cccc"]


def test_workers_writing_the_same_counters_concurrently_never_deadlock(
    app, database_url, tmp_path, clock, caplog
):
    """Two workers (two writers) count the same drop reasons of two sites in opposite orders."""
    from collections import Counter

    from ..conftest import make_app, make_site

    first, second = make_site(app, clock), make_site(app, clock, email="b@shop.example")
    other_worker = make_app(database_url, tmp_path / "w2", clock)
    errors: list[BaseException] = []

    def hammer(worker_app, reverse):
        with worker_app.app_context():
            writer = state().writer
            order = ["bot", "unknown_code", "invalid_url"]
            for n in range(100):
                sites_ = (second, first) if (n % 2) ^ reverse else (first, second)
                for s in sites_:
                    reasons = Counter(dict.fromkeys(order[::-1] if reverse else order, 1))
                    try:
                        writer.submit(
                            WriteSet(s.id, NOW.date(), events=[visit(s.id)], drops=reasons)
                        )
                    except BaseException as exc:
                        errors.append(exc)

    threads = [
        threading.Thread(target=hammer, args=(a, r)) for a in (app, other_worker) for r in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.dispose(other_worker)
    assert errors == []
    # Not even a group had to be retried set by set (what a deadlock would have caused).
    assert [r.message for r in caplog.records if r.name == "widgetserver"] == []
    assert len(all_rows(app, Event)) == 4 * 100 * 2
    counts = {(d.site_id, d.reason): d.count for d in all_rows(app, IngestDrop)}
    assert set(counts.values()) == {4 * 100}


def test_a_request_over_its_rate_limit_writes_nothing_but_its_refusal(app, site):
    from collections import Counter

    from widgetserver.core.ratelimit import Rule

    from ..conftest import drop_counts

    rule = Rule("events", per_client=1, per_site=100, secret="s")

    def work(**extra):
        charges = rule.charges(site.id, "203.0.113.7", 1, NOW)
        return WriteSet(site.id, NOW.date(), events=[visit(site.id)], charges=charges, **extra)

    with app.app_context():
        writer = state().writer
        first = writer.submit(work())
        second = writer.submit(work(drops=Counter({"invalid_url": 2})))
    assert (first.events, first.limited) == (1, None)
    assert second.events == 0 and second.limited.subject == "client"
    assert len(all_rows(app, Event)) == 1
    assert drop_counts(app) == {(site.id, "rate_limited"): 1}


def test_an_event_on_a_whole_second_is_inside_a_range_starting_then(app, site):
    """The writer stores times as SQLAlchemy does, so a query's bounds compare them rightly."""
    with app.app_context():
        state().writer.submit(WriteSet(site.id, NOW.date(), events=[visit(site.id)]))
        session = db.session
        since = session.scalars(select(Event.id).where(Event.occurred_at >= NOW)).all()
        before = session.scalars(select(Event.id).where(Event.occurred_at < NOW)).all()
    assert (len(since), before) == (1, [])
