"""The dashboard shows the stats engine's figures for a site and period, and exports them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from widgetserver import stats
from widgetserver.core.db import db
from widgetserver.models import Site

from ..conftest import SHOP, Browser, Shop, SiteInfo

DASH = "\u2013"  # between the first and the last day of a period
HOSTILE_PRODUCT = '<img src=x onerror="alert(1)">'
HOSTILE_ORDER = "<script>alert(2)</script>"


@pytest.fixture
def seeded(app, owners, client, clock):
    """A shop with shares, visits and orders on 11 May 2026 (UTC), its owner logged in."""
    account = owners.create()
    owned = owners.site(account, "Mugs & More")
    info = SiteInfo(owned.id, owned.key, owned.secret, SHOP)
    sharer, friend = Browser(client, info), Browser(client, info)
    friend.ip = "198.51.100.20"
    shop = Shop(client, info, clock)
    clock.set(datetime(2026, 5, 11, 8, 0, tzinfo=UTC))
    assert sharer.share("shareAAA1", "whatsapp", product=HOSTILE_PRODUCT).status_code == 202
    assert sharer.share("shareBBB1", "email").status_code == 202
    clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    assert friend.visit("shareAAA1").status_code == 202
    assert friend.visit("shareBBB1").status_code == 202
    clock.set(datetime(2026, 5, 11, 10, 0, tzinfo=UTC))
    assert (
        shop.conversion(HOSTILE_ORDER, amount="1234.50", ref="shareAAA1", status="paid").status_code
        < 300
    )
    assert shop.conversion("o-2", amount="3000", currency="JPY", ref="shareBBB1").status_code < 300
    assert (
        friend.convert(order_id="o-3", amount="20.00", currency="EUR", ref="shareAAA1").status_code
        < 300
    )
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
    owners.login(account)
    return owned


def engine_report(app, site_id, period):
    with app.app_context():
        site = db.session.get(Site, site_id)
        return stats.report(db.session, site, period)


def test_the_dashboard_shows_the_engines_figures(app, client, seeded):
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(as_text=True)
    report = engine_report(
        app, seeded.id, stats.Period.preset("7d", datetime(2026, 5, 12).date(), "UTC")
    )
    totals = report.totals
    assert (totals.shares, totals.visits) == (2, 2)
    assert "Mugs &amp; More" in page
    assert f"May 6, 2026 {DASH} May 12, 2026" in page
    for label, figure in [
        ("Share clicks", totals.shares),
        ("Visits from shares", totals.visits),
        ("Unique visitors", totals.unique_visitors),
        ("Orders (verified)", totals.orders_verified),
    ]:
        assert (
            f'<span class="card-label">{label}</span>\n      <span class="card-value">{figure}</span>'
            in page
        )
    assert "€1,234.50" in page  # revenue per currency, exactly
    assert "¥3,000" in page
    assert f"plus {totals.orders_unverified} unverified" in page
    assert "WhatsApp" in page and "E-mail" in page
    assert "shareAAA1" in page
    assert '<svg role="img"' in page and '<title id="chart-visits-title">' in page


def test_user_written_words_are_shown_as_text(client, seeded):
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(as_text=True)
    assert HOSTILE_PRODUCT not in page and HOSTILE_ORDER not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_the_period_can_be_a_preset_or_a_range_and_compares_with_the_one_before(client, seeded):
    page = client.get(f"/admin/sites/{seeded.id}/?from=2026-05-11&to=2026-05-11").get_data(True)
    assert '<input type="date" id="from" name="from" value="2026-05-11"' in page
    assert f"compared with May 10, 2026 {DASH} May 10, 2026" in page
    assert "from=2026-05-11&amp;to=2026-05-11" in page  # the CSV links keep the period
    preset = client.get(f"/admin/sites/{seeded.id}/?period=this-month").get_data(True)
    assert '<option value="this-month" selected>' in preset
    assert f"May 1, 2026 {DASH} May 12, 2026" in preset
    assert "period=this-month" in preset


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-05-12&to=2026-05-01",
        "from=yesterday&to=today",
        "from=2024-01-01&to=2026-01-01",
        "from=2026-05-01",
    ],
)
def test_a_wrong_range_is_explained_and_the_default_period_shown(client, seeded, query):
    response = client.get(f"/admin/sites/{seeded.id}/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="period-error"' in page and "Choose a first and a last day" in page
    assert '<option value="30d" selected>' in page


def test_an_unknown_preset_falls_back_to_thirty_days(client, seeded):
    page = client.get(f"/admin/sites/{seeded.id}/?period=forever").get_data(True)
    assert '<option value="30d" selected>' in page


@pytest.mark.parametrize("table", stats.TABLES)
def test_every_table_downloads_as_the_engines_csv(app, client, seeded, table):
    response = client.get(
        f"/admin/sites/{seeded.id}/export/{table}.csv?from=2026-05-06&to=2026-05-12"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="site-{seeded.id}-{table}-2026-05-06-2026-05-12.csv"'
    )
    period = stats.Period.parse("2026-05-06", "2026-05-12", "UTC")
    assert response.data == stats.csv_bytes(engine_report(app, seeded.id, period), table)
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_table_or_a_wrong_range_is_no_download(client, seeded):
    assert client.get(f"/admin/sites/{seeded.id}/export/secrets.csv").status_code == 404
    assert client.get(f"/admin/sites/{seeded.id}/export/daily.csv?from=x&to=y").status_code == 400


def test_the_dashboard_speaks_german_with_german_numbers(client, seeded):
    page = client.get(
        f"/admin/sites/{seeded.id}/?period=7d", headers={"Accept-Language": "de-DE,de;q=0.9"}
    ).get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Teilen-Klicks" in page and "Besuche über geteilte Links" in page
    assert "1.234,50\xa0€" in page
    assert f"06.05.2026 {DASH} 12.05.2026" in page


def test_the_dashboard_uses_the_sites_time_zone(app, client, seeded):
    with app.app_context(), db.writing() as session:
        session.get(Site, seeded.id).settings = {"timezone": "Pacific/Kiritimati"}  # UTC+14
    page = client.get(f"/admin/sites/{seeded.id}/?period=7d").get_data(True)
    assert "time zone Pacific/Kiritimati" in page
    assert f"May 7, 2026 {DASH} May 13, 2026" in page  # 10:30 UTC is already the 13th there
