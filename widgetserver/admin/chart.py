"""The daily chart: small bar charts, one per figure, drawn as inline SVG on the server.

One scale per figure (no second axis to misread); the numbers behind every bar are in the
table beside the chart and in each bar's tooltip. No script, no third party.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..stats import Day

WIDTH = 300
HEIGHT = 80


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    value: int | Decimal


@dataclass(frozen=True)
class Chart:
    key: str
    total: int | Decimal
    peak: int | Decimal
    peak_day: date | None
    bars: list[Bar]
    currency: str | None = None


def bars(days: Sequence[date], values: Sequence[int | Decimal]) -> list[Bar]:
    if not days:
        return []
    peak = max(values) or 1
    step = WIDTH / len(days)
    gap = min(step * 0.2, 2.0)
    result = []
    for n, (day, value) in enumerate(zip(days, values, strict=True)):
        height = float(value) / float(peak) * HEIGHT if value else 0.0
        # A day with something gets at least a sliver, so it is never mistaken for zero.
        height = max(height, 1.5) if value else 0.0
        result.append(Bar(n * step, HEIGHT - height, max(step - gap, 0.5), height, day, value))
    return result


def chart(
    key: str,
    days: Sequence[date],
    values: Sequence[int | Decimal],
    currency: str | None = None,
) -> Chart:
    peak = max(values, default=0)
    peak_day = days[list(values).index(peak)] if peak else None
    return Chart(
        key, sum(values, start=type(peak)(0)), peak, peak_day, bars(days, values), currency
    )


def daily(rows: Sequence[Day], currency: str | None, with_unverified: bool = False) -> list[Chart]:
    """Shares, visits, orders (and revenue in the main currency) per day.

    Orders and revenue are the verified ones; ``with_unverified`` (the site counts them) adds
    the orders only a browser reported, like the conversion rate and the choice of the main
    currency (``dashboard.main_currency``); the cards and the table show them apart.
    """
    days = [row.day for row in rows]
    extra = 1 if with_unverified else 0
    charts = [
        chart("shares", days, [row.shares for row in rows]),
        chart("visits", days, [row.visits for row in rows]),
        chart("orders", days, [row.orders + extra * row.orders_unverified for row in rows]),
    ]
    if currency:
        revenue = [
            row.revenue.get(currency, Decimal(0))
            + extra * row.revenue_unverified.get(currency, Decimal(0))
            for row in rows
        ]
        charts.append(chart("revenue", days, revenue, currency))
    return charts
