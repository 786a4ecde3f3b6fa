"""Shop owners, their sites, and the failed logins of the owners' pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


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
    #: Raised by every replacement of the secret or the key, which happens only while it still
    #: holds the value the replacing request saw: of two rotations from one view, one wins.
    rotation: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Normalised origins ("https://shop.example") allowed to post browser events.
    origins: Mapped[list[Any]] = mapped_column(default=list)
    #: Owner's choices over ``sites.settings.DEFAULTS``.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    owner: Mapped[Owner] = relationship(back_populates="sites")


class LoginFailure(Base):
    """Failed owner logins per keyed hash and five-minute window: of an account, of an account
    with a client, of a client (``admin.ratelimit``).

    The login rate limit counts here so that every worker sees the same numbers; the keys are
    keyed hashes, never an e-mail address or an IP address. Rows older than the limit's span
    are deleted as attempts come in.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)
