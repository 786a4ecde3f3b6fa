"""Orders of a period summed from ``conversions`` (a few thousand rows: read as they are).

An order counts when it is attributed to a code, is no self-referral, and still stands: not
cancelled and not fully refunded. Its revenue is the amount net of refunds so far. Orders and
revenue belong to the day the order occurred in the site's time zone, so a later refund changes
the figures of that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..models import Conversion, RefCode
from ..orders import money
from ..orders.attribution import ATTRIBUTED
from ..orders.lifecycle import FINAL
from .period import Period, day_start
from .sql import REFERRAL_CHANNEL, day_of

RECENT = 20
#: Orders read per query when every order of a period is exported (bounds the memory).
BATCH = 500
#: Codes kept for the referrer table: those with the most orders.
REFERRERS = 100


@dataclass
class OrderSums:
    verified: int = 0
    unverified: int = 0
    #: Net revenue in minor units per currency, of verified and of unverified orders.
    revenue: dict[str, int] = field(default_factory=dict)
    revenue_unverified: dict[str, int] = field(default_factory=dict)
    #: Verified and unverified orders per currency (for the average order value).
    verified_by_currency: dict[str, int] = field(default_factory=dict)
    unverified_by_currency: dict[str, int] = field(default_factory=dict)

    def add(self, verified: bool, currency: str, count: int, net: int) -> None:
        if verified:
            self.verified += count
            self.revenue[currency] = self.revenue.get(currency, 0) + net
            self.verified_by_currency[currency] = self.verified_by_currency.get(currency, 0) + count
        else:
            self.unverified += count
            self.revenue_unverified[currency] = self.revenue_unverified.get(currency, 0) + net
            self.unverified_by_currency[currency] = (
                self.unverified_by_currency.get(currency, 0) + count
            )

    def merge(self, other: OrderSums) -> None:
        self.verified += other.verified
        self.unverified += other.unverified
        for mine, theirs in (
            (self.revenue, other.revenue),
            (self.revenue_unverified, other.revenue_unverified),
            (self.verified_by_currency, other.verified_by_currency),
            (self.unverified_by_currency, other.unverified_by_currency),
        ):
            for currency, value in theirs.items():
                mine[currency] = mine.get(currency, 0) + value


@dataclass
class CodeInfo:
    code: str
    kind: str
    channel: str | None
    referrer: str | None


@dataclass
class PeriodOrders:
    total: OrderSums = field(default_factory=OrderSums)
    previous: OrderSums = field(default_factory=OrderSums)
    daily: dict[date, OrderSums] = field(default_factory=dict)
    channels: dict[str, OrderSums] = field(default_factory=dict)
    pages: dict[str, OrderSums] = field(default_factory=dict)
    #: The ``REFERRERS`` codes with the most orders.
    codes: dict[int, OrderSums] = field(default_factory=dict)


#: The orders that count (see the module's docstring), as a condition on ``conversions``.
COUNTED = and_(
    Conversion.attribution == ATTRIBUTED,
    Conversion.self_referral.is_(False),
    Conversion.status.not_in(FINAL),
    or_(Conversion.amount_minor == 0, Conversion.refunded_minor < Conversion.amount_minor),
)
_Groups = dict[tuple[Any, bool, str], list[int]]


def _add(groups: _Groups, key: tuple[Any, bool, str], count: int, net: int) -> None:
    entry = groups.get(key)
    if entry is None:
        groups[key] = [count, net]
    else:
        entry[0] += count
        entry[1] += net


def _fold(groups: _Groups, target: dict[Any, OrderSums]) -> None:
    for (key, verified, currency), (count, net) in groups.items():
        target.setdefault(key, OrderSums()).add(verified, currency, count, net)


def period_orders(session: Session, site_id: int, period: Period) -> PeriodOrders:
    """The counted orders of the period (and the previous period's totals), summed every way.

    Three lean queries: the previous period's totals; the period's orders' times (summed into
    days here, because days end at the site's midnight); the period's orders grouped by code
    (for channels, pages and referrers).
    """
    lo, hi = period.bounds()
    prev_lo = period.previous().bounds()[0]
    days = period.dates()
    # Days end at the site's midnight: the database groups by the day's index.
    day = day_of(
        session, Conversion.occurred_at, period.tz, [*(day_start(d, period.tz) for d in days), hi]
    )
    net = Conversion.amount_minor - Conversion.refunded_minor
    where = (Conversion.site_id == site_id, COUNTED)
    out = PeriodOrders(daily={d: OrderSums() for d in days})
    for verified, currency, count, amount in session.connection().execute(
        select(Conversion.verified, Conversion.currency, func.count(), func.sum(net))
        .where(*where, Conversion.occurred_at >= prev_lo, Conversion.occurred_at < lo)
        .group_by(Conversion.verified, Conversion.currency)
    ):
        out.previous.add(verified, currency, count, int(amount))
    daily: _Groups = {}
    for index, verified, currency, count, amount in session.connection().execute(
        select(day, Conversion.verified, Conversion.currency, func.count(), func.sum(net))
        .where(*where, Conversion.occurred_at >= lo, Conversion.occurred_at < hi)
        .group_by(day, Conversion.verified, Conversion.currency)
    ):
        daily[(index, verified, currency)] = [count, int(amount)]
    for (index, verified, currency), (count, amount) in daily.items():
        out.daily[days[index]].add(verified, currency, count, amount)
        out.total.add(verified, currency, count, amount)
    in_period = (*where, Conversion.occurred_at >= lo, Conversion.occurred_at < hi)
    by_code = (
        select(
            Conversion.code_id,
            Conversion.verified,
            Conversion.currency,
            func.count().label("orders"),
            func.sum(net).label("net"),
        )
        .where(*in_period)
        .group_by(Conversion.code_id, Conversion.verified, Conversion.currency)
        .subquery()
    )
    # Grouped by code first, then joined: each code is looked up once, in key order.
    page = func.coalesce(RefCode.product, RefCode.url)
    link = session.connection().execute(
        select(
            RefCode.channel, page, by_code.c.verified, by_code.c.currency,
            func.sum(by_code.c.orders), func.sum(by_code.c.net),
        )
        .join(RefCode, RefCode.id == by_code.c.code_id)
        .group_by(RefCode.channel, page, by_code.c.verified, by_code.c.currency)
    )  # fmt: skip
    channels: _Groups = {}
    pages: _Groups = {}
    for channel, page_, verified, currency, count, amount in link:
        count, amount = int(count), int(amount)
        _add(channels, (channel or REFERRAL_CHANNEL, verified, currency), count, amount)
        if page_:
            _add(pages, (page_, verified, currency), count, amount)
    _fold(channels, out.channels)
    _fold(pages, out.pages)
    verified_orders = func.sum(case((Conversion.verified, 1), else_=0))
    best = list(
        session.connection().scalars(
            select(Conversion.code_id)
            .where(*in_period, Conversion.code_id.is_not(None))
            .group_by(Conversion.code_id)
            .order_by(verified_orders.desc(), func.count().desc(), Conversion.code_id)
            .limit(REFERRERS)
        )
    )
    if best:
        for code_id, verified, currency, count, amount in session.connection().execute(
            select(by_code).where(by_code.c.code_id.in_(best))
        ):
            out.codes.setdefault(code_id, OrderSums()).add(verified, currency, count, int(amount))
    return out


def code_info(session: Session, code_ids: list[int]) -> dict[int, CodeInfo]:
    """What the referrer table shows of each code."""
    if not code_ids:
        return {}
    rows = session.connection().execute(
        select(RefCode.id, RefCode.code, RefCode.kind, RefCode.channel, RefCode.referrer).where(
            RefCode.id.in_(code_ids)
        )
    )
    return {
        code_id: CodeInfo(code, kind, channel, referrer)
        for code_id, code, kind, channel, referrer in rows
    }


def recent(
    session: Session,
    site_id: int,
    period: Period,
    limit: int = RECENT,
    before: tuple[datetime, int] | None = None,
) -> list[tuple[Conversion, RefCode | None]]:
    """The latest orders of the period, attributed or not, newest first; ``before`` (the time
    and id of the last order of a previous batch) continues after that order."""
    lo, hi = period.bounds()
    query = (
        select(Conversion, RefCode)
        .join(RefCode, RefCode.id == Conversion.code_id, isouter=True)
        .where(
            Conversion.site_id == site_id,
            Conversion.occurred_at >= lo,
            Conversion.occurred_at < hi,
        )
        .order_by(Conversion.occurred_at.desc(), Conversion.id.desc())
        .limit(limit)
    )
    if before is not None:
        at, id_ = before
        query = query.where(
            or_(
                Conversion.occurred_at < at,
                and_(Conversion.occurred_at == at, Conversion.id < id_),
            )
        )
    return [(c, r) for c, r in session.execute(query)]


def every(
    session: Session, site_id: int, period: Period
) -> Iterator[tuple[Conversion, RefCode | None]]:
    """Every order of the period, newest first, read ``BATCH`` at a time (keyset paging)."""
    before: tuple[datetime, int] | None = None
    while True:
        rows = recent(session, site_id, period, BATCH, before)
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]
        before = (last.occurred_at, last.id)  # the identity map holds done rows weakly


def decimal(minor: int, currency: str) -> Decimal:
    return Decimal(money.to_decimal_string(minor, currency))


def amounts(minor: dict[str, int]) -> dict[str, Decimal]:
    """Minor units per currency as Decimals, currencies in alphabetical order."""
    return {c: decimal(minor[c], c) for c in sorted(minor)}


def average(sums: OrderSums, with_unverified: bool = False) -> dict[str, Decimal]:
    """Revenue per order, per currency, rounded to the currency's minor unit: of verified
    orders, or of verified and unverified ones together ``with_unverified``."""
    counts, revenue = dict(sums.verified_by_currency), dict(sums.revenue)
    if with_unverified:
        for currency, count in sums.unverified_by_currency.items():
            counts[currency] = counts.get(currency, 0) + count
            revenue[currency] = revenue.get(currency, 0) + sums.revenue_unverified[currency]
    out = {}
    for currency in sorted(counts):
        exponent = Decimal(1).scaleb(-money.MINOR_UNITS.get(currency, 2))
        value = decimal(revenue[currency], currency) / counts[currency]
        out[currency] = value.quantize(exponent, rounding=ROUND_HALF_EVEN)
    return out
