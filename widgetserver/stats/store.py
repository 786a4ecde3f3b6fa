"""The ``stats_days`` rows: closed days summed once and stored, and whole months from them.

Each closed day is stored as a totals row, one row per channel and one per page (at most
``TOP_PAGES``, the rest in one ``OTHER`` row); whole calendar months get the same channel and
page rows once more, summed from their days, and a marker row. ``fill`` sums and stores missing
days, ``read`` reads a range back (months where they are whole, days around them).

Writes happen in short transactions of their own (``db.begin_writing``: ``BEGIN IMMEDIATE``
on SQLite), committing the caller's session first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core.db import begin_writing
from ..models import Event, EventRetention, Site, StatsDay
from .period import day_start
from .sql import compute
from .sums import OTHER, PeriodSums, Sums, top_pages

#: Days summed per query and transaction when filling in (bounds memory and lock time).
CHUNK_DAYS = 31
TOTAL, CHANNEL, PAGE = "", "channel", "page"
#: The same sums over whole calendar months (``day`` is the 1st), and the month's marker row.
MONTH, MONTH_CHANNEL, MONTH_PAGE = "month", "m:chan", "m:page"
_DAY = timedelta(days=1)
#: Pages stored per day and per month: the most visited and shared; the rest are summed into
#: one row with the page ``OTHER`` (no real page is empty). Page names come from public share
#: events, so anyone could otherwise make every day's and every month's rows grow without end.
#: A report reads at most this many pages per range, chosen in SQL; totals stay exact.
TOP_PAGES = 200

_SUMS = (
    StatsDay.shares,
    StatsDay.visits,
    StatsDay.share_visits,
    StatsDay.chained_shares,
    StatsDay.visitors,
)


def stored_days(session: Session, site_id: int, tz: str, settled: list[date]) -> set[date]:
    """Which of the closed days ``settled`` (in order) have their totals row already."""
    return set(
        session.scalars(
            select(StatsDay.day).where(
                *_key(site_id, tz, TOTAL),
                StatsDay.day >= settled[0],
                StatsDay.day <= settled[-1],
            )
        )
    )


def read(
    session: Session, site_id: int, tz: str, first: date, last: date, out: PeriodSums, detail: bool
) -> None:
    """Read stored days: totals per day, channels and pages over whole months and single days."""
    for day, *numbers in session.connection().execute(
        select(StatsDay.day, *_SUMS).where(
            *_key(site_id, tz, TOTAL), StatsDay.day >= first, StatsDay.day <= last
        )
    ):
        out.daily[day] = Sums(*numbers)
    if not detail:
        return
    months = _whole_months(first, last)
    if not months:
        _add_grouped(session, site_id, tz, (CHANNEL, PAGE), first, last, out)
        return
    _ensure_months(session, site_id, tz, months)
    _add_grouped(session, site_id, tz, (MONTH_CHANNEL, MONTH_PAGE), months[0], months[-1], out)
    if first < months[0]:
        _add_grouped(session, site_id, tz, (CHANNEL, PAGE), first, months[0] - _DAY, out)
    after = _next_month(months[-1])
    if after <= last:
        _add_grouped(session, site_id, tz, (CHANNEL, PAGE), after, last, out)


def fill(session: Session, site_id: int, tz: str, missing: list[date]) -> None:
    """Sum and store the missing closed days, a chunk per query and transaction.

    Days whose events were pruned (``stats.retention``) are never summed: their rows are kept.
    """
    # Rows of another time zone are of no more use: the site's time zone has changed. Rows of
    # pruned days are, until ``retention.prepare`` has moved them to the new zone.
    begin_writing(session)
    lock_site(session, site_id)
    pruned = session.get(EventRetention, site_id)
    stale = [StatsDay.site_id == site_id, StatsDay.tz != tz]
    if pruned is not None:
        stale.append(StatsDay.tz != pruned.tz)
    session.execute(delete(StatsDay).where(*stale))
    session.commit()
    if pruned is not None:
        gone = day_start(pruned.kept_from, pruned.tz)
        missing = [d for d in missing if day_start(d, tz) >= gone]
    for run in _groups(missing):
        rows = []
        for day, summed in compute(session, site_id, tz, run[0], run[-1], TOP_PAGES).items():
            rows.append(row(site_id, tz, day, TOTAL, "", summed.total))
            rows += [row(site_id, tz, day, CHANNEL, k, v) for k, v in summed.channels.items()]
            rows += [row(site_id, tz, day, PAGE, k, v) for k, v in summed.pages.items()]
        _insert(session, rows)


def history_start(session: Session, site_id: int, tz: str) -> datetime | None:
    """Where the site's figures begin: its first event, or its first stored day if earlier
    (the events of pruned days are gone, their rows are not)."""
    first_event = session.scalar(
        select(func.min(Event.occurred_at)).where(Event.site_id == site_id)
    )
    first_day = session.scalar(select(func.min(StatsDay.day)).where(*_key(site_id, tz, TOTAL)))
    starts = [t for t in (first_event, first_day and day_start(first_day, tz)) if t is not None]
    return min(starts, default=None)


def lock_site(session: Session, site_id: int) -> None:
    """Serialise the writers of a site's roll-ups and retention state within a transaction.

    SQLite's ``BEGIN IMMEDIATE`` already does; on PostgreSQL the site's row is locked.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Site.id).where(Site.id == site_id).with_for_update())


