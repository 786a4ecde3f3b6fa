"""The rewards of a period's orders as the owner sees them: by status, by referrer, the list.

**"Due" is computed for display, not written.** An earned reward whose hold has passed is
due; ``rewards.promote`` writes that, and the signed rewards API, the hand-out and the claim
page call it before they act. The stats page only reads: it shows such a reward as due
(``rewards.lifecycle.shown_status``, the condition ``promote`` uses) without promoting it, so
opening the page never takes the write lock (on SQLite one writer at a time, shared with
ingest and order reports), and a read-only database replica could serve it.

Rewards belong to the period their order occurred in, like the orders of every other figure.
A reward handed out before its order was refunded or cancelled keeps its status and is
flagged (``refunded_after_handout``): it is shown, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from ..models import Conversion, Reward
from ..rewards import STATUSES, VOID_REASONS
from ..rewards.lifecycle import shown_status
from . import orders
from .period import Period

Money = dict[str, Decimal]
#: Rewards the page lists (the CSV holds every reward of the period).
LATEST = 50


@dataclass(frozen=True)
class StatusRow:
    """Rewards of one status (void: of one reason), with their orders' amounts."""

    status: str
    void_reason: str | None
    count: int
    amounts: Money = field(default_factory=dict)
    #: Handed out, and the order refunded or cancelled since.
    refunded_after_handout: int = 0


@dataclass(frozen=True)
class RewardRow:
    order_id: str
    occurred_at: datetime  # the order's, in the site's time zone
    referrer: str | None
    status: str
    void_reason: str | None
    amount: Decimal
    currency: str
    due_at: datetime | None  # in the site's time zone
    coupon: str | None
    handed_out_at: datetime | None
    refunded_after_handout: bool


def _in_period(lo: datetime, hi: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Conversion.occurred_at >= lo, Conversion.occurred_at < hi)


def by_status(
    session: Session, site_id: int, lo: datetime, hi: datetime, now: datetime
) -> list[StatusRow]:
    """Every status (void by reason) in lifecycle order, also those with no reward."""
    status = shown_status(now)
    after = func.sum(case((Reward.refunded_after_handout, 1), else_=0))
    query = (
        select(
            status, Reward.void_reason, Reward.currency, func.count(),
            func.sum(Reward.amount_minor), after,
        )
        .select_from(Reward)
        .join(Conversion, Conversion.id == Reward.conversion_id)
        .where(Reward.site_id == site_id, *_in_period(lo, hi))
        .group_by(status, Reward.void_reason, Reward.currency)
    )  # fmt: skip
    sums: dict[tuple[str, str | None], list[Any]] = {}
    for name, reason, currency, count, amount, refunded in session.connection().execute(query):
        key = (name, reason if name == "void" else None)
        entry = sums.setdefault(key, [0, {}, 0])
        entry[0] += count
        entry[1][currency] = entry[1].get(currency, 0) + int(amount)
        entry[2] += int(refunded or 0)
    keys = [(s, None) for s in STATUSES if s != "void"]
    keys += [("void", r) for r in VOID_REASONS]
    keys += sorted((k for k in sums if k not in keys), key=lambda k: (k[0], k[1] or ""))
    rows = []
    for key in keys:
        count, minor, refunded = sums.get(key, [0, {}, 0])
        rows.append(StatusRow(key[0], key[1], count, orders.amounts(minor), refunded))
    return rows


def by_referrer(
    session: Session, site_id: int, lo: datetime, hi: datetime, now: datetime
) -> list[tuple[str | None, str, int]]:
    """(referrer, ``due`` or ``handed_out``, count) of the period's rewards."""
    status = shown_status(now)
    query = (
        select(Reward.referrer, status, func.count())
        .select_from(Reward)
        .join(Conversion, Conversion.id == Reward.conversion_id)
        .where(Reward.site_id == site_id, *_in_period(lo, hi), status.in_(("due", "handed_out")))
        .group_by(Reward.referrer, status)
    )
    return [(referrer, name, count) for referrer, name, count in session.execute(query)]


def latest(
    session: Session, site_id: int, period: Period, now: datetime, limit: int | None = LATEST
) -> list[RewardRow]:
    """The rewards of the period's orders, the latest order first (all of them: ``limit``
    None)."""
    return list(every(session, site_id, period, now, limit))


def every(
    session: Session, site_id: int, period: Period, now: datetime, limit: int | None = None
) -> Iterator[RewardRow]:
    lo, hi = period.bounds()
    zone = ZoneInfo(period.tz)
    query = (
        select(Reward, Conversion.order_id, Conversion.occurred_at, shown_status(now))
        .select_from(Reward)
        .join(Conversion, Conversion.id == Reward.conversion_id)
        .where(Reward.site_id == site_id, *_in_period(lo, hi))
        .order_by(Conversion.occurred_at.desc(), Reward.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    for reward, order_id, occurred_at, status in session.execute(query):
        yield RewardRow(
            order_id=order_id,
            occurred_at=occurred_at.astimezone(zone),
            referrer=reward.referrer,
            status=status,
            void_reason=reward.void_reason if status == "void" else None,
            amount=orders.decimal(reward.amount_minor, reward.currency),
            currency=reward.currency,
            due_at=reward.due_at.astimezone(zone) if reward.due_at else None,
            coupon=reward.coupon,
            handed_out_at=reward.handed_out_at.astimezone(zone) if reward.handed_out_at else None,
            refunded_after_handout=reward.refunded_after_handout,
        )
