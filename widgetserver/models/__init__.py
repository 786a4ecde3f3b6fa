"""The data model: owners, their sites, reference codes, events and conversions.

Money is stored in integer minor units beside its ISO 4217 currency. Times are UTC. No column
holds an IP address: visitors appear only as a keyed, daily rotating 64-bit hash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..core.db import UTCDateTime

#: Auto-incrementing 64-bit keys; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Raised at logout: every session made before (on any device) stops working.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]

    sites: Mapped[list[Site]] = relationship(back_populates="owner", order_by="Site.id")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(40), unique=True)
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation with a grace period the old secret still verifies until this time.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    #: Normalised origins ("https://shop.example") allowed to post browser events.
    origins: Mapped[list[Any]] = mapped_column(default=list)
    #: Owner's choices over ``sitesettings.DEFAULTS``.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owner: Mapped[Owner] = relationship(back_populates="sites")


class RefCode(Base):
    """A reference code carried by a shared or recommended link."""

    __tablename__ = "ref_codes"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

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
    #: Shares: the sharer's visitor hash of that day, for self-referral detection.
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
    items: Mapped[list[Any] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime]
    status_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    code: Mapped[RefCode | None] = relationship()


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


class StatsDay(Base):
    """Events of one closed day in a site's time zone, summed for the stats page.

    Filled by ``stats.rollup`` when a period is first shown (days whose end has settled);
    ``dimension`` is ``""`` for the day's totals (``value`` ``""``), ``"channel"`` or ``"page"``;
    ``"m:chan"`` and ``"m:page"`` hold whole calendar months (``day`` is the 1st) and
    ``"month"`` marks a month as summed. ``visitors`` (distinct visitor hashes) is kept on the
    totals row only. The key makes a dimension's days one range; on SQLite the rows are stored
    in key order (``WITHOUT ROWID``).
    """

    __tablename__ = "stats_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[str] = mapped_column(String(2048), primary_key=True)
    shares: Mapped[int] = mapped_column(BigInteger)
    visits: Mapped[int] = mapped_column(BigInteger)
    #: Visits through share codes (not referral links): the viral factor's denominator.
    share_visits: Mapped[int] = mapped_column(BigInteger)
    #: Shares by someone who arrived through a share: the viral factor's numerator.
    chained_shares: Mapped[int] = mapped_column(BigInteger)
    visitors: Mapped[int] = mapped_column(BigInteger)


class LoginFailure(Base):
    """Failed owner logins per keyed hash (of an account or a client) and five-minute window.

    The login rate limit counts here so that every worker sees the same numbers; the keys are
    keyed hashes, never an e-mail address or an IP address.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)