def _key(site_id: int, tz: str, dimension: str) -> tuple[ColumnElement[bool], ...]:
    return (StatsDay.site_id == site_id, StatsDay.tz == tz, StatsDay.dimension == dimension)


def _grouped(
    session: Session,
    site_id: int,
    tz: str,
    dimension: str,
    first: date,
    last: date,
    limit: int | None = None,
) -> dict[str, Sums]:
    """The rows of a dimension summed by value; with ``limit`` only the values with the most
    visits and shares (chosen by the database), and never ``OTHER``."""
    query = (
        select(StatsDay.value, *(func.sum(c) for c in _SUMS))
        .where(*_key(site_id, tz, dimension), StatsDay.day >= first, StatsDay.day <= last)
        .group_by(StatsDay.value)
    )
    if limit is not None:
        query = (
            query.where(StatsDay.value != OTHER)
            .order_by(
                (func.sum(StatsDay.visits) + func.sum(StatsDay.shares)).desc(), StatsDay.value
            )
            .limit(limit)
        )
    rows = session.connection().execute(query)
    return {value: Sums(*(int(n) for n in numbers)) for value, *numbers in rows}


def _add_grouped(
    session: Session,
    site_id: int,
    tz: str,
    dimensions: tuple[str, str],
    first: date,
    last: date,
    out: PeriodSums,
) -> None:
    for dimension, target, limit in zip(
        dimensions, (out.channels, out.pages), (None, TOP_PAGES), strict=True
    ):
        for value, sums in _grouped(session, site_id, tz, dimension, first, last, limit).items():
            target.setdefault(value, Sums()).add(sums)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _whole_months(first: date, last: date) -> list[date]:
    """The first days of the calendar months that lie entirely within ``first``-``last``."""
    month = first if first.day == 1 else _next_month(first)
    months = []
    while _next_month(month) - _DAY <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _ensure_months(session: Session, site_id: int, tz: str, months: list[date]) -> None:
    """Sum the channel and page rows of whole months once (their days are all stored)."""
    stored = set(
        session.scalars(
            select(StatsDay.day).where(
                *_key(site_id, tz, MONTH), StatsDay.day >= months[0], StatsDay.day <= months[-1]
            )
        )
    )
    rows = []
    for month in months:
        if month in stored:
            continue
        end = _next_month(month) - _DAY
        rows.append(row(site_id, tz, month, MONTH, "", Sums()))
        for source, dimension in ((CHANNEL, MONTH_CHANNEL), (PAGE, MONTH_PAGE)):
            grouped = _grouped(session, site_id, tz, source, month, end)
            if source == PAGE:
                grouped = top_pages(grouped, TOP_PAGES)
            for value, sums in grouped.items():
                rows.append(row(site_id, tz, month, dimension, value, sums))
    if rows:
        _insert(session, rows)


def _insert(session: Session, rows: list[dict[str, object]]) -> None:
    """Store rows in a short write transaction of its own; rows already there are kept."""
    begin_writing(session)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(StatsDay).on_conflict_do_nothing(), rows)
    session.commit()


def _groups(missing: list[date]) -> Iterable[list[date]]:
    """Runs of consecutive days, at most ``CHUNK_DAYS`` long."""
    run: list[date] = []
    for day in missing:
        if run and (day - run[-1] != _DAY or len(run) == CHUNK_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def row(site_id: int, tz: str, day: date, dimension: str, value: str, s: Sums) -> dict[str, object]:
    return {
        "site_id": site_id,
        "tz": tz,
        "day": day,
        "dimension": dimension,
        "value": value,
        "shares": s.shares,
        "visits": s.visits,
        "share_visits": s.share_visits,
        "chained_shares": s.chained_shares,
        "visitors": s.visitors,
    }
