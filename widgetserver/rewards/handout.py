"""Handing out a due reward: its coupon assigned once, however often or in parallel it is asked.

The reward's row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's writers are serialised), so
of two hand-outs of one reward the second finds it handed out and answers the same coupon. The
coupon comes from the site's ``reward_coupon`` source: the fixed code, a code of the
``reward`` pool (``coupons.take``: one code, one reward), or none (the shop's own words in its
own mail are the reward). A pool that is empty refuses with ``pool_empty`` and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, reason
from ..models import Reward
from ..sites.settings import effective
from . import coupons
from .lifecycle import SiteLike, promote

REWARD_NOT_FOUND = reason("reward_not_found", "no reward of the site has this id")
REWARD_NOT_DUE = reason("reward_not_due", "a reward that is not due cannot be handed out")
POOL_EMPTY = reason("pool_empty", "the coupon pool has no free code left")


def hand_out(
    session: Session, site: SiteLike, reward_id: int, now: datetime
) -> tuple[Reward, bool]:
    """Assign a due reward its coupon and mark it handed out; a handed-out one as it is.
    The reward, and whether this call handed it out."""
    promote(session, site.id, now, Reward.id == reward_id)
    reward = session.scalar(
        select(Reward)
        .where(Reward.id == reward_id, Reward.site_id == site.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if reward is None:
        raise DomainError(REWARD_NOT_FOUND, f"Site has no reward {reward_id}.")
    if reward.status == "handed_out":
        return reward, False
    if reward.status != "due":
        details: dict[str, Any] = {"status": reward.status}
        if reward.void_reason:
            details["void_reason"] = reward.void_reason
        if reward.due_at is not None:
            details["due_at"] = reward.due_at.isoformat().replace("+00:00", "Z")
        raise DomainError(
            REWARD_NOT_DUE, f"Reward {reward_id} is {reward.status}, not due.", details
        )
    reward.coupon = _coupon(session, site, now)
    reward.status = "handed_out"
    reward.handed_out_at = reward.updated_at = now
    return reward, True


def of_link(session: Session, site_id: int, code_id: int) -> list[Reward]:
    """The rewards of one referral link, oldest first."""
    return list(
        session.scalars(
            select(Reward)
            .where(Reward.site_id == site_id, Reward.code_id == code_id)
            .order_by(Reward.id)
            .execution_options(populate_existing=True)  # as promote may just have left them
        )
    )


def on_claim_page(session: Session, site: SiteLike, code_id: int, now: datetime) -> list[Reward]:
    """The rewards of an anonymous link, oldest first, its due ones handed out now.

    The claim page is the only way to reach an anonymous referrer, so showing it is the
    hand-out; the coupon is then shown on every later view. An empty pool leaves a reward
    due (the page says to come back), never half handed out. Call it in a write transaction
    only when ``of_link`` found a reward ``payable``: most views change nothing.
    """
    promote(session, site.id, now, Reward.code_id == code_id)
    rows = of_link(session, site.id, code_id)
    for reward in rows:
        if reward.status == "due":
            try:
                with session.begin_nested():
                    hand_out(session, site, reward.id, now)
            except DomainError as exc:
                if exc.reason != POOL_EMPTY:
                    raise
    return rows


def _coupon(session: Session, site: SiteLike, now: datetime) -> str | None:
    settings = effective(site.settings)
    source = settings["reward_coupon"]
    if source == "fixed":
        return settings["reward_coupon_code"] or None
    if source == "pool":
        code = coupons.take(session, site.id, "reward", now)
        if code is None:
            raise DomainError(
                POOL_EMPTY,
                "The referrers' coupon pool is empty; upload more codes in the settings.",
            )
        return code
    return None
