"""Rate limit counters, shared by every worker (``core.ratelimit``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateCounter(Base):
    """Units counted under one key in one fixed window (its start in seconds since the epoch).

    Keys are an endpoint's scope and a keyed hash of a client's address on a site, or a site's
    id: never an address. Windows before the previous one are deleted as new ones begin, and
    the rows are stored in key order (``WITHOUT ROWID`` on SQLite), so that deletion is a range.
    """

    __tablename__ = "rate_counters"
    __table_args__ = ({"sqlite_with_rowid": False},)

    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
