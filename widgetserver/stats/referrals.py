"""Recommend-a-friend for the owner: the referral funnel, the rewards, the referrers.

``report()`` reads (and never writes) what the stats page's referral section and its CSV
tables show for a site and period:

- the funnel: referral links created in the period → invites by channel → visits through
  referral links (not the referrer's own) → orders attributed to referral links, counted as
  ``stats.orders.COUNTED`` counts them (verified apart from unverified) → their revenue net of
  refunds, per currency, in exact minor units;
- the rewards of the period's orders by status (``rewardfigures``);
- the referrers: each customer's link, and all anonymous links together as one row, the 100
  with the most orders, then visits;
- the latest rewards, for the list.

Like every figure of the page, orders and their rewards belong to the day the order occurred.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..core import clock
from ..models import Conversion, Event, RefCode, Site
from ..sites.settings import effective
from . import orders, rewardfigures
from .figures import Money
from .period import Period
from .rewardfigures import RewardRow, StatusRow

#: Referrers kept for the table: those with the most orders, then visits.
REFERRERS = 100


@dataclass(frozen=True)
class Funnel:
    links: int = 0
    #: Invites by channel (the empty string: an invite that named none), most first.
    invites: dict[str, int] = field(default_factory=dict)
    visits: int = 0
    orders: int = 0
    orders_unverified: int = 0
    revenue: Money = field(default_factory=dict)
    revenue_unverified: Money = field(default_factory=dict)
    #: Orders per visit: verified ones, with unverified ones where the site counts them.
    conversion_rate: float | None = None

    @property
    def invites_total(self) -> int:
        return sum(self.invites.values())


@dataclass(frozen=True)
class Referrer:
    """One customer's referral link, or (``referrer`` None) all anonymous links together."""

    referrer: str | None
    links: int
    invites: int
    visits: int
    orders: int
    orders_unverified: int
    revenue: Money
    rewards_due: int
    rewards_handed_out: int


@dataclass(frozen=True)
class ReferralReport:
    period: Period
    funnel: Funnel
    rewards: list[StatusRow]
    referrers: list[Referrer]
    latest: list[RewardRow]
    count_unverified: bool = False


@dataclass
class _Tally:
    links: int = 0
    invites: int = 0
    visits: int = 0
    sold: orders.OrderSums = field(default_factory=orders.OrderSums)
    due: int = 0
    handed_out: int = 0


def report(
    session: Session, site: Site, period: Period, now: datetime | None = None
) -> ReferralReport:
    """The referral section of the stats page for ``site`` and ``period`` (reads only)."""
    now = now or clock.now()
    counted = bool(effective(site.settings)["count_unverified"])
    lo, hi = period.bounds()
    tallies: dict[str | None, _Tally] = {}

    def tally(referrer: str | None) -> _Tally:
        return tallies.setdefault(referrer, _Tally())

    run = session.connection().execute
    for referrer, count in run(_links(site.id, lo, hi)):
        tally(referrer).links += count
    invites: dict[str, int] = {}
    for referrer, channel, count in run(_events(site.id, "invite", lo, hi, Event.channel)):
        tally(referrer).invites += count
        invites[channel or ""] = invites.get(channel or "", 0) + count
    for referrer, count in run(_events(site.id, "visit", lo, hi)):
        tally(referrer).visits += count
    total = orders.OrderSums()
    for referrer, verified, currency, count, net in run(_orders(site.id, lo, hi)):
        tally(referrer).sold.add(verified, currency, count, int(net))
        total.add(verified, currency, count, int(net))
    for referrer, status, count in rewardfigures.by_referrer(session, site.id, lo, hi, now):
        if status == "due":
            tally(referrer).due += count
        else:
            tally(referrer).handed_out += count
    links = sum(t.links for t in tallies.values())
    visits = sum(t.visits for t in tallies.values())
    sold = total.verified + (total.unverified if counted else 0)
    funnel = Funnel(
        links=links,
        invites=dict(sorted(invites.items(), key=lambda item: (-item[1], item[0]))),
        visits=visits,
        orders=total.verified,
        orders_unverified=total.unverified,
        revenue=orders.amounts(total.revenue),
        revenue_unverified=orders.amounts(total.revenue_unverified),
        conversion_rate=sold / visits if visits else None,
    )
    return ReferralReport(
        period=period,
        funnel=funnel,
        rewards=rewardfigures.by_status(session, site.id, lo, hi, now),
        referrers=_best(tallies.items()),
        latest=rewardfigures.latest(session, site.id, period, now),
        count_unverified=counted,
    )


def _best(tallies: Iterable[tuple[str | None, _Tally]]) -> list[Referrer]:
    rows = [
        Referrer(
            referrer=referrer,
            links=t.links,
            invites=t.invites,
            visits=t.visits,
            orders=t.sold.verified,
            orders_unverified=t.sold.unverified,
            revenue=orders.amounts(t.sold.revenue),
            rewards_due=t.due,
            rewards_handed_out=t.handed_out,
        )
        for referrer, t in tallies
    ]
    rows.sort(
        key=lambda r: (-r.orders, -r.orders_unverified, -r.visits, r.referrer is None, r.referrer)
    )
    return rows[:REFERRERS]


def _links(site_id: int, lo: datetime, hi: datetime) -> Select[Any]:
    return (
        select(RefCode.referrer, func.count())
        .where(
            RefCode.site_id == site_id,
            RefCode.kind == "referral",
            RefCode.created_at >= lo,
            RefCode.created_at < hi,
        )
        .group_by(RefCode.referrer)
    )


def _events(site_id: int, kind: str, lo: datetime, hi: datetime, *by: Any) -> Select[Any]:
    """Events of one type through the site's referral links, by referrer (and ``by``); a
    visit by the link's own maker does not count."""
    return (
        select(RefCode.referrer, *by, func.count())
        .select_from(Event)
        .join(RefCode, RefCode.id == Event.code_id)
        .where(
            Event.site_id == site_id,
            Event.type == kind,
            Event.is_self.is_(False),
            Event.occurred_at >= lo,
            Event.occurred_at < hi,
            RefCode.kind == "referral",
        )
        .group_by(RefCode.referrer, *by)
    )


def _orders(site_id: int, lo: datetime, hi: datetime) -> Select[Any]:
    net = Conversion.amount_minor - Conversion.refunded_minor
    return (
        select(
            RefCode.referrer,
            Conversion.verified,
            Conversion.currency,
            func.count(),
            func.sum(net),
        )
        .select_from(Conversion)
        .join(RefCode, RefCode.id == Conversion.code_id)
        .where(
            Conversion.site_id == site_id,
            orders.COUNTED,
            Conversion.occurred_at >= lo,
            Conversion.occurred_at < hi,
            RefCode.kind == "referral",
        )
        .group_by(RefCode.referrer, Conversion.verified, Conversion.currency)
    )
