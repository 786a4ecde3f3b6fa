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
    from .cli import stats_group

    app.cli.add_command(stats_group)
