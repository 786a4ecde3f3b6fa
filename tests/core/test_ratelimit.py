"""Fixed-window rate limits counted in the database: shared by workers, exact at the limit."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from widgetserver.core.db import db
from widgetserver.core.ratelimit import Limiter, Rule, limiter_of, retry_after, window_of
from widgetserver.models import RateCounter

from ..conftest import make_app

RULE = Rule("test", per_client=5, per_site=8, secret="s")


def settle(app, *groups):
    """Count each group in one write transaction of ``app``, as a request's worker does."""
    limiter = limiter_of(app)
    with app.app_context(), db.writing() as session:
        settled = limiter.settle_in(session, groups)
    limiter.remember(settled)
    return settled


def counts(app):
    with app.app_context():
        return dict(db.session.execute(select(RateCounter.key, RateCounter.count)).all())


def test_requests_within_the_limit_are_counted_and_the_one_over_it_is_refused(app, clock):
    client, site = RULE.charges(1, "203.0.113.7", 2, clock())
    assert settle(app, (client, site)).refused == [None]
    assert settle(app, RULE.charges(1, "203.0.113.7", 3, clock())).refused == [None]
    over = settle(app, RULE.charges(1, "203.0.113.7", 1, clock())).refused[0]
    assert over is not None and over.subject == "client"
    # The refused request counts nothing: neither against its client nor against its site.
    assert counts(app) == {client.key: 5, site.key: 5}


def test_the_key_is_a_keyed_hash_of_the_address_per_site_never_the_address(clock):
    one, site = RULE.charges(1, "203.0.113.7", 1, clock())
    other_site, _ = RULE.charges(2, "203.0.113.7", 1, clock())
    assert "203.0.113.7" not in one.key and one.key != other_site.key
    assert one.key.startswith("test:c:") and site.key == "test:s:1"


def test_a_client_over_its_limit_does_not_use_up_its_sites(app, clock):
    for _ in range(2):
        settle(app, RULE.charges(1, "203.0.113.7", 3, clock()))  # the second is refused
    for address in ("198.51.100.1", "198.51.100.2"):
        assert settle(app, RULE.charges(1, address, 2, clock())).refused == [None]
    over = settle(app, RULE.charges(1, "198.51.100.3", 2, clock())).refused[0]
    assert over is not None and over.subject == "site"


def test_a_request_costing_more_than_the_limit_is_refused_even_when_nothing_was_counted(app, clock):
    assert settle(app, RULE.charges(1, "203.0.113.7", 6, clock())).refused[0] is not None
    assert set(counts(app).values()) == {0}


def test_one_group_decides_its_requests_in_order(app, clock):
    first = RULE.charges(1, "203.0.113.7", 4, clock())
    second = RULE.charges(1, "203.0.113.7", 2, clock())
    third = RULE.charges(1, "203.0.113.7", 1, clock())
    refused = settle(app, first, second, third).refused
    assert [r is None for r in refused] == [True, False, True]
    assert counts(app)[first[0].key] == 5


def test_windows_begin_on_the_minute_and_a_full_key_is_free_again_in_the_next(app, clock):
    clock.advance(seconds=59)  # 10:30:59, the last second of the window that began 10:30:00
    assert window_of(clock()) == window_of(clock() - timedelta(seconds=59))
    assert settle(app, RULE.charges(1, "203.0.113.7", 5, clock())).refused == [None]
    full = settle(app, RULE.charges(1, "203.0.113.7", 1, clock())).refused[0]
    assert retry_after(full.window, clock()) == 1
    clock.advance(seconds=1)  # 10:31:00: a new window
    assert window_of(clock()) == full.window + 60
    assert settle(app, RULE.charges(1, "203.0.113.7", 5, clock())).refused == [None]


def test_retry_after_is_the_rest_of_the_window_in_whole_seconds(clock):
    window = window_of(clock())
    assert retry_after(window, clock()) == 60
    assert retry_after(window, clock() + timedelta(seconds=14.5)) == 46
    assert retry_after(window, clock() + timedelta(seconds=59.9)) == 1


def test_a_worker_remembers_a_full_key_until_its_window_ends(app, clock):
    limiter = limiter_of(app)
    charges = RULE.charges(1, "203.0.113.7", 5, clock())
    assert limiter.refusal(charges) is None
    settle(app, charges)
    assert limiter.refusal(RULE.charges(1, "203.0.113.7", 1, clock())).subject == "client"
    assert limiter.refusal(RULE.charges(1, "198.51.100.1", 1, clock())) is None
    clock.advance(seconds=60)
    assert limiter.refusal(RULE.charges(1, "203.0.113.7", 1, clock())) is None


def test_two_workers_on_one_database_share_the_counters(app, database_url, tmp_path, clock):
    other = make_app(database_url, tmp_path / "second-instance", clock)
    try:

        def charges(cost):
            return RULE.charges(1, "203.0.113.7", cost, clock())

        assert settle(app, charges(3)).refused == [None]
        assert settle(other, charges(1)).refused == [None]
        # Alone, either worker would take these; together they are over the limit of 5.
        assert settle(app, charges(2)).refused[0] is not None
        assert settle(other, charges(2)).refused[0] is not None
        assert settle(other, charges(1)).refused == [None]
        assert limiter_of(other).refusal(charges(1)) is not None
        assert counts(app) == counts(other) == {charges(1)[0].key: 5, "test:s:1": 5}
    finally:
        db.dispose(other)


def test_windows_before_the_previous_one_are_deleted_as_a_new_one_begins(app, clock):
    settle(app, RULE.charges(1, "203.0.113.7", 1, clock()))
    clock.advance(seconds=60)
    settle(app, RULE.charges(1, "203.0.113.8", 1, clock()))
    clock.advance(seconds=60)
    settle(app, RULE.charges(1, "203.0.113.9", 1, clock()))
    with app.app_context():
        windows = set(db.session.scalars(select(RateCounter.window_start)))
    assert windows == {window_of(clock()) - 60, window_of(clock())}


def test_nothing_is_counted_without_charges(app):
    assert settle(app, (), ()).refused == [None, None]
    assert counts(app) == {}


@pytest.mark.parametrize("limit", [1, 3])
def test_the_limit_itself_is_allowed(app, clock, limit):
    rule = Rule("exact", per_client=limit, per_site=100, secret="s")
    for _ in range(limit):
        assert settle(app, rule.charges(1, "203.0.113.7", 1, clock())).refused == [None]
    assert settle(app, rule.charges(1, "203.0.113.7", 1, clock())).refused[0] is not None


def test_a_fresh_limiter_knows_no_full_keys(clock):
    assert Limiter().refusal(RULE.charges(1, "203.0.113.7", 1, clock())) is None
