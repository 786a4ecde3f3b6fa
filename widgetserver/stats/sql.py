"""Events summed per day of a site's time zone, in SQL: ``day_of`` and ``compute``.

``day_of`` is the SQL expression for the index of the local day a UTC time falls in; the order
figures (``stats.orders``) group by it too. ``compute`` sums the events of a run of days with it,
straight from ``events``: for days not yet closed, and for closed days before they are stored.
Its answer is bounded whatever the day holds: each day's pages are cut to the top ones in SQL.
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
from sqlalchemy.orm import Session, aliased

from ..models import Event, RefCode
from .period import day_start, local_day
from .sums import OTHER, DaySums, Sums

#: Channel of visits through a referral link (customers' personal links carry no network).
REFERRAL_CHANNEL = "referral"


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
    session: Session, site_id: int, tz: str, first: date, last: date, top: int
) -> dict[date, DaySums]:
    """Sum the events of the days from ``first`` to ``last`` (every day gets an entry).

    Three grouped queries, each answering a bounded number of rows however many events and
    pages a day has: the totals and channels by day, kind, channel and link kind; each day's
    ``top`` pages with the most visits and shares, chosen by the database, and one row
    ``OTHER`` summing the rest (``pages``); the day's distinct visitors. Days are a ``CASE``
    over their UTC bounds on SQLite (``day_of``), so no time zone support is needed there.
    """
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [day_start(d, tz) for d in days] + [day_start(last + timedelta(days=1), tz)]
    day_index = day_of(session, Event.occurred_at, tz, bounds)
    counted = and_(
        Event.site_id == site_id,
        Event.occurred_at >= bounds[0],
        Event.occurred_at < bounds[-1],
        or_(Event.type == "share", and_(Event.type == "visit", Event.is_self.is_(False))),
    )
    code, parent = aliased(RefCode), aliased(RefCode)
    # Shares: chained when their parent is a share; visits: from a share when their code is.
    chained = case((Event.type == "share", parent.kind == "share"), else_=code.kind == "share")
    rows = session.connection().execute(
        select(day_index, Event.type, Event.channel, chained, func.count())
        .join(code, code.id == Event.code_id, isouter=True)
        .join(parent, parent.id == code.parent_id, isouter=True)
        .where(counted)
        .group_by(day_index, Event.type, Event.channel, chained)
    )
    result = {d: DaySums() for d in days}
    for index, kind, channel, linked, count in rows:
        entry = result[days[index]]
        for sums in (entry.total, entry.channels.setdefault(channel or REFERRAL_CHANNEL, Sums())):
            if kind == "share":
                sums.shares += count
                sums.chained_shares += count if linked else 0
            else:
                sums.visits += count
                sums.share_visits += count if linked else 0
    for index, page, *numbers in session.connection().execute(pages(day_index, counted, top)):
        result[days[index]].pages[page] = Sums(*(int(n) for n in numbers))
    visitors = session.connection().execute(
        select(day_index, func.count(func.distinct(Event.visitor_hash)))
        .where(counted, Event.type == "visit")
        .group_by(day_index)
    )
    for index, count in visitors:
        result[days[index]].total.visitors = count
    return result


def pages(day_index: ColumnElement[int], counted: ColumnElement[bool], top: int) -> Select[Any]:
    """Per day the ``top`` pages with the most visits and shares (ties by name) and one row
    ``OTHER`` with the sums of the rest, all in the database: at most ``top + 1`` rows a day.

    Rows are (day index, page, shares, visits, share visits, chained shares). A page is the
    code's product or URL, else the event's.
    """
    code, parent = aliased(RefCode), aliased(RefCode)
    page = func.coalesce(code.product, code.url, Event.product, Event.url)
    share, visit = Event.type == "share", Event.type == "visit"
    by_page = (
        select(
            day_index.label("day"),
            page.label("page"),
            _count(share).label("shares"),
            _count(visit).label("visits"),
            _count(and_(visit, code.kind == "share")).label("share_visits"),
            _count(and_(share, parent.kind == "share")).label("chained_shares"),
        )
        .join(code, code.id == Event.code_id, isouter=True)
        .join(parent, parent.id == code.parent_id, isouter=True)
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
