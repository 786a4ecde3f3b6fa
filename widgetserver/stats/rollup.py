"""Events summed per day in the site's time zone, kept for closed days (``stats_days``).

Events are immutable and arrive at the server's "now", so once a day has ended (plus a margin
for writes in flight) its sums can never change. The first time a period is shown, its closed
days are summed from ``events`` once and stored (per day: totals, channels, pages), and whole
calendar months inside a period once more from those days; afterwards a year is a few hundred
totals rows and the channel and page rows of 12 months and the odd days. Days not yet closed
(today) are put together from their stored hours and five-minute stretches and the last few
minutes of events (``slices``), so a view costs the same on a quiet day and a busy one. The
rows are keyed by time zone, so changing a site's time zone only means summing anew.

This module decides which days are closed and puts a period together; ``sums`` holds the
numbers, ``sql`` sums events in the database, ``store`` reads and writes ``stats_days``.
Writes happen in short transactions of their own (``db.begin_writing``: ``BEGIN IMMEDIATE``
on SQLite), committing the caller's session first: call ``report()`` with no unsaved changes
pending.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from . import retention, slices, store
from .period import day_start
from .sums import PeriodSums

#: A day is summed for good this long after it ended (events in flight are committed by then).
SETTLE = timedelta(minutes=15)


def closed(day: date, tz: str, now: datetime) -> bool:
    return day_start(day + timedelta(days=1), tz) + SETTLE <= now


def period_sums(
    session: Session,
    site_id: int,
    tz: str,
    first: date,
    last: date,
    now: datetime,
    *,
    detail: bool = True,
) -> PeriodSums:
    """The sums of the days from ``first`` to ``last`` that have begun (later days are absent).

    Without ``detail`` only the daily totals are read (the previous period's comparison).
    """
    out = PeriodSums()
    since = retention.prepare(session, site_id, tz)
    if since is None:
        return out  # nothing ever happened
    # Days before the site's first event or after now are empty: never summed, never stored.
    wanted = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    wanted = [
        d
        for d in wanted
        if day_start(d, tz) <= now and day_start(d + timedelta(days=1), tz) > since
    ]
    if not wanted:
        return out
    settled = [d for d in wanted if closed(d, tz, now)]
    if settled:
        stored = store.stored_days(session, site_id, tz, settled)
        missing = [d for d in settled if d not in stored]
        if missing:
            store.fill(session, site_id, tz, missing)
        store.read(session, site_id, tz, settled[0], settled[-1], out, detail)
    for day in wanted:
        if not closed(day, tz, now):
            start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
            out.add_day(day, slices.live_day(session, site_id, start, end, now))
    return out
