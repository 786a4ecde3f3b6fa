"""Periods of whole days in a site's time zone, and where they begin and end in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Longest period the stats are computed for (a leap year).
MAX_DAYS = 366
PRESETS = ("7d", "30d", "90d", "this-month", "last-month", "12m")
#: Years a period may lie in; dates outside cannot hold events and would overflow the
#: calendar at its ends (the previous period of 0001-01-01, the day after 9999-12-31).
MIN_YEAR = 2000
MAX_YEAR = 2100
#: A day exactly as the OpenAPI document states it: ``YYYY-MM-DD`` (``date.fromisoformat``
#: alone also takes week dates and the basic format, ``2026-W48-1``, ``20261201``).
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class PeriodError(ValueError):
    """A period that cannot be shown; the message says why, for people."""


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive, in the site's time zone
    end: date  # last day, inclusive
    tz: str  # IANA name, the site's settings["timezone"]

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise PeriodError("The first day lies after the last day.")
        if self.days > MAX_DAYS:
            raise PeriodError(f"A period can be at most {MAX_DAYS} days long.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        """The same number of days right before ``start``."""
        return Period(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.tz
        )

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as a half-open interval of aware UTC datetimes."""
        return day_start(self.start, self.tz), day_start(self.end + timedelta(days=1), self.tz)

    @classmethod
    def preset(cls, name: str, today: date, tz: str) -> Period:
        """``7d``, ``30d``, ``90d``: the last n days including today; ``12m``: the last 365 days
        (366 when they span 29 February); ``this-month`` up to today; ``last-month`` whole."""
        if name in ("7d", "30d", "90d"):
            return cls(today - timedelta(days=int(name[:-1]) - 1), today, tz)
        if name == "12m":
            start = _add_years(today, -1) + timedelta(days=1)
            return cls(start, today, tz)
        if name == "this-month":
            return cls(today.replace(day=1), today, tz)
        if name == "last-month":
            end = today.replace(day=1) - timedelta(days=1)
            return cls(end.replace(day=1), end, tz)
        raise PeriodError(f"Unknown period {name!r}; choose one of {', '.join(PRESETS)}.")

    @classmethod
    def parse(cls, start: str, end: str, tz: str) -> Period:
        """Two ISO dates (``2026-05-01``); raises ``PeriodError`` with a message."""
        return cls(_parse_day(start, "from"), _parse_day(end, "to"), tz)


def _parse_day(value: str, name: str) -> date:
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise PeriodError(f"{name} must be a date such as 2026-05-01 (YYYY-MM-DD).")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"{name} must be a date such as 2026-05-01.") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodError(f"{name} must lie in the years {MIN_YEAR} to {MAX_YEAR}.")
    return day


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def day_start(day: date, tz: str) -> datetime:
    """Midnight at the start of ``day`` in ``tz``, in UTC."""
    return datetime.combine(day, time(), ZoneInfo(tz)).astimezone(UTC)


def local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()
