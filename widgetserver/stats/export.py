"""The report's tables for download: RFC 4180 CSV that opens safely in a spreadsheet.

UTF-8 with a byte order mark (so that spreadsheet programs read umlauts right), CRLF line
ends, quotes where needed. A cell beginning with ``= + - @``, a tab or a carriage return is
prefixed with ``'`` (also after leading spaces or invisible characters, and in full-width
forms) so a spreadsheet shows it as text instead of running it as a formula (page
URLs, order ids and referrer references come from shops and visitors). Money gets one column
per currency, as decimal strings.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from .figures import Money, RecentConversion, Report

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
    conversions = (CONVERSION_HEADER, [_conversion(c) for c in report.recent])
    return {
        "daily": daily,
        "channels": channels,
        "pages": pages,
        "referrers": referrers,
        "conversions": conversions,
    }


CONVERSION_HEADER = [
    "order id", "occurred at", "status", "verified", "amount", "refunded", "currency", "code",
    "channel", "attribution", "self-referral",
]  # fmt: skip


def _conversion(c: RecentConversion) -> list[str]:
    return [
        c.order_id, c.occurred_at.isoformat(timespec="seconds"), c.status,
        "yes" if c.verified else "no", str(c.amount), str(c.refunded), c.currency, c.code or "",
        c.channel or "", c.attribution, "yes" if c.self_referral else "no",
    ]  # fmt: skip


def _ignorable(char: str) -> bool:
    """Characters a spreadsheet may skip before a formula: spaces, controls, format marks."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not evaluate: one that begins with ``= + - @``, a tab or a
    carriage return - also after leading spaces, zero-width or other format characters, and in
    the compatibility forms NFKC folds to them (a full-width equals sign) - gets a leading ``'``."""
    if value.startswith(_RISKY):
        return "'" + value
    head = unicodedata.normalize("NFKC", value)
    start = 0
    while start < len(head) and _ignorable(head[start]):
        start += 1
    return "'" + value if head.startswith(_RISKY, start) else value


def _encode(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [safe_cell(cell) for cell in row] for row in rows
    )
    return buffer.getvalue()


def table_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    """A header and its rows as CSV, every cell made safe (``safe_cell``)."""
    return _encode([header, *rows]).encode("utf-8-sig")


def csv_bytes(report: Report, table: str) -> bytes:
    """One table as CSV; raises ``KeyError`` for a name not in ``TABLES``."""
    if table not in TABLES:
        raise KeyError(table)
    header, rows = tables(report)[table]
    return table_bytes(header, rows)


def conversions_csv(conversions: Iterable[RecentConversion], batch: int = 500) -> Iterator[bytes]:
    """Every order as the ``conversions`` CSV (same columns as in ``csv_bytes``), in chunks of
    ``batch`` rows, so a year of orders never sits in memory at once."""
    yield _encode([CONVERSION_HEADER]).encode("utf-8-sig")
    rows: list[list[str]] = []
    for conversion in conversions:
        rows.append(_conversion(conversion))
        if len(rows) == batch:
            yield _encode(rows).encode("utf-8")
            rows = []
    if rows:
        yield _encode(rows).encode("utf-8")
