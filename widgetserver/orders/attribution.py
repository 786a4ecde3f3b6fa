"""Which reference code, if any, an order is attributed to.

Last click: the shop (or the loader) passes the code the buyer arrived with most recently; the
server checks it belongs to the site and that the buyer's last visit through it lies within the
site's attribution window. An order is attributed to exactly one code or to none, and the
reason is kept either way. Self-referral - the sharer buying through their own link, seen as
the same visitor hash or the same pseudonymous customer reference on both sides - is flagged
(and never rewarded) but still shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import fields
from ..models import Event, RefCode

#: Clocks of shops and of this server differ a little; a visit this much "after" an order counts.
CLOCK_SLACK = timedelta(minutes=5)

ATTRIBUTED = "attributed"
REASONS = (ATTRIBUTED, "no_ref", "invalid_ref", "unknown_code", "outside_window")


@dataclass(frozen=True)
class Decision:
    reason: str
    code: RefCode | None = None
    self_referral: bool = False


def decide(
    session: Session,
    site_id: int,
    ref: str | None,
    *,
    at: datetime,
    window: timedelta,
    visitor_hash: int | None = None,
    customer_ref: str | None = None,
) -> Decision:
    if not ref:
        return Decision("no_ref")
    try:
        fields.code(ref)
    except fields.FieldError:
        return Decision("invalid_ref")
    code = session.scalar(select(RefCode).where(RefCode.site_id == site_id, RefCode.code == ref))
    if code is None:
        return Decision("unknown_code")
    latest_visit = session.scalar(
        select(func.max(Event.occurred_at)).where(
            Event.code_id == code.id, Event.type == "visit", Event.occurred_at <= at + CLOCK_SLACK
        )
    )
    # Without a recorded visit (the report may have been blocked) the share click bounds it.
    touch = latest_visit or (code.created_at if code.created_at <= at + CLOCK_SLACK else None)
    if touch is None or at - touch > window:
        return Decision("outside_window", code)
    self_referral = (visitor_hash is not None and visitor_hash == code.visitor_hash) or (
        customer_ref is not None and customer_ref == code.referrer
    )
    return Decision(ATTRIBUTED, code, self_referral)
