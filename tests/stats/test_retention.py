"""Pruning raw events: the figures stay, attribution keeps its window, the zone may change."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from widgetserver import create_app
from widgetserver.core.db import db
from widgetserver.models import Event, EventRetention, Site, StatsDay
from widgetserver.stats import retention, store
from widgetserver.stats.sql import compute

from ..api.test_stats import StatsClient
from ..conftest import make_app, make_site
from .conftest import BERLIN, report_for

#: Two years and more after the story: every one of its days lies beyond the horizon.
LATER = datetime(2028, 7, 1, 10, 0, tzinfo=UTC)
KEEP = 750


def events(app, site_id=None):
    with app.app_context():
        query = select(Event.occurred_at).order_by(Event.occurred_at)
        if site_id is not None:
            query = query.where(Event.site_id == site_id)
        return list(db.session.scalars(query))


def prune(app, site, batch=retention.BATCH):
    with app.app_context():
        row = db.session.get(Site, site.id)
        return retention.prune(db.session, row, KEEP, app.config["CLOCK"](), batch)


def set_timezone(app, site, tz):
    with app.app_context(), db.writing() as session:
        row = session.get(Site, site.id)
        row.settings = {**(row.settings or {}), "timezone": tz}


def comparable(report):
    """A report with the referrer table's visits left out: they are counted from raw events."""
    return replace(report, referrers=[replace(r, visits=0) for r in report.referrers])


def test_the_figures_of_pruned_days_are_the_same_before_and_after(
    app, client, clock, site, story, runner
):
    clock.set(LATER)
    plugin = StatsClient(client, site, clock)
    query = "from=2026-05-01&to=2026-05-31"
    before = report_for(app, site, "2026-05-01", "2026-05-31")
    api_before = plugin.get(query).get_json()
    assert before.totals.shares == 5 and before.totals.visits > 0

    result = runner.invoke(args=["stats", "prune"])
    assert result.exit_code == 0, result.output
    assert f"{site.key}: events kept from 2026-06-" in result.output
    assert events(app) == []

    after = report_for(app, site, "2026-05-01", "2026-05-31")
    assert comparable(after) == comparable(before)
    api_after = plugin.get(query).get_json()
    for body in (api_before, api_after):
        for row in body.get("referrers", []):
            row.pop("visits", None)
    assert api_after == api_before


def test_a_day_not_yet_rolled_up_is_rolled_up_before_its_events_go(app, clock, site, story):
    clock.set(LATER)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatsDay)) == 0
        first, last = datetime(2026, 5, 9).date(), datetime(2026, 5, 12).date()
        summed = compute(db.session, site.id, BERLIN, first, last, store.TOP_PAGES)
    done = prune(app, site)
    assert done.days_rolled_up == 32  # 9 May (the first event) to 9 June (the horizon)
    assert events(app) == []
    report = report_for(app, site, "2026-05-09", "2026-05-12")
    for day in report.daily:
        assert (day.shares, day.visits) == (
            summed[day.day].total.shares,
            summed[day.day].total.visits,
        )
    assert sum(d.shares for d in report.daily) == sum(s.total.shares for s in summed.values()) > 0


def test_running_it_twice_is_a_no_op(app, clock, site, story):
    clock.set(LATER)
    first = prune(app, site)
    assert first.events_deleted > 0
    with app.app_context():
        rows = db.session.execute(select(StatsDay).order_by(StatsDay.day)).scalars().all()
        snapshot = [(r.tz, r.dimension, r.day, r.value, r.shares, r.visits) for r in rows]
    second = prune(app, site)
    assert (second.days_rolled_up, second.events_deleted, second.batches) == (0, 0, 0)
    assert second.kept_from == first.kept_from
    with app.app_context():
        rows = db.session.execute(select(StatsDay).order_by(StatsDay.day)).scalars().all()
        assert [(r.tz, r.dimension, r.day, r.value, r.shares, r.visits) for r in rows] == snapshot


