"""Page names come from public share events: their rows per day and month stay bounded."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from widgetserver.core.db import db
from widgetserver.models import StatsDay
from widgetserver.stats import sql, store
from widgetserver.stats.sums import OTHER, Sums, top_pages

from .conftest import BERLIN, V1, S, ok, report_for


@pytest.fixture
def many_pages(app, clock, people, monkeypatch):
    """An early share on 1 March; four pages on 15 April and on 12 May (today), with 4, 3, 2 and 1 shares; two are kept."""
    monkeypatch.setattr(store, "TOP_PAGES", 2)
    sharer, friend = people(S), people(V1)
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # the site's first event: April is whole
    ok(sharer.share("early001", "email", product="SKU-9"))
    for day in (datetime(2026, 4, 15, 9, 0, tzinfo=UTC), datetime(2026, 5, 12, 8, 0, tzinfo=UTC)):
        clock.set(day)
        for n, count in enumerate((4, 3, 2, 1)):
            for k in range(count):
                ok(sharer.share(f"p{day.day}x{n}x{k}x", "whatsapp", product=f"SKU-{n}"))
        ok(friend.visit(f"p{day.day}x3x0x"))  # SKU-3: 1 share and 1 visit, still the last
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))


def pages(report):
    return {p.page: (p.shares, p.visits) for p in report.pages}


def test_a_day_stores_its_top_pages_and_one_row_for_the_rest(app, site, many_pages):
    report = report_for(app, site, "2026-04-15", "2026-04-15")
    assert pages(report) == {"SKU-0": (4, 0), "SKU-1": (3, 0)}
    assert (report.totals.shares, report.totals.visits) == (10, 1)  # totals stay exact
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(StatsDay.value, StatsDay.shares).where(
                    StatsDay.dimension == store.PAGE, StatsDay.day == date(2026, 4, 15)
                )
            ).all()
        )
    assert rows == {"SKU-0": 4, "SKU-1": 3, OTHER: 3}


def test_months_and_today_keep_only_the_top_pages_too(app, site, many_pages):
    report = report_for(app, site, "2026-03-01", "2026-05-12")  # March, April and today
    assert pages(report) == {"SKU-0": (8, 0), "SKU-1": (6, 0)}
    assert (report.totals.shares, report.totals.visits) == (21, 2)
    with app.app_context():
        month = db.session.scalar(
            select(func.count()).where(
                StatsDay.dimension == store.MONTH_PAGE, StatsDay.day == date(2026, 4, 1)
            )
        )
    assert month == 3


def test_top_pages_sums_the_rest_and_keeps_an_earlier_rest():
    sums = {
        "a": Sums(shares=5),
        "b": Sums(visits=1),
        OTHER: Sums(shares=2),
    }
    assert top_pages(sums, 1) == {
        "a": Sums(shares=5),
        OTHER: Sums(shares=2, visits=1),
    }


def test_the_live_day_gets_its_top_pages_and_the_rest_from_the_database(app, site, many_pages):
    """Today (12 May in Berlin) is summed per request: the database answers with the top
    pages, exact, and one row ``OTHER`` with the sums of the rest, never with every page."""
    with app.app_context():
        day = date(2026, 5, 12)
        summed = sql.compute(db.session, site.id, BERLIN, day, day, store.TOP_PAGES)[day]
    assert summed.pages == {
        "SKU-0": Sums(shares=4),
        "SKU-1": Sums(shares=3),
        OTHER: Sums(shares=3, visits=1, share_visits=1),  # SKU-2 (2 shares) and SKU-3
    }
    assert (summed.total.shares, summed.total.visits, summed.total.visitors) == (10, 1, 1)
    assert summed.channels == {"whatsapp": Sums(shares=10, visits=1, share_visits=1)}


def test_the_live_day_has_no_rest_row_when_every_page_is_kept(app, site, many_pages, monkeypatch):
    monkeypatch.setattr(store, "TOP_PAGES", 4)
    with app.app_context():
        day = date(2026, 5, 12)
        summed = sql.compute(db.session, site.id, BERLIN, day, day, store.TOP_PAGES)[day]
    assert summed.pages == {
        "SKU-0": Sums(shares=4),
        "SKU-1": Sums(shares=3),
        "SKU-2": Sums(shares=2),
        "SKU-3": Sums(shares=1, visits=1, share_visits=1),
    }
