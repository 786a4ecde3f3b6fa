"""The report's tables for download: RFC 4180 CSV that opens safely in a spreadsheet.

UTF-8 with a byte order mark (so that spreadsheet programs read umlauts right), CRLF line
ends, quotes where needed. A cell beginning with ``= + - @``, a tab or a carriage return is
prefixed with ``'`` so a spreadsheet shows it as text instead of running it as a formula (page
URLs, order ids and referrer references come from shops and visitors). Money gets one column
per currency, as decimal strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from .figures import Report

TABLES = ("daily", "channels", "pages", "referrers", "conversions")
_RISKY = ("=", "+", "-", "@", "\t", "\r")

Table = tuple[list[str], list[list[str]]]


def _currencies(rows: Sequence[object]) -> list[str]:
    return sorted({c for row in rows for c in getattr(row, "revenue", {})})


def _money(revenue: dict[str, Decimal], currencies: list[str]) -> list[str]:
    return [str(revenue.get(c, "")) for c in currencies]


def _money_header(currencies: list[str]) -> list[str]:
    return [f"revenue {c}" for c in currencies]


def tables(report: Report) -> dict[str, Table]:
    """Every table of the report as (header, rows) of strings."""
    cur = _currencies(report.daily)
    daily = (
        ["day", "shares", "visits", "orders", "orders unverified", *_money_header(cur)],
        [
            [d.day.isoformat(), str(d.shares), str(d.visits), str(d.orders),
             str(d.orders_unverified), *_money(d.revenue, cur)]
            for d in report.daily
        ],
    )  # fmt: skip
    cur = _currencies(report.channels)
    channels = (
        ["channel", "shares", "visits", "orders", "orders unverified", *_money_header(cur)],
        [
            [c.channel, str(c.shares), str(c.visits), str(c.orders), str(c.orders_unverified),
             *_money(c.revenue, cur)]
            for c in report.channels
        ],
    )  # fmt: skip
    cur = _currencies(report.pages)
    pages = (
        ["page", "shares", "visits", "orders", "orders unverified", *_money_header(cur)],
        [
            [p.page, str(p.shares), str(p.visits), str(p.orders), str(p.orders_unverified),
             *_money(p.revenue, cur)]
            for p in report.pages
        ],
    )  # fmt: skip
    cur = _currencies(report.referrers)
    referrers = (
        ["code", "kind", "channel", "referrer", "visits", "orders", "orders unverified",
         *_money_header(cur)],
        [
            [r.code, r.kind, r.channel or "", r.referrer or "", str(r.visits), str(r.orders),
             str(r.orders_unverified), *_money(r.revenue, cur)]
            for r in report.referrers
        ],
    )  # fmt: skip
    conversions = (
        ["order id", "occurred at", "status", "verified", "amount", "refunded", "currency",
         "code", "channel", "attribution", "self-referral"],
        [
            [c.order_id, c.occurred_at.isoformat(timespec="seconds"), c.status,
             "yes" if c.verified else "no", str(c.amount), str(c.refunded), c.currency,
             c.code or "", c.channel or "", c.attribution, "yes" if c.self_referral else "no"]
            for c in report.recent
        ],
    )  # fmt: skip
    return {
        "daily": daily,
        "channels": channels,
        "pages": pages,
        "referrers": referrers,
        "conversions": conversions,
    }


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_RISKY) else value


def csv_bytes(report: Report, table: str) -> bytes:
    """One table as CSV; raises ``KeyError`` for a name not in ``TABLES``."""
    if table not in TABLES:
        raise KeyError(table)
    header, rows = tables(report)[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
