"""Events summed per day of a site's time zone or per stretch of a day, in SQL.

``day_of`` is the SQL expression for the index of the local day a UTC time falls in; the order
figures (``stats.orders``) group by it too. ``compute`` sums the events of a run of days with it,
straight from ``events``, for closed days before they are stored; ``compute_slices`` sums
stretches of a day not yet closed (``stats.slices``). Answers are bounded whatever a day holds:
each day's or stretch's pages are cut to the top ones in SQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..models import Event
from .period import day_start, local_day
from .sums import OTHER, DaySums, Sums

#: Channel of visits through a referral link (customers' personal links carry no network).
REFERRAL_CHANNEL = "referral"


def day_of(
    session: Session, column: ColumnElement[datetime], tz: str, bounds: list[datetime]
) -> ColumnElement[int]:
    """SQL for the index of the site's day a UTC time falls in; ``bounds`` are the days' UTC
    starts and the end of the last day (the rows are already limited to them).

    PostgreSQL knows time zones: the local date minus the first day. SQLite does not: the
    stretches of ``slice_of``.
    """
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(tz, func.timezone("UTC", column))
        first = local_day(bounds[0], tz)
        return cast(cast(local, Date) - first, Integer)
    return slice_of(column, bounds)


def slice_of(column: ColumnElement[datetime], bounds: list[datetime]) -> ColumnElement[int]:
    """SQL for the index of the stretch between two of ``bounds`` a time falls in (the rows are
    already limited to the first and last): a balanced ``CASE`` tree, log2(stretches)
    comparisons a row."""

    def tree(first: int, last: int) -> ColumnElement[int] | int:
        if first == last:
            return first
        middle = (first + last + 1) // 2
        return case((column < bounds[middle], tree(first, middle - 1)), else_=tree(middle, last))

    stretches = len(bounds) - 1
    whole = tree(0, stretches - 1)
    return whole if stretches > 1 else case((column < bounds[-1], 0), else_=0)  # type: ignore[return-value]


def compute(
    session: Session, site_id: int, tz: str, first: date, last: date, top: int
) -> dict[date, DaySums]:
    """Sum the events of the days from ``first`` to ``last`` (every day gets an entry), with
    each day's distinct visitors."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [day_start(d, tz) for d in days] + [day_start(last + timedelta(days=1), tz)]
    index = day_of(session, Event.occurred_at, tz, bounds)
    result = _sums(session, site_id, bounds, index, top)
    counted = _counted(site_id, bounds)
    visitors = session.connection().execute(
        select(index, func.count(func.distinct(Event.visitor_hash)))
        .where(counted, Event.type == "visit")
        .group_by(index)
    )
    for n, count in visitors:
        result[n].total.visitors = count
    return dict(zip(days, result, strict=True))


def compute_slices(
    session: Session, site_id: int, bounds: list[datetime], top: int
) -> list[tuple[DaySums, set[int]]]:
    """Sum the events of each stretch between consecutive ``bounds``, with the stretch's
    distinct visitor hashes themselves (``visitors`` stays 0): stretches of a day are merged
    later, and distinct counts do not add up."""
    index = slice_of(Event.occurred_at, bounds)
    result = _sums(session, site_id, bounds, index, top)
    hashes: list[set[int]] = [set() for _ in result]
    rows = session.connection().execute(
        select(index, Event.visitor_hash)
        .where(_counted(site_id, bounds), Event.type == "visit")
        .group_by(index, Event.visitor_hash)
    )
    for n, visitor in rows:
        hashes[n].add(visitor)
    return list(zip(result, hashes, strict=True))


def _counted(site_id: int, bounds: list[datetime]) -> ColumnElement[bool]:
    """The events the stats count: a site's shares and visits (not the sharer's own) in range."""
    return and_(
        Event.site_id == site_id,
        Event.occurred_at >= bounds[0],
        Event.occurred_at < bounds[-1],
        or_(Event.type == "share", and_(Event.type == "visit", Event.is_self.is_(False))),
    )


def _sums(
    session: Session, site_id: int, bounds: list[datetime], index: ColumnElement[int], top: int
) -> list[DaySums]:
    """The sums of each stretch of ``bounds`` (``index`` numbers them), all but the visitors.

    Two grouped queries, each answering a bounded number of rows however many events and pages
    a stretch has, and neither joining another table (an event carries its page and whether it
    came through a share): the totals and channels by stretch, kind, channel and
    ``from_share``; each stretch's ``top`` pages with the most visits and shares, chosen by the
    database, and one row ``OTHER`` summing the rest (``pages``).
    """
    counted = _counted(site_id, bounds)
    rows = session.connection().execute(
        select(index, Event.type, Event.channel, Event.from_share, func.count())
        .where(counted)
        .group_by(index, Event.type, Event.channel, Event.from_share)
    )
    result = [DaySums() for _ in bounds[1:]]
    for n, kind, channel, linked, count in rows:
        entry = result[n]
        for sums in (entry.total, entry.channels.setdefault(channel or REFERRAL_CHANNEL, Sums())):
            if kind == "share":
                sums.shares += count
                sums.chained_shares += count if linked else 0
            else:
                sums.visits += count
                sums.share_visits += count if linked else 0
    for n, page, *numbers in session.connection().execute(pages(index, counted, top)):
        result[n].pages[page] = Sums(*(int(x) for x in numbers))
    return result


def pages(day_index: ColumnElement[int], counted: ColumnElement[bool], top: int) -> Select[Any]:
    """Per day the ``top`` pages with the most visits and shares (ties by name) and one row
    ``OTHER`` with the sums of the rest, all in the database: at most ``top + 1`` rows a day.

    Rows are (day index, page, shares, visits, share visits, chained shares).
    """
    share, visit = Event.type == "share", Event.type == "visit"
    page = Event.page_of()
    by_page = (
        select(
            day_index.label("day"),
            page.label("page"),
            _count(share).label("shares"),
            _count(visit).label("visits"),
            _count(and_(visit, Event.from_share)).label("share_visits"),
            _count(and_(share, Event.from_share)).label("chained_shares"),
        )
        .where(counted, page.is_not(None), page != OTHER)
        .group_by(day_index, page)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=by_page.c.day,
        order_by=((by_page.c.visits + by_page.c.shares).desc(), by_page.c.page),
    )
    ranked = select(by_page, rank.label("rank")).subquery()
    kept = case((ranked.c.rank <= top, ranked.c.page), else_=literal(OTHER))
    sums = (ranked.c.shares, ranked.c.visits, ranked.c.share_visits, ranked.c.chained_shares)
    return select(ranked.c.day, kept, *(func.sum(c) for c in sums)).group_by(ranked.c.day, kept)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
