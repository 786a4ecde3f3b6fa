"""Orders reported by shops (conversions), with their attribution to a reference code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, BigId
from .tracking import RefCode


class Conversion(Base):
    """An order, one row per (site, order id) however often it is reported."""

    __tablename__ = "conversions"
    __table_args__ = (
        UniqueConstraint("site_id", "order_id"),
        Index("ix_conversions_site_time", "site_id", "occurred_at"),
        Index("ix_conversions_code", "code_id"),
        # Covers the stats' reading of a period's orders (stats/orders.py): no row lookups.
        Index(
            "ix_conversions_site_stats",
            "site_id",
            "occurred_at",
            "attribution",
            "self_referral",
            "status",
            "verified",
            "currency",
            "amount_minor",
            "refunded_minor",
            "code_id",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    order_id: Mapped[str] = mapped_column(String(128))
    #: Reported server-to-server with a valid signature (or a signed browser token).
    verified: Mapped[bool]
    #: At least one report came from the shop's server itself (signed), not through a
    #: browser: only such orders earn referrers' rewards.
    server_reported: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    code_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ref_codes.id", ondelete="SET NULL")
    )
    #: Why the order is or is not attributed ("attributed", "no_ref", "unknown_code", ...).
    attribution: Mapped[str] = mapped_column(String(20))
    self_referral: Mapped[bool] = mapped_column(default=False)
    visitor_hash: Mapped[int | None] = mapped_column(BigInteger)
    customer_ref: Mapped[str | None] = mapped_column(String(128))
    #: The shop says the buyer had not ordered before (True), had (False), or does not say.
    new_customer: Mapped[bool | None]
    items: Mapped[list[Any] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    status_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    code: Mapped[RefCode | None] = relationship()
