"""CSV downloads: every table, RFC 4180, money per currency, safe in a spreadsheet."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from widgetserver.stats import (
    TABLES,
    ChannelRow,
    Day,
    PageRow,
    Period,
    RecentConversion,
    ReferrerRow,
    Report,
    Totals,
    all_conversions,
    conversions_csv,
    csv_bytes,
    tables,
)
from widgetserver.stats.export import safe_cell

from .conftest import report_for

PERIOD = Period(date(2026, 5, 11), date(2026, 5, 12), "Europe/Berlin")


def sample() -> Report:
    return Report(
        period=PERIOD,
        totals=Totals(),
        previous=Totals(),
        channels=[
            ChannelRow("whatsapp", 3, 2, 1, {"EUR": Decimal("10.00"), "JPY": Decimal("500")})
        ],
        pages=[
            PageRow('=HYPERLINK("https://evil.example")', 1, 0, 0, {}),
            PageRow("Tasse „Grün“, groß", 1, 1, 0, {}),
        ],
        referrers=[
            ReferrerRow("shareA01", "referral", None, "@cust-1", 4, 1, {"EUR": Decimal("5.00")})
        ],
        recent=[
            RecentConversion(
                "-1001",
                datetime(2026, 5, 11, 1, 30, tzinfo=UTC),
                "paid",
                True,
                Decimal("59.90"),
                Decimal("0.00"),
                "EUR",
                "shareA01",
                "whatsapp",
                "attributed",
                False,
            )
        ],
        daily=[
            Day(date(2026, 5, 11), 2, 3, 1, {"EUR": Decimal("10.00")}),
            Day(date(2026, 5, 12), 0, 0, 0, {}),
        ],
    )


def rows(table: str, report: Report | None = None) -> list[list[str]]:
    raw = csv_bytes(report or sample(), table)
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def counted_header(first: str, *currencies: str) -> list[str]:
    """The header of the daily, channels or pages table, written out."""
    counts = ["shares", "visits", "orders", "orders unverified"]
    return [first, *counts, *(f"revenue {c}" for c in currencies)]


def test_every_table_has_a_header_and_its_rows():
    assert set(tables(sample())) == set(TABLES)
    for name in TABLES:
        header, body = tables(sample())[name]
        assert all(len(row) == len(header) for row in body)


def test_money_gets_a_column_per_currency_as_decimal_strings():
    assert rows("channels") == [
        counted_header("channel", "EUR", "JPY"),
        ["whatsapp", "3", "2", "1", "0", "10.00", "500"],
    ]
    assert rows("daily")[1:] == [
        ["2026-05-11", "2", "3", "1", "0", "10.00"],
        ["2026-05-12", "0", "0", "0", "0", ""],
    ]


def test_cells_a_spreadsheet_would_run_as_formulas_are_made_text():
    pages = rows("pages")
    assert pages[1][0] == '\'=HYPERLINK("https://evil.example")'
    assert pages[2][0] == "Tasse „Grün“, groß"  # quoted, not split at the comma
    assert rows("referrers")[1][3] == "'@cust-1"
    assert rows("conversions")[1][0] == "'-1001"


def test_conversions_carry_their_time_with_the_offset():
    header, first = rows("conversions")
    assert header[:4] == ["order id", "occurred at", "status", "verified"]
    assert first[1:4] == ["2026-05-11T01:30:00+00:00", "paid", "yes"]


def test_an_unknown_table_is_refused():
    with pytest.raises(KeyError):
        csv_bytes(sample(), "owners")


def test_the_exported_days_of_a_real_report_add_up(app, site, story):
    report = report_for(app, site, "2026-05-11", "2026-05-12")
    daily = rows("daily", report)
    assert daily[0] == counted_header("day", "EUR", "JPY")
    assert daily[1] == ["2026-05-11", "3", "4", "4", "1", "135.00", "3000"]


@pytest.mark.parametrize(
    "value",
    [" =1+1", "\u00a0=1+1", "\u200b=1+1", "\ufeff@SUM(A1)", "\uff1d1+1", "\u3000\uff0b1", " \t-1"],
)
def test_formulas_behind_spaces_invisible_or_full_width_characters_are_made_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["MUG-1", " 12", "a=b", "\u00e9=1", ""])
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == value


def test_the_conversions_download_holds_every_order_of_the_period(
    app, site, shop, clock, monkeypatch
):
    from widgetserver.core.db import db
    from widgetserver.models import Site
    from widgetserver.stats import orders

    monkeypatch.setattr(orders, "BATCH", 7)  # several batches, one of them partly full
    for n in range(25):
        clock.set(datetime(2026, 5, 11, 8, n % 3, tzinfo=UTC))  # equal times cross batches
        assert shop.conversion(f"o-{n:02d}", amount="1.00").status_code == 201
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))
    report = report_for(app, site, "2026-05-11", "2026-05-12")
    assert len(report.recent) == orders.RECENT
    with app.app_context():
        row = db.session.get(Site, site.id)
        raw = b"".join(conversions_csv(all_conversions(db.session, row, report.period), batch=4))
    body = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert body[0] == rows("conversions", report)[0]
    assert sorted(r[0] for r in body[1:]) == [f"o-{n:02d}" for n in range(25)]
    assert body[1 : orders.RECENT + 1] == rows("conversions", report)[1:]  # newest first
