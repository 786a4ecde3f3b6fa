"""Claim links: the private ``/r/<secret>`` page of an anonymous referral link.

The secret is 32 URL-safe characters (192 random bits), shown once to the visitor who made the
link. The database keeps only ``core.signing.keyed_digest`` of it under the server's secret
key, so a copy of the database (a backup, a replica) opens no claim page. Changing the
server's ``SECRET_KEY`` therefore closes every claim page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import signing
from ..models import Conversion, Event, RefCode, ReferralClaim
from ..stats.orders import COUNTED

SECRET = re.compile(r"[A-Za-z0-9_-]{32}")
_PURPOSE = "referral-claim"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def digest(key: str, secret: str) -> str:
    return signing.keyed_digest(key, _PURPOSE, secret)


def find(session: Session, key: str, secret: str) -> RefCode | None:
    """The referral code a claim secret opens; None for anything else (nothing is told apart)."""
    if not SECRET.fullmatch(secret):
        return None
    return session.scalar(
        select(RefCode)
        .join(ReferralClaim, ReferralClaim.code_id == RefCode.id)
        .where(ReferralClaim.digest == digest(key, secret))
    )


@dataclass(frozen=True)
class Results:
    """A link's results as the stats count them (all time)."""

    visits: int
    invites: int
    #: Attributed orders that stand (not cancelled, not fully refunded, no self-referral),
    #: verified by the shop's server and reported only by a browser, apart.
    orders: int
    orders_unverified: int


def results(session: Session, code: RefCode) -> Results:
    """Visits (not the referrer's own), invites and counted orders through one code."""
    events = dict(
        session.execute(
            select(Event.type, func.count())
            .where(
                Event.site_id == code.site_id,
                Event.code_id == code.id,
                Event.type.in_(("visit", "invite")),
                Event.is_self.is_(False),
            )
            .group_by(Event.type)
        ).all()
    )
    orders = dict(
        session.execute(
            select(Conversion.verified, func.count())
            .where(Conversion.site_id == code.site_id, Conversion.code_id == code.id, COUNTED)
            .group_by(Conversion.verified)
        ).all()
    )
    return Results(
        visits=events.get("visit", 0),
        invites=events.get("invite", 0),
        orders=orders.get(True, 0),
        orders_unverified=orders.get(False, 0),
    )
