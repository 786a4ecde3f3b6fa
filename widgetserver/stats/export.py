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
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from .figures import Money, Report

TABLES = ("daily", "channels", "pages", "referrers", "conversions")
_RISKY = ("=", "+", "-", "@", "\t", "\r")

Table = tuple[list[str], list[list[str]]]


def _currencies(rows: Sequence[object]) -> list[str]:
    return sorted({c for row in rows for c in getattr(row, "revenue", {})})


def _money(revenue: dict[str, Decimal], currencies: list[str]) -> list[str]:
    return [str(revenue.get(c, "")) for c in currencies]


def _money_header(currencies: list[str]) -> list[str]:
    return [f"revenue {c}" for c in currencies]


class _Counted(Protocol):
    """A row with visits, orders and revenue (a day, channel, page or reference code)."""

    @property
    def visits(self) -> int: ...
    @property
    def orders(self) -> int: ...
    @property
    def orders_unverified(self) -> int: ...
    @property
    def revenue(self) -> Money: ...


_R = TypeVar("_R", bound=_Counted)


def _counted(rows: Sequence[_R], leading: list[str], cells: Callable[[_R], list[str]]) -> Table:
    """The ``leading`` columns (filled by ``cells``), then visits, orders and revenue."""
    cur = _currencies(rows)
    return (
        [*leading, "visits", "orders", "orders unverified", *_money_header(cur)],
        [
            [
                *cells(row),
                str(row.visits),
                str(row.orders),
                str(row.orders_unverified),
                *_money(row.revenue, cur),
            ]
            for row in rows
        ],
    )


def tables(report: Report) -> dict[str, Table]:
    """Every table of the report as (header, rows) of strings."""
    daily = _counted(report.daily, ["day", "shares"], lambda d: [d.day.isoformat(), str(d.shares)])
    channels = _counted(
        report.channels, ["channel", "shares"], lambda c: [c.channel, str(c.shares)]
    )
    pages = _counted(report.pages, ["page", "shares"], lambda p: [p.page, str(p.shares)])
    referrers = _counted(
        report.referrers,
        ["code", "kind", "channel", "referrer"],
        lambda r: [r.code, r.kind, r.channel or "", r.referrer or ""],
    )
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
