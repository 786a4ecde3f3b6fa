"""The stats' daily roll-ups: closed days' events summed per site, time zone and dimension."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StatsDay(Base):
    """Events of one closed day in a site's time zone, summed for the stats page.

    Filled by ``stats.store`` when a period is first shown (days whose end has settled);
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


class EventRetention(Base):
    """How far a site's raw events have been pruned (``stats.retention``).

    The site's ``stats_days`` rows of zone ``tz`` for days before ``kept_from`` are the only
    record of the events before that day's start: those events are deleted (or being deleted)
    and the days are never summed again. One row per site, written before its events go.
    """

    __tablename__ = "event_retention"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    tz: Mapped[str] = mapped_column(String(64))
    kept_from: Mapped[date] = mapped_column(Date)


class StatsSlice(Base):
    """Events of a settled stretch of a day not yet closed, summed for the live day's figures.

    ``span`` is the stretch's length in seconds (an hour or five minutes; ``stats.slices``),
    ``start`` its UTC start; a slice is stored once its end has settled. ``dimension`` and
    ``value`` are those of ``stats_days``; the totals row (dimension ``""``) also holds the
    slice's distinct visitors as a sketch (``stats.sketch``), which slices merge without
    counting anyone twice. Rows are of no use once their day is closed and are deleted soon
    after. UTC stretches serve every time zone: no key by zone.
    """

    __tablename__ = "stats_slices"
    __table_args__ = ({"sqlite_with_rowid": False},)

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    span: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[datetime] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(2048), primary_key=True)
    shares: Mapped[int] = mapped_column(BigInteger)
    visits: Mapped[int] = mapped_column(BigInteger)
    share_visits: Mapped[int] = mapped_column(BigInteger)
    chained_shares: Mapped[int] = mapped_column(BigInteger)
    visitors: Mapped[bytes | None] = mapped_column(LargeBinary)
