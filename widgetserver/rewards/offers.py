"""The friend's offer: the owner's coupon for someone who came through a referral link.

``friend_coupon`` answers the coupon for (link, visitor, UTC day): the one given earlier that
day, else a new one - the site's fixed code, or a code of the ``friend`` pool taken once - while
the link has had fewer than ``friend_coupon_daily_cap`` offers that day. A visitor is the
browser's daily visitor hash, or a keyed digest of the visitor a shop's server names. There is
no offer (``no_offer``) for a code that is not one of the site's referral links, for the
referrer's own visit, or when the owner set no coupon; ``offer_exhausted`` when the cap is
reached or the pool is empty.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.dbutil import insert_ignore
from ..core.errors import DomainError, reason
from ..models import FriendOffer, RefCode
from ..sites.settings import effective
from . import coupons
from .lifecycle import SiteLike

NO_OFFER = reason("no_offer", "there is no offer for a friend through this code")
OFFER_EXHAUSTED = reason("offer_exhausted", "no friend's coupon is left for this link today")


def friend_coupon(session: Session, site: SiteLike, code: str, visitor: int, now: datetime) -> str:
    """The friend's coupon for ``code`` and ``visitor`` today (inside ``db.writing()``)."""
    settings = effective(site.settings)
    source = settings["friend_coupon"]
    if source == "none" or (source == "fixed" and not settings["friend_coupon_code"]):
        raise DomainError(NO_OFFER, "This site offers friends no coupon.")
    link = session.execute(
        select(RefCode.id, RefCode.visitor_hash).where(
            RefCode.site_id == site.id, RefCode.code == code, RefCode.kind == "referral"
        )
    ).first()
    if link is None:
        raise DomainError(NO_OFFER, "The code is not a referral link of this site.")
    if link.visitor_hash == visitor:
        raise DomainError(NO_OFFER, "A referrer's own visit gets no friend's coupon.")
    day = now.date()
    given = _given(session, link.id, visitor, day)
    if given is not None:
        return given
    count = session.scalar(
        select(func.count()).where(FriendOffer.code_id == link.id, FriendOffer.day == day)
    )
    if count >= settings["friend_coupon_daily_cap"]:
        raise DomainError(OFFER_EXHAUSTED, "This link has given all its coupons for today.")
    if source == "fixed":
        coupon = settings["friend_coupon_code"]
    else:
        taken = coupons.take(session, site.id, "friend", now)
        if taken is None:
            raise DomainError(OFFER_EXHAUSTED, "The friends' coupon pool is empty.")
        coupon = taken
    row = {
        "site_id": site.id,
        "code_id": link.id,
        "visitor_hash": visitor,
        "day": day,
        "coupon": coupon,
        "created_at": now,
    }
    inserted = session.execute(
        insert_ignore(session, FriendOffer).values(row).returning(FriendOffer.id)
    ).scalar_one_or_none()
    if inserted is None:  # the same visitor asked twice at once: one coupon, the first
        if source == "pool":
            coupons.release(session, site.id, "friend", coupon)
        given = _given(session, link.id, visitor, day)
        assert given is not None
        return given
    return coupon


def _given(session: Session, code_id: int, visitor: int, day: object) -> str | None:
    return session.scalar(
        select(FriendOffer.coupon).where(
            FriendOffer.code_id == code_id,
            FriendOffer.visitor_hash == visitor,
            FriendOffer.day == day,
        )
    )
