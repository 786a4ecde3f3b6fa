"""What browsers report and what ingest keeps about it: codes, events, salts, refusals.

No column holds an IP address: visitors appear only as a keyed, daily rotating 64-bit hash.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId


class RefCode(Base):
    """A reference code carried by a shared or recommended link."""

    __tablename__ = "ref_codes"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        # One personal link per customer: the database, not the caller, keeps it so.
        Index(
            "uq_ref_codes_site_id_referrer",
            "site_id",
            "referrer",
            unique=True,
            sqlite_where=text("kind = 'referral'"),
            postgresql_where=text("kind = 'referral'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10))  # "share" or "referral"
    channel: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(2048))
    product: Mapped[str | None] = mapped_column(String(128))
    #: The code the sharer arrived with, so chains of sharing can be followed.
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ref_codes.id", ondelete="SET NULL")
    )
    #: Referrals: the shop's pseudonymous reference for the referring customer.
    referrer: Mapped[str | None] = mapped_column(String(128))
    #: Shares, and referral links made in a browser: the maker's visitor hash of that day,
    #: for self-referral detection.
    visitor_hash: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Event(Base):
    """One share, visit or invite, as received from a browser."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_site_time", "site_id", "occurred_at"),
        Index("ix_events_code_time", "code_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime]
    code_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ref_codes.id", ondelete="SET NULL")
    )
    #: Copied from the code (visits) or the event (shares, invites) for cheap grouping.
    channel: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(2048))
    product: Mapped[str | None] = mapped_column(String(128))
    visitor_hash: Mapped[int] = mapped_column(BigInteger)
    #: A visit by the very visitor who shared the link.
    is_self: Mapped[bool] = mapped_column(default=False)
    #: The shared page where it is not the event's own product or URL: a visit's code's
    #: product or URL, fixed at ingest so the stats need no join. The stats group by
    #: ``coalesce(page, product, url)`` (``Event.page_of``); a share's page is its own.
    page: Mapped[str | None] = mapped_column(String(2048))
    #: The event came through a share: a visit by a share's link, or a share by someone who
    #: arrived through one (the viral factor's parts). Fixed at ingest, like ``page``.
    from_share: Mapped[bool] = mapped_column(default=False, server_default=false())

    @classmethod
    def page_of(cls) -> ColumnElement[str | None]:
        """SQL for the page an event counts for: its code's, else its own product or URL."""
        return func.coalesce(cls.page, cls.product, cls.url)


class Salt(Base):
    """The secret of one UTC day for visitor hashes; deleted 48 hours after it starts."""

    __tablename__ = "salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(32))


class VisitorLink(Base):
    """A visitor active across midnight: today's hash stands for yesterday's all day long.

    Written only in the first half hour of a day, deleted with the salts.
    """

    __tablename__ = "visitor_links"

    site_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    current_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    previous_hash: Mapped[int] = mapped_column(BigInteger)


class IngestDrop(Base):
    """How many events were refused, by site (0 = unknown site), UTC day and reason."""

    __tablename__ = "ingest_drops"

    site_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class ReferralClaim(Base):
    """The private claim link of an anonymous referral link: only a keyed hash of its secret.

    The secret itself exists only in the answer to the visitor who made the link; whoever
    holds it can see that link's results (``referrals.claims``).
    """

    __tablename__ = "referral_claims"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("ref_codes.id", ondelete="CASCADE"), unique=True
    )
