"""Events summed per day of a site's time zone, in SQL: ``day_of`` and ``compute``.

``day_of`` is the SQL expression for the index of the local day a UTC time falls in; the order
figures (``stats.orders``) group by it too. ``compute`` sums the events of a run of days with it,
straight from ``events``: for days not yet closed, and for closed days before they are stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Date, Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import Event, RefCode
from .period import day_start, local_day
from .sums import DaySums, Sums

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
    session: Session, site_id: int, tz: str, first: date, last: date
) -> dict[date, DaySums]:
    """Sum the events of the days from ``first`` to ``last`` (every day gets an entry).

    The database groups the rows by day (a ``CASE`` over the days' UTC bounds, so no time
    zone support is needed in SQL), kind, channel, page and link kind; Python only adds up
    the groups.
    """
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [day_start(d, tz) for d in days] + [day_start(last + timedelta(days=1), tz)]
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
