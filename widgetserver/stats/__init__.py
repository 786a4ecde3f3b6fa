"""The owners' figures: shares → visits → orders → revenue for a site and a period.

``report()`` computes everything the stats page and the JSON stats API show; ``tables()`` and
``csv_bytes()`` turn a report into the downloadable tables; ``as_json()`` into the API's answer.
"""

from __future__ import annotations

from flask import Flask

from .export import TABLES, conversions_csv, csv_bytes, tables
from .figures import (
    ChannelRow,
    Day,
    PageRow,
    RecentConversion,
    ReferrerRow,
    Report,
    Totals,
    all_conversions,
    report,
)
from .jsonview import as_json
from .period import MAX_DAYS, PRESETS, Period, PeriodError

__all__ = [
    "MAX_DAYS",
    "PRESETS",
    "TABLES",
    "ChannelRow",
    "Day",
    "PageRow",
    "Period",
    "PeriodError",
    "RecentConversion",
    "ReferrerRow",
    "Report",
    "Totals",
    "all_conversions",
    "as_json",
    "conversions_csv",
    "csv_bytes",
    "report",
    "tables",
]


def init_app(app: Flask) -> None:
    """Refuse a retention below what attribution needs before anything is served."""
    from .cli import stats_group
    from .retention import KeepDaysError, check_keep_days

    days = app.config["EVENTS_KEEP_DAYS"]
    try:
        check_keep_days(days)
    except KeepDaysError as exc:
        raise RuntimeError(f"WIDGETSERVER_EVENTS_KEEP_DAYS={days}: {exc}") from exc
    app.cli.add_command(stats_group)