def test_the_prune_deletes_a_bounded_batch_per_transaction(app, clock, site, story):
    total = len(events(app))
    clock.set(LATER)
    done = prune(app, site, batch=3)
    assert done.events_deleted == total
    assert done.batches == -(-total // 3)  # every transaction but the last deleted exactly 3


def test_events_inside_the_horizon_are_never_deleted(app, clock, site, story):
    everything = events(app)
    # The horizon (750 days and the margin of 2) falls on 11 May in Berlin.
    clock.set(datetime(2026, 5, 11, 12, 0, tzinfo=UTC) + timedelta(days=KEEP + 2))
    done = prune(app, site)
    horizon = clock() - timedelta(days=KEEP)
    kept = events(app)
    assert done.kept_from == datetime(2026, 5, 11).date()
    assert kept == [t for t in everything if t >= datetime(2026, 5, 10, 22, 0, tzinfo=UTC)]
    assert [t for t in everything if t >= horizon] == [t for t in kept if t >= horizon]
    assert 0 < len(kept) < len(everything)


def test_attribution_still_works_within_the_window_of_a_late_order(app, clock, browser, shop):
    site = make_site(app, clock, email="late@shop.example", attribution_window_days=365)
    browser.site = shop.site = site
    clock.set(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    assert browser.share("oldShare01").status_code == 202  # long gone by the prune
    clock.set(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    assert browser.share("lateShare1").status_code == 202
    clock.advance(days=300)
    assert browser.visit("lateShare1").status_code == 202
    visit = clock()
    # The shop reports the order a year late, as late as it may: the visit lies in its window.
    clock.set(visit + timedelta(days=365))
    assert prune(app, site).events_deleted == 1
    body = shop.conversion(
        "late-1", ref="lateShare1", occurred_at=(visit + timedelta(hours=1)).isoformat()
    ).get_json()
    assert body["attribution"]["decision"] == "attributed", body


def test_a_time_zone_change_after_pruning_keeps_the_old_days_figures(app, clock, site, story):
    clock.set(LATER)
    berlin = report_for(app, site, "2026-05-01", "2026-05-31")
    prune(app, site)
    set_timezone(app, site, "America/New_York")
    new_york = report_for(app, site, "2026-05-01", "2026-05-31")
    assert new_york.period.tz == "America/New_York"
    assert new_york.totals == berlin.totals
    assert [(d.day, d.shares, d.visits) for d in new_york.daily] == [
        (d.day, d.shares, d.visits) for d in berlin.daily
    ]
    assert new_york.channels == berlin.channels and new_york.pages == berlin.pages
    with app.app_context():
        zones = set(db.session.scalars(select(StatsDay.tz).distinct()))
        assert zones == {"America/New_York"}
        assert db.session.get(EventRetention, site.id).tz == "America/New_York"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_a_zone_change_across_a_pruned_boundary_loses_and_doubles_nothing(
    app, clock, site, story, zone
):
    # Pruned up to 11 May in Berlin: the events of the 11th and later stay.
    clock.set(datetime(2026, 5, 11, 12, 0, tzinfo=UTC) + timedelta(days=KEEP + 2))
    whole = report_for(app, site, "2026-05-01", "2026-05-31")
    assert prune(app, site).events_deleted > 0
    set_timezone(app, site, zone)
    moved = report_for(app, site, "2026-05-01", "2026-05-31")
    assert moved.totals.shares == whole.totals.shares
    assert moved.totals.visits == whole.totals.visits
    assert sum(d.shares for d in moved.daily) == whole.totals.shares
    assert {c.channel: (c.shares, c.visits) for c in moved.channels} == {
        c.channel: (c.shares, c.visits) for c in whole.channels
    }
    # And back again, after another prune in the new zone.
    prune(app, site)
    set_timezone(app, site, BERLIN)
    back = report_for(app, site, "2026-05-01", "2026-05-31")
    assert (back.totals.shares, back.totals.visits) == (whole.totals.shares, whole.totals.visits)


def test_a_site_without_events_is_left_alone(app, clock, site):
    clock.set(LATER)
    done = prune(app, site)
    assert done == retention.Pruned(None, 0, 0, 0)
    with app.app_context():
        assert db.session.get(EventRetention, site.id) is None


def test_a_retention_below_the_minimum_is_refused_at_start_up(tmp_path, database_url, monkeypatch):
    config = {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"}
    with pytest.raises(RuntimeError, match="EVENTS_KEEP_DAYS=731: must be at least 732 days"):
        create_app({**config, "EVENTS_KEEP_DAYS": 731})
    enough = create_app({**config, "EVENTS_KEEP_DAYS": 732})
    assert enough.config["EVENTS_KEEP_DAYS"] == 732
    db.dispose(enough)
    monkeypatch.setenv("WIDGETSERVER_EVENTS_KEEP_DAYS", "30")
    with pytest.raises(RuntimeError, match="EVENTS_KEEP_DAYS=30: must be at least 732"):
        make_app(database_url, tmp_path / "env", None)


def test_pruning_an_unknown_site_says_so_and_fails(app, runner, site, story):
    result = runner.invoke(args=["stats", "prune", "--site", "pk_nobody"])
    assert result.exit_code == 1
    assert "No site has the public key 'pk_nobody'" in result.output
    assert len(events(app)) > 0
