"""One reward per order attributed to a referral link, kept in step with the order.

A reward is ``pending`` while the friend's order is placed, ``earned`` once it is paid, ``due``
when the hold period (the site's ``reward_hold_days``, by default the 14 days of the statutory
withdrawal period) has passed since it was paid without a refund or cancellation, and
``handed_out`` once a coupon was assigned (``handout``). It is ``void`` with a reason when:

- ``unverified_order``: only a browser reported the order - anyone can, and a shop's token
  in a browser report vouches for the order, not for a paid and kept one; the shop's own
  signed report of the same order later brings the reward back to life;
- ``self_referral``: the buyer is the referrer (same visitor hash or ``customer_ref``);
- ``cancelled`` / ``refunded``: the order was cancelled, or refunded in full;
- ``below_minimum``: the order, less partial refunds, is below ``reward_min_amount``;
- ``not_first_order``: ``reward_first_orders_only`` is set and the buyer had ordered before
  (the report's ``new_customer``; without it, an earlier order with the same ``customer_ref``);
- ``not_attributed``: a verified report took the order away from the referral link.

Everything but ``handed_out`` is decided anew from the order whenever it is reported
(``sync``), so reports may arrive in any order. A hand-out is never taken back: a refund or
cancellation after it is recorded (``refunded_after_handout``) and shown to the owner.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, case, exists, select, update
from sqlalchemy.orm import Session

from ..models import Conversion, Reward
from ..orders import money
from ..sites.settings import effective

STATUSES: tuple[str, ...] = ("pending", "earned", "due", "handed_out", "void")
VOID_REASONS: tuple[str, ...] = (
    "unverified_order",
    "self_referral",
    "cancelled",
    "refunded",
    "below_minimum",
    "not_first_order",
    "not_attributed",
)


class SiteLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def settings(self) -> dict[str, Any]: ...


def sync(session: Session, site: SiteLike, order: Conversion, now: datetime) -> Reward | None:
    """Create or update the reward of ``order`` (inside the transaction that recorded it)."""
    session.flush()
    reward = session.scalar(
        select(Reward).where(Reward.conversion_id == order.id).with_for_update()
    )
    code = order.code
    referral = order.attribution == "attributed" and code is not None and code.kind == "referral"
    if reward is None:
        if not referral:
            return None
        assert code is not None
        reward = Reward(
            site_id=site.id,
            conversion_id=order.id,
            code_id=code.id,
            referrer=code.referrer,
            status="pending",
            currency=order.currency,
            amount_minor=0,
            created_at=now,
            updated_at=now,
        )
        session.add(reward)
    before = _state(reward)
    reward.currency = order.currency
    reward.amount_minor = max(order.amount_minor - order.refunded_minor, 0)
    if reward.status == "handed_out":
        if order.status in ("refunded", "cancelled") or order.refunded_minor > 0:
            reward.refunded_after_handout = True
    elif not referral:
        _void(reward, "not_attributed")
    else:
        _decide(session, site, order, reward, now)
    if _state(reward) != before:
        reward.updated_at = now
    return reward


def _state(reward: Reward) -> tuple[Any, ...]:
    return (
        reward.status,
        reward.void_reason,
        reward.amount_minor,
        reward.earned_at,
        reward.due_at,
        reward.refunded_after_handout,
    )


def _void(reward: Reward, why: str) -> None:
    reward.status, reward.void_reason = "void", why
    reward.earned_at = reward.due_at = None


def _decide(
    session: Session, site: SiteLike, order: Conversion, reward: Reward, now: datetime
) -> None:
    settings = effective(site.settings)
    why = _void_reason(session, settings, order)
    if why is not None:
        _void(reward, why)
        return
    reward.void_reason = None
    if order.status == "placed":
        reward.status, reward.earned_at, reward.due_at = "pending", None, None
        return
    # Paid: earned when the shop said so; due once the hold has passed.
    earned = reward.earned_at if reward.status in ("earned", "due") else order.status_at
    assert earned is not None
    reward.earned_at = earned
    reward.due_at = earned + timedelta(days=settings["reward_hold_days"])
    reward.status = "due" if reward.due_at <= now else "earned"


def _void_reason(session: Session, settings: dict[str, Any], order: Conversion) -> str | None:
    if not (order.verified and order.server_reported):
        return "unverified_order"
    if order.self_referral:
        return "self_referral"
    if order.status == "cancelled":
        return "cancelled"
    net = order.amount_minor - order.refunded_minor
    if order.status == "refunded" or net <= 0:
        return "refunded"
    if net < minimum_minor(settings["reward_min_amount"], order.currency):
        return "below_minimum"
    if settings["reward_first_orders_only"] and not _first_order(session, order):
        return "not_first_order"
    return None


def minimum_minor(amount: str, currency: str) -> int:
    """The minimum amount in ``currency``'s minor units, rounded up where it has fewer decimal
    places than the owner typed (25.50 is 26 yen)."""
    digits = money.MINOR_UNITS[currency]
    return math.ceil(Decimal(amount) * 10**digits)


def _first_order(session: Session, order: Conversion) -> bool:
    """The shop's word (``new_customer``), else: no earlier order of the same customer."""
    if order.new_customer is not None:
        return order.new_customer
    if order.customer_ref is None:
        return True  # nothing tells otherwise
    earlier = exists().where(
        Conversion.site_id == order.site_id,
        Conversion.customer_ref == order.customer_ref,
        Conversion.id != order.id,
        Conversion.occurred_at < order.occurred_at,
        Conversion.status != "cancelled",
    )
    return not session.scalar(select(earlier))


def hold_passed(now: datetime) -> ColumnElement[bool]:
    """SQL: an earned reward whose hold has passed at ``now`` (due, once ``promote`` ran)."""
    return and_(Reward.status == "earned", Reward.due_at <= now)


def shown_status(now: datetime) -> ColumnElement[str]:
    """SQL for a reward's status as ``promote`` would leave it at ``now``, without writing."""
    return case((hold_passed(now), "due"), else_=Reward.status)


def payable(reward: Reward, now: datetime) -> bool:
    """Due, or due once ``promote`` runs: ``hold_passed`` for a reward already read."""
    return reward.status == "due" or (
        reward.status == "earned" and reward.due_at is not None and reward.due_at <= now
    )


def promote(session: Session, site_id: int, now: datetime, *only: ColumnElement[bool]) -> int:
    """Make the site's earned rewards whose hold has passed due (those of ``only``, where
    given); how many became due."""
    result = session.execute(
        update(Reward)
        .where(Reward.site_id == site_id, hold_passed(now), *only)
        .values(status="due", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)
