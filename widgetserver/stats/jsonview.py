"""The report as the JSON stats API returns it: money as decimal strings per currency."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .figures import Report, Totals

#: Ratios are rounded to this many decimal places.
RATIO_DIGITS = 4


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, RATIO_DIGITS)
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def _totals(totals: Totals) -> dict[str, Any]:
    return _value(asdict(totals))


def as_json(report: Report) -> dict[str, Any]:
    period, previous = report.period, report.period.previous()
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "timezone": period.tz, "days": period.days},
        "previous_period": {"from": previous.start.isoformat(), "to": previous.end.isoformat()},
        "count_unverified": report.count_unverified,
        "totals": _totals(report.totals),
        "previous": _totals(report.previous),
        "daily": [_value(asdict(d)) for d in report.daily],
        "channels": [_value(asdict(c)) for c in report.channels],
        "pages": [_value(asdict(p)) for p in report.pages],
        "referrers": [_value(asdict(r)) for r in report.referrers],
        "recent": [_value(asdict(c)) for c in report.recent],
    }  # fmt: skip
