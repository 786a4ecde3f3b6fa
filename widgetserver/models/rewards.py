"""Rewards for referrers, the coupon pools they and friends are paid from, friends' coupons.

A reward is one row per attributed order of a referral link, whatever becomes of the order: its
status says where it stands and, when void, why. Coupons are the owner's single-use codes,
uploaded per pool (``friend`` for friends' offers, ``reward`` for referrers); a code is taken
once, by setting ``assigned_at`` under a guard, and never given out again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId


class Reward(Base):
    """What a referrer earns for one friend's order: ``pending`` → ``earned`` → ``due`` →
    ``handed_out``, or ``void`` with a reason (``rewards.lifecycle``)."""

    __tablename__ = "rewards"
    __table_args__ = (
        UniqueConstraint("conversion_id"),
        Index("ix_rewards_site_status", "site_id", "status", "due_at"),
        Index("ix_rewards_code", "code_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    conversion_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversions.id", ondelete="CASCADE")
    )
    #: The referral link the order came through.
    code_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ref_codes.id", ondelete="SET NULL")
    )
    #: The referrer's pseudonymous ``customer_ref``; None: an anonymous link.
    referrer: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(12))
    void_reason: Mapped[str | None] = mapped_column(String(24))
    #: The order's amount less refunds, as of the latest report.
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    handed_out_at: Mapped[datetime | None]
    coupon: Mapped[str | None] = mapped_column(String(64))
    #: The order was refunded or cancelled after the reward was handed out: shown, never hidden.
    refunded_after_handout: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Coupon(Base):
    """One single-use code of an owner's pool; ``assigned_at`` is set when it is given out."""

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("site_id", "pool", "code"),
        Index("ix_coupons_free", "site_id", "pool", "assigned_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: ``friend`` (friends' offers) or ``reward`` (referrers' rewards).
    pool: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]


class FriendOffer(Base):
    """The coupon a friend was shown for a referral link: one per link, visitor and UTC day."""

    __tablename__ = "friend_offers"
    __table_args__ = (
        UniqueConstraint("code_id", "visitor_hash", "day"),
        Index("ix_friend_offers_code_day", "code_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("ref_codes.id", ondelete="CASCADE"))
    #: The friend's visitor hash of that day (a browser), or a keyed digest of the visitor a
    #: shop's server names; never an address.
    visitor_hash: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    coupon: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
