"""Raw events older than the operator's horizon are deleted once their days are rolled up.

The stats read closed days from ``stats_days``, so old events are needed only by what reads
them raw: attribution looks for the buyer's last visit through a code within the site's window
before the order, and an order may be reported up to ``orders.report.MAX_AGE`` late, so events
are kept at least ``MIN_KEEP_DAYS`` (that age, the longest window and a day for the roll-up's
settling). ``prune`` runs per site from ``widgetserver stats prune``:

1. the days to go (whole days of the site's zone, ending ``MARGIN`` before the horizon) are
   rolled up in the site's zone where they are not yet (``store.fill``);
2. the site's ``event_retention`` row records them: from then on the stats never sum those
   days again, their rows are the only record;
3. their events are deleted in batches of short transactions, oldest first.

Each step is idempotent, so an interrupted prune is finished by the next. Reference codes stay:
ingest's per-worker caches hold codes as registered for good (``ingest.codes``), conversions
and newer codes point to them, and they are one row per share, not per visit.

A site whose time zone changes after a prune cannot sum its pruned days in the new zone.
``prepare`` (called before any period is summed) moves their rows instead: each pruned date
keeps the figures it was summed with in the old zone, under the new zone, and the new zone's
day in which the pruned time ends gets the old zone's remaining pruned days and the events
after them. No event is lost or counted twice; near that boundary a day's figures belong to
the old zone's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Insert, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..core.db import begin_writing
from ..models import Event, EventRetention, Site, StatsDay
from ..orders.report import MAX_AGE
from ..sites.settings import effective
from ..sites.settings.sections import ATTRIBUTION_WINDOW_MAX_DAYS
from . import store
from .period import day_start, local_day
from .sql import compute
from .sums import DaySums, Sums, top_pages

#: The fewest days an operator may keep events: a late order (``MAX_AGE``) is attributed by
#: the buyer's visits within the longest window before it; a day more covers the roll-up's
#: settling (``rollup.SETTLE``) and the clock slack of attribution.
MIN_KEEP_DAYS = MAX_AGE.days + ATTRIBUTION_WINDOW_MAX_DAYS + 1
#: Days are pruned only when they ended this long before the horizon, so moving pruned days
#: to another time zone (which deletes up to a day more) never reaches inside it.
MARGIN = timedelta(days=2)
#: Events deleted per transaction: short enough that ingest never waits long for the lock.
BATCH = 5000
_DAY_DIMENSIONS = (store.TOTAL, store.CHANNEL, store.PAGE)
_SUMS = ("shares", "visits", "share_visits", "chained_shares", "visitors")


class KeepDaysError(ValueError):
    """The configured number of days is below what attribution needs."""


def check_keep_days(days: int) -> int:
    if days < MIN_KEEP_DAYS:
        raise KeepDaysError(
            f"must be at least {MIN_KEEP_DAYS} days: orders may be reported "
            f"{MAX_AGE.days} days late and are attributed by visits up to "
            f"{ATTRIBUTION_WINDOW_MAX_DAYS} days before them"
        )
    return days


@dataclass(frozen=True)
class Pruned:
    """What one prune of a site did."""

    kept_from: date | None  # the site's first day with raw events kept (None: nothing pruned)
    days_rolled_up: int
    events_deleted: int
    batches: int


def prune(
    session: Session, site: Site, keep_days: int, now: datetime, batch: int = BATCH
) -> Pruned:
    """Roll up, record and delete the site's events of whole days before the horizon."""
    tz = effective(site.settings)["timezone"]
    since = prepare(session, site.id, tz, batch)
    kept_from = local_day(now - timedelta(days=check_keep_days(keep_days)) - MARGIN, tz)
    state = session.get(EventRetention, site.id)
    rolled = 0
    if since is not None and (state is None or state.kept_from < kept_from):
        first = max(local_day(since, tz), state.kept_from if state else date.min)
        days = [first + timedelta(days=n) for n in range((kept_from - first).days)]
        if days:
            stored = store.stored_days(session, site.id, tz, days)
            missing = [d for d in days if d not in stored]
            store.fill(session, site.id, tz, missing)
            rolled = len(missing)
        if not _record(session, site.id, tz, days, kept_from):
            session.commit()
            return Pruned(state.kept_from if state else None, rolled, 0, 0)
        state = session.get(EventRetention, site.id)
    if state is None:
        session.commit()
        return Pruned(None, rolled, 0, 0)
    deleted, batches = delete_before(session, site.id, day_start(state.kept_from, state.tz), batch)
    return Pruned(state.kept_from, rolled, deleted, batches)


def _record(session: Session, site_id: int, tz: str, days: list[date], kept_from: date) -> bool:
    """Move the site's pruned boundary to ``kept_from``, if its days are all stored in ``tz``
    and nobody changed the zone meanwhile (False: leave it to the next run)."""
    begin_writing(session)
    store.lock_site(session, site_id)
    site = session.get(Site, site_id, populate_existing=True)
    if site is None or effective(site.settings)["timezone"] != tz:
        session.rollback()
        return False
    if days and len(store.stored_days(session, site_id, tz, days)) != len(days):
        session.rollback()  # a fill of another zone removed them: sum again next time
        return False
    state = session.get(EventRetention, site_id, populate_existing=True)
    if state is None:
        session.add(EventRetention(site_id=site_id, tz=tz, kept_from=kept_from))
    elif state.tz != tz:
        session.rollback()
        return False
    elif state.kept_from < kept_from:
        state.kept_from = kept_from
    session.commit()
    return True


