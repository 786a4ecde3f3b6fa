"""Events summed per day in the site's time zone, kept for closed days (``stats_days``).

Events are immutable and arrive at the server's "now", so once a day has ended (plus a margin
for writes in flight) its sums can never change. The first time a period is shown, its closed
days are summed from ``events`` once and stored (per day: totals, channels, pages), and whole
calendar months inside a period once more from those days; afterwards a year is a few hundred
totals rows and the channel and page rows of 12 months and the odd days. Days not yet closed
(today) are summed from ``events`` on every request - a day's worth at most. The rows are
keyed by time zone, so changing a site's time zone only means summing anew.

Writes happen in short transactions of their own (``db.begin_writing``: ``BEGIN IMMEDIATE``
on SQLite), committing the caller's session first: call ``report()`` with no unsaved changes
pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Date, Integer, and_, case, cast, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from ..core.db import begin_writing
from ..models import Event, RefCode, StatsDay
from .period import day_start, local_day

#: A day is summed for good this long after it ended (events in flight are committed by then).
SETTLE = timedelta(minutes=15)
#: Days summed per query and transaction when filling in (bounds memory and lock time).
CHUNK_DAYS = 31
TOTAL, CHANNEL, PAGE = "", "channel", "page"
#: The same sums over whole calendar months (``day`` is the 1st), and the month's marker row.
MONTH, MONTH_CHANNEL, MONTH_PAGE = "month", "m:chan", "m:page"
_DAY = timedelta(days=1)
#: Channel of visits through a referral link (customers' personal links carry no network).
REFERRAL_CHANNEL = "referral"
#: Pages stored per day and per month: the most visited and shared; the rest are summed into
#: one row with the page ``OTHER`` (no real page is empty). Page names come from public share
#: events, so anyone could otherwise make every day's and every month's rows grow without end.
#: A report reads at most this many pages per range, chosen in SQL; totals stay exact.
TOP_PAGES = 200
OTHER = ""


@dataclass
class Sums:
    shares: int = 0
    visits: int = 0
    share_visits: int = 0
    chained_shares: int = 0
    visitors: int = 0

    def add(self, other: Sums) -> None:
        self.shares += other.shares
        self.visits += other.visits
        self.share_visits += other.share_visits
        self.chained_shares += other.chained_shares
        self.visitors += other.visitors


@dataclass
class DaySums:
    """One day: the totals and the same sums by channel and by page."""

    total: Sums = field(default_factory=Sums)
    channels: dict[str, Sums] = field(default_factory=dict)
    pages: dict[str, Sums] = field(default_factory=dict)


def top_pages(pages: dict[str, Sums], limit: int | None = None) -> dict[str, Sums]:
    """The ``limit`` pages with the most visits and shares, and the rest summed as ``OTHER``."""
    limit = TOP_PAGES if limit is None else limit
    ranked = sorted(
        ((k, v) for k, v in pages.items() if k != OTHER),
        key=lambda item: (-(item[1].visits + item[1].shares), item[0]),
    )
    kept = dict(ranked[:limit])
    if len(ranked) > limit or OTHER in pages:
        other = Sums()
        for _, sums in ranked[limit:]:
            other.add(sums)
        if OTHER in pages:
            other.add(pages[OTHER])
        kept[OTHER] = other
    return kept


def closed(day: date, tz: str, now: datetime) -> bool:
    return day_start(day + timedelta(days=1), tz) + SETTLE <= now


@dataclass
class PeriodSums:
    """A run of days: the totals of each day, and channels and pages over all of them."""

    daily: dict[date, Sums] = field(default_factory=dict)
    channels: dict[str, Sums] = field(default_factory=dict)
    pages: dict[str, Sums] = field(default_factory=dict)

    def add_day(self, day: date, sums: DaySums) -> None:
        self.daily[day] = sums.total
        for target, source in ((self.channels, sums.channels), (self.pages, sums.pages)):
            for key, value in source.items():
                if key != OTHER:
                    target.setdefault(key, Sums()).add(value)

    def total(self) -> Sums:
        out = Sums()
        for sums in self.daily.values():
            out.add(sums)
        return out


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
    since = session.scalar(select(func.min(Event.occurred_at)).where(Event.site_id == site_id))
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
        stored = _stored_days(session, site_id, tz, settled)
        missing = [d for d in settled if d not in stored]
        if missing:
            _fill(session, site_id, tz, missing)
        _read(session, site_id, tz, settled[0], settled[-1], out, detail)
    open_days = [d for d in wanted if not closed(d, tz, now)]
    if open_days:
        for day, sums in compute(session, site_id, tz, open_days[0], open_days[-1]).items():
            sums.pages = top_pages(sums.pages)
            out.add_day(day, sums)
    return out


def _stored_days(session: Session, site_id: int, tz: str, settled: list[date]) -> set[date]:
    return set(
        session.scalars(
            select(StatsDay.day).where(
                StatsDay.site_id == site_id,
                StatsDay.tz == tz,
                StatsDay.dimension == TOTAL,
                StatsDay.day >= settled[0],
                StatsDay.day <= settled[-1],
            )
        )
    )


_SUMS = (
    StatsDay.shares,
    StatsDay.visits,
    StatsDay.share_visits,
    StatsDay.chained_shares,
    StatsDay.visitors,
)


def _read(
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
        rows.append(_row(site_id, tz, month, MONTH, "", Sums()))
        for source, dimension in ((CHANNEL, MONTH_CHANNEL), (PAGE, MONTH_PAGE)):
            grouped = _grouped(session, site_id, tz, source, month, end)
            if source == PAGE:
                grouped = top_pages(grouped)
            for value, sums in grouped.items():
                rows.append(_row(site_id, tz, month, dimension, value, sums))
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
        if run and (day - run[-1] != timedelta(days=1) or len(run) == CHUNK_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _fill(session: Session, site_id: int, tz: str, missing: list[date]) -> None:
    """Sum and store the missing closed days, a chunk per query and transaction."""
    # Rows of another time zone are of no more use: the site's time zone has changed.
    begin_writing(session)
    session.execute(delete(StatsDay).where(StatsDay.site_id == site_id, StatsDay.tz != tz))
    session.commit()
    for run in _groups(missing):
        rows = []
        for day, sums in compute(session, site_id, tz, run[0], run[-1]).items():
            rows.append(_row(site_id, tz, day, TOTAL, "", sums.total))
            rows += [_row(site_id, tz, day, CHANNEL, k, v) for k, v in sums.channels.items()]
            pages = top_pages(sums.pages).items()
            rows += [_row(site_id, tz, day, PAGE, k, v) for k, v in pages]
        _insert(session, rows)


def _row(
    site_id: int, tz: str, day: date, dimension: str, value: str, s: Sums
) -> dict[str, object]:
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


def day_of(
    session: Session, column: ColumnElement[datetime], tz: str, bounds: list[datetime]
) -> ColumnElement[int]:
    """SQL for the index of the site's day a UTC time falls in; ``bounds`` are the days' UTC
    starts and the end of the last day (the rows are already limited to them).

    PostgreSQL knows time zones: the local date minus the first day. SQLite does not: a
    balanced ``CASE`` tree over the bounds, log2(days) comparisons a row.
    """
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(tz, func.timezone("UTC", column))
        first = local_day(bounds[0], tz)
        return cast(cast(local, Date) - first, Integer)

    def tree(first: int, last: int) -> ColumnElement[int] | int:
        if first == last:
            return first
        middle = (first + last + 1) // 2
        return case((column < bounds[middle], tree(first, middle - 1)), else_=tree(middle, last))

    days = len(bounds) - 1
    whole = tree(0, days - 1)
    return whole if days > 1 else case((column < bounds[-1], 0), else_=0)  # type: ignore[return-value]


def compute(
    session: Session, site_id: int, tz: str, first: date, last: date
) -> dict[date, DaySums]:
    """Sum the events of the days from ``first`` to ``last`` (every day gets an entry).

    The database groups the rows by day (a ``CASE`` over the days' UTC bounds, so no time
    zone support is needed in SQL), kind, channel, page and link kind; Python only adds up
    the groups.
    """
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [day_start(d, tz) for d in days] + [day_start(last + _DAY, tz)]
    day_index = day_of(session, Event.occurred_at, tz, bounds)
    code = aliased(RefCode)
    parent = aliased(RefCode)
    counted = and_(
        Event.site_id == site_id,
        Event.occurred_at >= bounds[0],
        Event.occurred_at < bounds[-1],
        or_(Event.type == "share", and_(Event.type == "visit", Event.is_self.is_(False))),
    )
    page = func.coalesce(code.product, code.url, Event.product, Event.url)
    # Shares: chained when their parent is a share; visits: from a share when their code is.
    chained = case((Event.type == "share", parent.kind == "share"), else_=code.kind == "share")
    rows = session.connection().execute(
        select(day_index, Event.type, Event.channel, page, chained, func.count())
        .join(code, code.id == Event.code_id, isouter=True)
        .join(parent, parent.id == code.parent_id, isouter=True)
        .where(counted)
        .group_by(day_index, Event.type, Event.channel, page, chained)
    )
    result = {d: DaySums() for d in days}
    for index, kind, channel, page_, linked, count in rows:
        entry = result[days[index]]
        targets = [entry.total, entry.channels.setdefault(channel or REFERRAL_CHANNEL, Sums())]
        if page_:
            targets.append(entry.pages.setdefault(page_, Sums()))
        for sums in targets:
            if kind == "share":
                sums.shares += count
                sums.chained_shares += count if linked else 0
            else:
                sums.visits += count
                sums.share_visits += count if linked else 0
    visitors = session.connection().execute(
        select(day_index, func.count(func.distinct(Event.visitor_hash)))
        .where(counted, Event.type == "visit")
        .group_by(day_index)
    )
    for index, count in visitors:
        result[days[index]].total.visitors = count
    return result
