"""The figures of one site and period, as frozen dataclasses (see ``report``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import clock
from ..models import Conversion, Event, RefCode, Site
from ..sites.settings import effective
from . import orders, rollup
from .period import Period
from .sums import PeriodSums, Sums

Money = dict[str, Decimal]  # per ISO 4217 currency

_Key = TypeVar("_Key")
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Totals:
    """A period's funnel and money. Orders and revenue are verified and unverified apart;
    the conversion rate and the average order value count verified orders only, unless the
    site counts unverified ones too (``Report.count_unverified``)."""

    shares: int = 0
    visits: int = 0
    unique_visitors: int = 0
    orders_verified: int = 0
    orders_unverified: int = 0
    revenue: Money = field(default_factory=dict)
    revenue_unverified: Money = field(default_factory=dict)
    conversion_rate: float | None = None
    average_order_value: Money = field(default_factory=dict)
    viral_factor: float | None = None


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    shares: int
    visits: int
    orders: int
    revenue: Money
    orders_unverified: int = 0


@dataclass(frozen=True)
class PageRow:
    page: str
    shares: int
    visits: int
    orders: int
    revenue: Money
    orders_unverified: int = 0


@dataclass(frozen=True)
class ReferrerRow:
    code: str
    kind: str
    channel: str | None
    referrer: str | None
    visits: int
    orders: int
    revenue: Money
    orders_unverified: int = 0


@dataclass(frozen=True)
class RecentConversion:
    order_id: str
    occurred_at: datetime  # in the site's time zone
    status: str
    verified: bool
    amount: Decimal
    refunded: Decimal
    currency: str
    code: str | None
    channel: str | None
    attribution: str
    self_referral: bool


@dataclass(frozen=True)
class Day:
    day: date
    shares: int
    visits: int
    orders: int
    revenue: Money
    orders_unverified: int = 0
    revenue_unverified: Money = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    period: Period
    totals: Totals
    previous: Totals
    channels: list[ChannelRow]
    pages: list[PageRow]
    referrers: list[ReferrerRow]
    recent: list[RecentConversion]
    daily: list[Day]
    #: The site's ``count_unverified``: orders only a browser reported count in the conversion
    #: rate, the average order value and the charts. Shown apart either way.
    count_unverified: bool = False


#: Rows kept for the page table (the most visited pages).
PAGE_LIMIT = 100


def report(session: Session, site: Site, period: Period) -> Report:
    """Every figure of the stats page for ``site`` and ``period`` (see ARCHITECTURE.md)."""
    now = clock.now()
    counted = bool(effective(site.settings)["count_unverified"])
    previous = period.previous()
    events = rollup.period_sums(session, site.id, period.tz, period.start, period.end, now)
    before = rollup.period_sums(
        session, site.id, period.tz, previous.start, previous.end, now, detail=False
    )
    sold = orders.period_orders(session, site.id, period)
    return Report(
        period=period,
        totals=_totals(events.total(), sold.total, counted),
        previous=_totals(before.total(), sold.previous, counted),
        channels=_channels(events, sold),
        pages=_pages(events, sold),
        referrers=_referrers(session, site.id, period, sold),
        recent=_recent(session, site.id, period),
        daily=_daily(period, events, sold),
        count_unverified=counted,
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _totals(sums: Sums, sold: orders.OrderSums, with_unverified: bool) -> Totals:
    counted = sold.verified + (sold.unverified if with_unverified else 0)
    return Totals(
        shares=sums.shares,
        visits=sums.visits,
        unique_visitors=sums.visitors,
        orders_verified=sold.verified,
        orders_unverified=sold.unverified,
        revenue=orders.amounts(sold.revenue),
        revenue_unverified=orders.amounts(sold.revenue_unverified),
        conversion_rate=_ratio(counted, sums.visits),
        average_order_value=orders.average(sold, with_unverified),
        viral_factor=_ratio(sums.chained_shares, sums.share_visits),
    )


def _channels(events: PeriodSums, sold: orders.PeriodOrders) -> list[ChannelRow]:
    keys = events.channels.keys() | sold.channels.keys()
    rows = _merged(ChannelRow, keys, events.channels, sold.channels)
    rows.sort(key=lambda r: (-r.visits, -r.shares, -r.orders, r.channel))
    return rows


def _pages(events: PeriodSums, sold: orders.PeriodOrders) -> list[PageRow]:
    keys = events.pages.keys() | sold.pages.keys()
    rows = _merged(PageRow, keys, events.pages, sold.pages)
    rows.sort(key=lambda r: (-r.visits, -r.orders, -r.shares, r.page))
    return rows[:PAGE_LIMIT]


def _referrers(
    session: Session, site_id: int, period: Period, sold: orders.PeriodOrders
) -> list[ReferrerRow]:
    """The codes that brought orders, the most orders first, with their visits."""
    best = sorted(sold.codes.items())  # already the codes with the most orders
    ids = [code_id for code_id, _ in best]
    info = orders.code_info(session, ids)
    visits = _visits_by_code(session, site_id, period, ids)
    rows = []
    for code_id, money_ in best:
        code = info[code_id]
        rows.append(
            ReferrerRow(
                code.code,
                code.kind,
                code.channel,
                code.referrer,
                visits.get(code_id, 0),
                money_.verified,
                orders.amounts(money_.revenue),
                money_.unverified,
            )
        )
    rows.sort(key=lambda r: (-r.orders, -r.orders_unverified, -r.visits, r.code))
    return rows


def _visits_by_code(
    session: Session, site_id: int, period: Period, code_ids: list[int]
) -> dict[int, int]:
    if not code_ids:
        return {}
    lo, hi = period.bounds()
    rows = session.connection().execute(
        select(Event.code_id, func.count())
        .where(
            Event.code_id.in_(code_ids),
            Event.site_id == site_id,
            Event.type == "visit",
            Event.is_self.is_(False),
            Event.occurred_at >= lo,
            Event.occurred_at < hi,
        )
        .group_by(Event.code_id)
    )
    return {code_id: count for code_id, count in rows}


def _recent(session: Session, site_id: int, period: Period) -> list[RecentConversion]:
    return list(_conversions(orders.recent(session, site_id, period), period.tz))


def all_conversions(session: Session, site: Site, period: Period) -> Iterator[RecentConversion]:
    """Every order of the period, newest first, like ``Report.recent`` but not cut to the
    latest; read from the database a batch at a time, for the CSV download."""
    return _conversions(orders.every(session, site.id, period), period.tz)


def _conversions(
    rows: Iterable[tuple[Conversion, RefCode | None]], tz: str
) -> Iterator[RecentConversion]:
    zone = ZoneInfo(tz)
    for conversion, code in rows:
        currency = conversion.currency
        yield RecentConversion(
            order_id=conversion.order_id,
            occurred_at=conversion.occurred_at.astimezone(zone),
            status=conversion.status,
            verified=conversion.verified,
            amount=orders.decimal(conversion.amount_minor, currency),
            refunded=orders.decimal(conversion.refunded_minor, currency),
            currency=currency,
            code=code.code if code else None,
            channel=code.channel if code else None,
            attribution=conversion.attribution,
            self_referral=conversion.self_referral,
        )


def _daily(period: Period, events: PeriodSums, sold: orders.PeriodOrders) -> list[Day]:
    return [
        replace(day, revenue_unverified=orders.amounts(sold.daily[day.day].revenue_unverified))
        if day.day in sold.daily
        else day
        for day in _merged(Day, period.dates(), events.daily, sold.daily)
    ]


def _merged(
    row: Callable[[_Key, int, int, int, Money, int], _Row],
    keys: Iterable[_Key],
    events: Mapping[_Key, Sums],
    sold: Mapping[_Key, orders.OrderSums],
) -> list[_Row]:
    """A row per key, in the order of ``keys``: its event sums beside its order sums.

    ``row`` is called as ``row(key, shares, visits, orders, revenue, orders_unverified)``; a key
    missing on one side counts zero there.
    """
    rows = []
    for key in keys:
        sums = events.get(key, _NO_EVENTS)
        money_ = sold.get(key, _NO_ORDERS)
        rows.append(
            row(
                key,
                sums.shares,
                sums.visits,
                money_.verified,
                orders.amounts(money_.revenue),
                money_.unverified,
            )
        )
    return rows


_NO_EVENTS = Sums()
_NO_ORDERS = orders.OrderSums()