def delete_before(
    session: Session, site_id: int, before: datetime, batch: int = BATCH
) -> tuple[int, int]:
    """Delete the site's events before ``before``, ``batch`` per short write transaction,
    oldest first; returns (events deleted, transactions that deleted some)."""
    deleted = batches = 0
    while True:
        begin_writing(session)
        oldest = (
            select(Event.id)
            .where(Event.site_id == site_id, Event.occurred_at < before)
            .order_by(Event.occurred_at)
            .limit(batch)
        )
        gone = session.execute(delete(Event).where(Event.id.in_(oldest))).rowcount
        session.commit()
        if gone:
            deleted += gone
            batches += 1
        if gone < batch:
            return deleted, batches


def prepare(session: Session, site_id: int, tz: str, batch: int = BATCH) -> datetime | None:
    """Make the site's pruned days readable in ``tz`` (moving them from the zone they were
    summed in, see the module's docstring); returns where the site's figures begin."""
    state = session.get(EventRetention, site_id)
    if state is not None and state.tz != tz:
        _move(session, state.site_id, state.tz, state.kept_from, tz, batch)
    return store.history_start(session, site_id, tz)


def _move(
    session: Session, site_id: int, old_tz: str, kept_from: date, tz: str, batch: int
) -> None:
    gone = day_start(kept_from, old_tz)
    boundary = local_day(gone, tz)  # the new zone's day in which the pruned time ends
    new_kept = boundary if day_start(boundary, tz) == gone else boundary + timedelta(days=1)
    delete_before(session, site_id, gone, batch)  # finish an interrupted prune first
    # The boundary day's events after the pruned time (no earlier ones are left).
    after = compute(session, site_id, tz, boundary, boundary, store.TOP_PAGES)[boundary]
    begin_writing(session)
    store.lock_site(session, site_id)
    moved = session.execute(
        update(EventRetention)
        .where(
            EventRetention.site_id == site_id,
            EventRetention.tz == old_tz,
            EventRetention.kept_from == kept_from,
        )
        .values(tz=tz, kept_from=new_kept)
    ).rowcount
    if not moved:  # another worker moved them meanwhile
        session.rollback()
        return
    old = (StatsDay.site_id == site_id, StatsDay.tz == old_tz)
    session.execute(delete(StatsDay).where(StatsDay.site_id == site_id, StatsDay.tz == tz))
    # The pruned dates before the boundary keep their rows as they are, under the new zone.
    session.execute(
        _insert(session).from_select(
            ["site_id", "tz", "dimension", "day", "value", *_SUMS],
            select(
                StatsDay.site_id, literal(tz), StatsDay.dimension, StatsDay.day, StatsDay.value,
                *_sum_columns(),
            ).where(*old, StatsDay.dimension.in_(_DAY_DIMENSIONS), StatsDay.day < boundary),
        )
    )  # fmt: skip
    if new_kept > boundary:
        merged = _merged_boundary(session, site_id, old_tz, tz, boundary, kept_from, after)
        if merged:
            session.execute(_insert(session), merged)
    session.execute(delete(StatsDay).where(*old))
    session.commit()
    delete_before(session, site_id, day_start(new_kept, tz), batch)


def _merged_boundary(
    session: Session, site_id: int, old_tz: str, tz: str, day: date, kept_from: date, after: DaySums
) -> list[dict[str, object]]:
    """The new zone's boundary ``day``: the old zone's pruned days from ``day`` on, plus the
    events after them (``after``)."""
    groups: dict[str, dict[str, Sums]] = {d: {} for d in _DAY_DIMENSIONS}
    rows = session.execute(
        select(StatsDay.dimension, StatsDay.value, *_sum_columns()).where(
            StatsDay.site_id == site_id,
            StatsDay.tz == old_tz,
            StatsDay.dimension.in_(_DAY_DIMENSIONS),
            StatsDay.day >= day,
            StatsDay.day < kept_from,
        )
    )
    for dimension, value, *numbers in rows:
        groups[dimension].setdefault(value, Sums()).add(Sums(*numbers))
    groups[store.TOTAL].setdefault("", Sums()).add(after.total)
    for source, dimension in ((after.channels, store.CHANNEL), (after.pages, store.PAGE)):
        for value, summed in source.items():
            groups[dimension].setdefault(value, Sums()).add(summed)
    groups[store.PAGE] = top_pages(groups[store.PAGE], store.TOP_PAGES)
    return [
        store.row(site_id, tz, day, dimension, value, summed)
        for dimension, values in groups.items()
        for value, summed in values.items()
    ]


def _sum_columns() -> list[InstrumentedAttribute[int]]:
    return [getattr(StatsDay, c) for c in _SUMS]


def _insert(session: Session) -> Insert:
    """An ``INSERT`` into ``stats_days`` that keeps rows already there."""
    dialect = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return dialect(StatsDay).on_conflict_do_nothing()
