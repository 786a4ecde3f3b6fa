"""Known events in, exact figures out: the funnel, the money, the days, the viral factor.

The shop is in Berlin (UTC+2 in May); the events are the ``story`` of conftest.py.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from widgetserver import stats
from widgetserver.core.db import db
from widgetserver.models import StatsDay

from .conftest import BERLIN, V1, A, B, S, Y, count_unverified, ok, report_for


def test_the_totals_count_shares_visits_orders_and_money_exactly(app, site, story):
    totals = report_for(app, site, "2026-05-11", "2026-05-12").totals
    assert totals.shares == 3
    assert totals.visits == 4
    assert totals.unique_visitors == 3
    assert totals.orders_verified == 4  # o1, o2 (partly refunded), o5 (JPY), o9 (late)
    assert totals.orders_unverified == 1  # o7; o8 is a self-referral
    assert totals.revenue == {"EUR": Decimal("135.00"), "JPY": Decimal("3000")}
    assert totals.revenue_unverified == {"EUR": Decimal("20.00")}
    assert totals.conversion_rate == 4 / 4  # verified orders only: o7 is apart
    assert totals.average_order_value == {"EUR": Decimal("45.00"), "JPY": Decimal("3000")}
    assert totals.viral_factor == 1 / 4


def test_unverified_orders_count_in_the_rate_and_the_average_only_when_the_site_says_so(
    app, site, story
):
    before = report_for(app, site, "2026-05-11", "2026-05-12")
    assert before.count_unverified is False
    count_unverified(app, site.id)
    after = report_for(app, site, "2026-05-11", "2026-05-12")
    assert after.count_unverified is True
    totals = after.totals
    assert totals.conversion_rate == 5 / 4  # o7, reported only by a browser, counts now
    # EUR: o1 100.00, o2 30.00 (net), o9 5.00 and o7 20.00 over four orders.
    assert totals.average_order_value == {"EUR": Decimal("38.75"), "JPY": Decimal("3000")}
    # Orders and revenue stay apart either way; the events' figures do not move.
    assert (totals.orders_verified, totals.orders_unverified) == (4, 1)
    assert totals.revenue == before.totals.revenue
    assert totals.revenue_unverified == {"EUR": Decimal("20.00")}
    assert (totals.shares, totals.visits, totals.unique_visitors) == (3, 4, 3)
    # The JSON stats API says which way it counted and follows the setting.
    assert stats.as_json(before)["count_unverified"] is False
    assert stats.as_json(before)["totals"]["conversion_rate"] == 1.0
    body = stats.as_json(after)
    assert body["count_unverified"] is True and body["totals"]["conversion_rate"] == 1.25
    assert body["totals"]["average_order_value"] == {"EUR": "38.75", "JPY": "3000"}


def test_the_previous_period_has_as_many_days_right_before(app, site, story):
    report = report_for(app, site, "2026-05-11", "2026-05-12")
    assert report.period.previous().start == date(2026, 5, 9)
    previous = report.previous
    assert (previous.shares, previous.visits, previous.unique_visitors) == (2, 1, 1)
    assert (previous.orders_verified, previous.orders_unverified) == (1, 0)
    assert previous.revenue == {"EUR": Decimal("10.00")}
    assert previous.viral_factor == 0.0


def test_days_end_at_the_sites_midnight_and_days_without_activity_are_zeros(app, site, story):
    daily = report_for(app, site, "2026-05-10", "2026-05-12").daily
    assert [(d.day, d.shares, d.visits, d.orders, d.orders_unverified) for d in daily] == [
        (date(2026, 5, 10), 1, 0, 0, 0),  # X at 23:30 in Berlin; Y at 01:30 is the 11th
        (date(2026, 5, 11), 3, 4, 4, 1),
        (date(2026, 5, 12), 0, 0, 0, 0),
    ]
    assert daily[1].revenue == {"EUR": Decimal("135.00"), "JPY": Decimal("3000")}
    assert daily[0].revenue == daily[2].revenue == {}


def test_channels_pages_and_referrers_follow_the_funnel(app, site, story):
    report = report_for(app, site, "2026-05-11", "2026-05-12")
    channels = [
        (c.channel, c.shares, c.visits, c.orders, c.orders_unverified) for c in report.channels
    ]
    assert channels == [
        ("whatsapp", 1, 3, 2, 1),
        ("facebook", 1, 1, 1, 0),
        ("copy", 1, 0, 1, 0),
    ]
    assert [c.revenue for c in report.channels] == [
        {"EUR": Decimal("130.00")},
        {"JPY": Decimal("3000")},
        {"EUR": Decimal("5.00")},
    ]
    assert [(p.page, p.shares, p.visits, p.orders) for p in report.pages] == [
        ("MUG-1", 1, 3, 2),
        ("MUG-2", 1, 1, 1),
        ("https://shop.example/p/mug", 1, 0, 1),  # no product named: the URL
    ]
    referrers = [
        (r.code, r.kind, r.channel, r.visits, r.orders, r.orders_unverified)
        for r in report.referrers
    ]
    assert referrers == [
        (A, "share", "whatsapp", 3, 2, 1),
        (B, "share", "facebook", 1, 1, 0),
        (Y, "share", "copy", 0, 1, 0),
    ]
    assert report.referrers[0].revenue == {"EUR": Decimal("130.00")}


def test_recent_conversions_show_every_order_with_its_status_in_the_sites_time(app, site, story):
    recent = report_for(app, site, "2026-05-11", "2026-05-12").recent
    by_id = {c.order_id: c for c in recent}
    assert set(by_id) == {f"o{n}" for n in range(1, 10)}
    assert recent[-1].order_id == "o9"  # the earliest
    assert by_id["o9"].occurred_at == datetime.fromisoformat("2026-05-11T01:30:00+02:00")
    assert by_id["o9"].occurred_at.utcoffset().total_seconds() == 7200
    assert (by_id["o2"].amount, by_id["o2"].refunded) == (Decimal("50.00"), Decimal("20.00"))
    assert (by_id["o3"].status, by_id["o4"].status) == ("cancelled", "refunded")
    assert by_id["o6"].attribution == "no_ref" and by_id["o6"].code is None
    assert by_id["o9"].code == Y
    assert (by_id["o7"].verified, by_id["o7"].code, by_id["o7"].channel) == (False, A, "whatsapp")
    assert by_id["o8"].self_referral is True
    assert by_id["o5"].currency == "JPY" and by_id["o5"].amount == Decimal("3000")


def test_a_later_refund_changes_the_figures_of_the_orders_day(app, site, story, shop):
    before = report_for(app, site, "2026-05-11", "2026-05-11")
    ok(shop.conversion("o1", amount="100.00", ref=A, status="refunded"))
    after = report_for(app, site, "2026-05-11", "2026-05-11")
    assert before.daily[0].revenue["EUR"] - after.daily[0].revenue["EUR"] == Decimal("100.00")
    assert (before.totals.orders_verified, after.totals.orders_verified) == (4, 3)


def test_closed_days_are_summed_once_and_today_is_read_live(app, site, story, people, clock):
    first = report_for(app, site, "2026-05-11", "2026-05-12")
    with app.app_context():
        days = set(db.session.scalars(select(StatsDay.day).where(StatsDay.tz == BERLIN)))
    # The period's and the previous period's closed days; the 12th is still going on.
    assert days == {date(2026, 5, 9), date(2026, 5, 10), date(2026, 5, 11)}
    ok(people(11).visit(A))  # today
    second = report_for(app, site, "2026-05-11", "2026-05-12")
    assert second.totals.visits == first.totals.visits + 1
    assert second.daily[0] == first.daily[0]


def test_an_open_day_and_the_same_day_closed_give_the_same_figures(app, site, story, clock):
    clock.set(datetime(2026, 5, 11, 21, 0, tzinfo=UTC))  # 23:00 in Berlin: the 11th is open
    live = report_for(app, site, "2026-05-11", "2026-05-11")
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
    summed = report_for(app, site, "2026-05-11", "2026-05-11")
    assert live.totals == summed.totals
    assert live.channels == summed.channels and live.pages == summed.pages


def test_a_site_without_any_activity_has_zeros_and_no_ratios(app, site):
    report = report_for(app, site, "2026-05-01", "2026-05-12")
    assert report.totals.visits == 0 and report.totals.revenue == {}
    assert report.totals.conversion_rate is None and report.totals.viral_factor is None
    assert len(report.daily) == 12 and report.channels == report.recent == []


def test_another_sites_activity_never_shows(app, site, story, clock):
    from ..conftest import make_site

    other = make_site(app, clock, email="other@shop.example", timezone=BERLIN)
    report = report_for(app, other, "2026-05-11", "2026-05-12")
    assert report.totals.shares == 0 and report.recent == []


@pytest.fixture
def months(app, clock, people):
    """Share clicks and visits in March, April and May, two of them at a month's edge."""
    sharer, friend = people(S), people(V1)
    for n, (moment, channel) in enumerate(
        [
            (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), "whatsapp"),
            (datetime(2026, 4, 1, 0, 30, tzinfo=UTC), "facebook"),  # 02:30 on 1 April in Berlin
            (datetime(2026, 4, 15, 12, 0, tzinfo=UTC), "whatsapp"),
            (datetime(2026, 4, 30, 21, 30, tzinfo=UTC), "email"),  # 23:30 on 30 April in Berlin
            (datetime(2026, 5, 2, 12, 0, tzinfo=UTC), "whatsapp"),
        ]
    ):
        clock.set(moment)
        ok(sharer.share(f"month{n:03d}", channel, product=f"SKU-{n % 2}"))
        ok(friend.visit(f"month{n:03d}"))
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))


