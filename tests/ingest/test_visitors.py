"""Cookieless unique visitors: daily salts, continuity across midnight, salts forgotten."""

from datetime import UTC, datetime

from widgetserver.core.db import db
from widgetserver.models import Event, Salt

from ..conftest import all_rows, make_app


def hashes(app):
    return [
        e.visitor_hash
        for e in sorted(all_rows(app, Event, Event.type == "visit"), key=lambda e: e.id)
    ]


def land(browser, ip="198.51.100.50", user_agent=None):
    browser.ip = ip
    if user_agent:
        browser.user_agent = user_agent
    assert browser.visit("share-code").json["accepted"] == 1


def test_the_same_browser_is_one_visitor_all_day(app, browser, clock):
    browser.share("share-code")
    land(browser)
    clock.advance(hours=8)
    land(browser)
    assert len(set(hashes(app))) == 1


def test_different_addresses_or_browsers_are_different_visitors(app, browser):
    browser.share("share-code")
    land(browser, ip="198.51.100.50")
    land(browser, ip="198.51.100.51")
    land(browser, ip="198.51.100.50", user_agent="Mozilla/5.0 (iPhone) Safari/604.1")
    assert len(set(hashes(app))) == 3


def test_the_same_browser_on_another_day_cannot_be_linked(app, browser, clock):
    browser.share("share-code")
    clock.set(datetime(2026, 5, 12, 14, 0, tzinfo=UTC))
    land(browser)
    clock.set(datetime(2026, 5, 13, 14, 0, tzinfo=UTC))
    land(browser)
    assert len(set(hashes(app))) == 2


def test_a_visitor_active_across_midnight_stays_one_visitor(app, browser, clock):
    clock.set(datetime(2026, 5, 12, 23, 50, tzinfo=UTC))
    browser.share("share-code")
    land(browser)
    clock.set(datetime(2026, 5, 13, 0, 10, tzinfo=UTC))
    land(browser)
    land(browser, ip="198.51.100.99")  # somebody else right after midnight
    first, second, other = hashes(app)
    assert first == second
    assert other != first


def test_continuity_ends_after_half_an_hour_of_silence(app, browser, clock):
    clock.set(datetime(2026, 5, 12, 23, 50, tzinfo=UTC))
    browser.share("share-code")
    land(browser)
    clock.set(datetime(2026, 5, 13, 0, 25, tzinfo=UTC))
    land(browser)
    assert len(set(hashes(app))) == 2


def test_salts_are_deleted_48_hours_after_their_day_began(app, browser, clock):
    browser.share("share-code")
    days = []
    for day in (12, 13, 14):
        clock.set(datetime(2026, 5, day, 9, 0, tzinfo=UTC))
        land(browser)
        days.append(sorted(s.day.day for s in all_rows(app, Salt)))
    assert days == [[12], [12, 13], [13, 14]]


def test_every_worker_uses_the_same_salt(app, browser, database_url, tmp_path, clock):
    browser.share("share-code")
    land(browser)
    second_worker = make_app(database_url, tmp_path / "w2", clock)
    client = second_worker.test_client()
    browser.client = client
    land(browser)
    db.dispose(second_worker)
    assert len(set(hashes(app))) == 1


def test_a_visitor_who_continued_across_midnight_keeps_the_hash_all_day(app, browser, clock):
    clock.set(datetime(2026, 5, 12, 23, 55, tzinfo=UTC))
    browser.share("share-code")
    land(browser)
    for hour, minute in ((0, 10), (0, 25), (0, 40), (0, 50), (15, 0)):
        clock.set(datetime(2026, 5, 13, hour, minute, tzinfo=UTC))
        land(browser)
    assert len(set(hashes(app))) == 1


def test_every_worker_honours_a_link_another_worker_made(
    app, browser, database_url, tmp_path, clock
):
    clock.set(datetime(2026, 5, 12, 23, 55, tzinfo=UTC))
    browser.share("share-code")
    land(browser)
    second_worker = make_app(database_url, tmp_path / "w2", clock)
    first_client = browser.client
    clock.set(datetime(2026, 5, 13, 0, 1, tzinfo=UTC))
    browser.client = second_worker.test_client()
    land(browser)  # worker 2 reads the links now: none yet
    browser.client = first_client
    clock.set(datetime(2026, 5, 13, 0, 10, tzinfo=UTC))
    land(browser)  # worker 1 continues the visitor and links the hashes
    clock.set(datetime(2026, 5, 13, 9, 0, tzinfo=UTC))
    browser.client = second_worker.test_client()
    land(browser)  # worker 2 has reread the links once the half hour was over
    db.dispose(second_worker)
    assert len(set(hashes(app))) == 1


def test_salts_of_a_quiet_server_are_purged_by_the_daily_command(app, browser, runner, clock):
    import json

    browser.share("share-code")
    clock.set(datetime(2026, 5, 16, 3, 0, tzinfo=UTC))
    result = runner.invoke(args=["purge", "--json"])
    assert json.loads(result.output) == {"salts_deleted": 1}
    assert all_rows(app, Salt) == []
