"""The dashboard's figures at the edges: periods, charts and exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from widgetserver import stats
from widgetserver.admin import chart
from widgetserver.core.db import db
from widgetserver.models import Site
from widgetserver.stats import orders

from ..conftest import SHOP, Shop, SiteInfo
from .test_dashboard import seeded  # noqa: F401  (fixture)

EDGES = ["from=0001-01-01&to=0001-01-05", "from=9999-12-25&to=9999-12-31"]


@pytest.mark.parametrize("query", EDGES)
def test_dates_at_the_ends_of_the_calendar_are_explained(client, seeded, query):  # noqa: F811
    response = client.get(f"/admin/sites/{seeded.id}/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="period-error"' in page and '<option value="30d" selected>' in page


@pytest.mark.parametrize("query", EDGES)
def test_dates_at_the_ends_of_the_calendar_are_no_download(client, seeded, query):  # noqa: F811
    assert client.get(f"/admin/sites/{seeded.id}/export/daily.csv?{query}").status_code == 400


def test_the_conversions_download_holds_every_order_not_only_the_latest(
    app,
    client,
    seeded,  # noqa: F811
    clock,
):
    shop = Shop(client, SiteInfo(seeded.id, seeded.key, seeded.secret, SHOP), clock)
    clock.set(datetime(2026, 5, 11, 11, 0, tzinfo=UTC))
    for n in range(orders.RECENT + 5):
        assert shop.conversion(f"bulk-{n:02d}", amount="2.00").status_code < 300
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
    response = client.get(
        f"/admin/sites/{seeded.id}/export/conversions.csv?from=2026-05-06&to=2026-05-12"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + orders.RECENT + 5 + 3  # the header, the bulk and seeded's 3


def test_the_charts_and_the_rate_leave_unverified_orders_out_and_show_them_apart(
    client,
    seeded,  # noqa: F811
):
    # seeded: on 11 May one verified EUR order (1,234.50), one verified JPY order and one
    # unverified EUR order (20.00) that only a browser reported; two visits.
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(as_text=True)
    assert 'chart-name">Orders (verified)</span>' in page
    assert 'chart-name">Orders, verified and unverified' not in page
    assert '<span class="chart-total">2</span>' in page
    assert 'chart-name">Revenue (verified) (JPY)</span>' in page
    assert "The charts count verified orders only" in page
    assert card(page, "Conversion rate").startswith("100.0")  # 2 verified orders, 2 visits
    unverified = page.split('id="unverified-card"', 1)[1].split("</li>", 1)[0]
    assert 'card-label">Orders (unverified)</span>' in unverified
    assert 'card-value">1</span>' in unverified and "€20.00" in unverified
    assert "anyone could make them up" in unverified


def test_the_charts_count_unverified_orders_when_the_site_says_so(app, client, seeded):  # noqa: F811
    with app.app_context(), db.writing() as session:
        site = session.get(Site, seeded.id)
        site.settings = {**(site.settings or {}), "count_unverified": True}
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(as_text=True)
    assert 'chart-name">Orders, verified and unverified</span>' in page
    assert '<span class="chart-total">3</span>' in page
    assert 'chart-name">Revenue, verified and unverified (JPY)</span>' in page
    assert "The charts count verified and unverified orders together" in page
    assert card(page, "Conversion rate").startswith("150.0")
    unverified = page.split('id="unverified-card"', 1)[1].split("</li>", 1)[0]
    assert 'card-value">1</span>' in unverified and "Counted in the conversion rate" in unverified


def card(page: str, label: str) -> str:
    """The value of the overview card with ``label``."""
    after = page.split(f'<span class="card-label">{label}</span>', 1)[1]
    return after.split('<span class="card-value">', 1)[1].split("</span>", 1)[0]


def test_the_unique_visitors_card_says_how_days_are_counted(client, seeded):  # noqa: F811
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(as_text=True)
    assert "recognised for one UTC day only" in page


def test_the_revenue_chart_adds_unverified_revenue_in_its_currency_when_counted():
    day = stats.Day(
        date(2026, 5, 11),
        0,
        0,
        1,
        {"EUR": Decimal("10.00")},
        orders_unverified=2,
        revenue_unverified={"EUR": Decimal("5.50"), "JPY": Decimal("100")},
    )
    orders_chart, revenue = chart.daily([day], "EUR", with_unverified=True)[2:]
    assert (orders_chart.total, revenue.total, revenue.currency) == (3, Decimal("15.50"), "EUR")
    orders_chart, revenue = chart.daily([day], "EUR")[2:]
    assert (orders_chart.total, revenue.total) == (1, Decimal("10.00"))