def funnel(report):
    channels = {c.channel: (c.shares, c.visits) for c in report.channels}
    pages = {p.page: (p.shares, p.visits) for p in report.pages}
    return channels, pages


def test_whole_months_in_a_period_add_up_like_their_days(app, site, months):
    wide = report_for(app, site, "2026-03-25", "2026-05-05")  # all of April, parts of March, May
    assert funnel(wide) == (
        {"whatsapp": (3, 3), "facebook": (1, 1), "email": (1, 1)},
        {"SKU-0": (3, 3), "SKU-1": (2, 2)},
    )
    april = report_for(app, site, "2026-04-01", "2026-04-30")
    assert funnel(april) == (
        {"facebook": (1, 1), "whatsapp": (1, 1), "email": (1, 1)},
        {"SKU-1": (2, 2), "SKU-0": (1, 1)},
    )
    assert report_for(app, site, "2026-03-25", "2026-05-05") == wide  # from stored months
    with app.app_context():
        kinds = set(
            db.session.scalars(select(StatsDay.dimension).where(StatsDay.day == date(2026, 4, 1)))
        )
    assert {"month", "m:chan", "m:page", "", "channel", "page"} <= kinds


def test_a_visitor_before_and_after_midnight_utc_on_one_local_day_counts_twice(
    app, site, people, clock
):
    """Documented (ARCHITECTURE.md): the visitor hash changes at UTC midnight, days are local."""
    clock.set(datetime(2026, 5, 10, 21, 0, tzinfo=UTC))
    ok(people(S).share("uvcode01", "copy", product="P"))
    friend = people(V1)
    clock.set(datetime(2026, 5, 10, 22, 30, tzinfo=UTC))  # 00:30 on the 11th in Berlin
    ok(friend.visit("uvcode01"))
    clock.set(datetime(2026, 5, 11, 8, 0, tzinfo=UTC))  # 10:00 on the 11th in Berlin
    ok(friend.visit("uvcode01"))
    clock.set(datetime(2026, 5, 13, 12, 0, tzinfo=UTC))
    report = report_for(app, site, "2026-05-11", "2026-05-11")
    assert (report.totals.visits, report.totals.unique_visitors) == (2, 2)
