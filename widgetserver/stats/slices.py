"""The live day: a day not yet closed, summed from stored stretches and a few minutes of events.

Summing a busy open day from ``events`` on every view costs time in proportion to the day's
events (seconds at a million). Instead the day is cut into UTC stretches, *slices*: whole hours,
then five minutes, then what is left. A slice is summed from ``events`` once it has settled
(``SETTLE`` after its end: longer than any request may take, so every event stamped inside it is
committed) and stored in ``stats_slices``; a view reads the day's stored slices, sums the
rest - under ``5 min + SETTLE`` of events - live, and merges them. The cost of a view is a few
dozen slices' rows and minutes of events, however busy the day.

Merged, slices give the day's exact totals and channels, and its exact distinct visitors while
each slice had at most ``sketch.EXACT_LIMIT`` (beyond, an estimate within 1 or 2 %). Pages: each
slice keeps its ``TOP_PAGES`` busiest (the rest summed as ``OTHER``), so a day with more pages
an hour than that lists its pages from their busiest hours only. Once the day is closed,
``store`` sums it from ``events`` exactly and its slices are of no more use: they are deleted
``KEEP`` after they began. Slices are UTC stretches, the same for every time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core.db import begin_writing
from ..models import StatsSlice
from . import store
from .sketch import Visitors
from .sql import compute_slices
from .store import CHANNEL, PAGE, TOTAL
from .sums import DaySums, Sums, top_pages

HOUR, FIVE_MINUTES = 3600, 300
#: Slice lengths in seconds, longest first; a day is cut greedily into the longest that fit.
SPANS = (HOUR, FIVE_MINUTES)
#: A slice is stored this long after its end: more than a request may take (gunicorn's worker
#: timeout is 30 s), so no event stamped inside it is still uncommitted.
SETTLE = timedelta(minutes=2)
#: Slices are deleted this long after they began; their day is closed and stored by then.
KEEP = timedelta(days=3)
#: Slices summed per query when storing (bounds the visitor hashes held at once).
CHUNK = 6
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Slice = tuple[int, datetime]  # (span in seconds, UTC start)


def live_day(
    session: Session, site_id: int, start: datetime, end: datetime, now: datetime
) -> DaySums:
    """The sums of the open day from ``start`` to ``end`` (UTC), as far as ``now``."""
    settled, live = plan(start, end, now)
    day = DaySums()
    visitors = Visitors()
    stored = _read(session, site_id, settled)
    missing = [s for s in settled if s not in stored]
    if missing:
        stored.update(_fill(session, site_id, missing, now))
    pages: dict[str, Sums] = {}
    for part, hashes in [*stored.values(), *_live(session, site_id, live)]:
        _add(day, pages, part)
        visitors.merge(hashes)
    day.pages = top_pages(pages, store.TOP_PAGES)
    day.total.visitors = visitors.count()
    return day


def plan(start: datetime, end: datetime, now: datetime) -> tuple[list[Slice], list[datetime]]:
    """Cut ``start``-``end`` into settled slices, the longest that fit first, and the bounds of
    the stretches left to sum live (consecutive pairs: usually one stretch at the end)."""
    settled: list[Slice] = []
    live: list[datetime] = []
    at = start
    while at < end:
        seconds = int((at - _EPOCH).total_seconds())
        for span in SPANS:
            stop = at + timedelta(seconds=span)
            if seconds % span == 0 and stop <= end and stop + SETTLE <= now:
                settled.append((span, at))
                at = stop
                break
        else:
            step = FIVE_MINUTES - seconds % FIVE_MINUTES
            stop = min(end, at + timedelta(seconds=step))
            if live and live[-1] == at:
                live[-1] = stop
            else:
                live += [at, stop]
            at = stop
    return settled, live


def _live(session: Session, site_id: int, live: list[datetime]) -> list[tuple[DaySums, Visitors]]:
    parts = []
    for first, last in zip(live[::2], live[1::2], strict=True):
        for sums, hashes in compute_slices(session, site_id, [first, last], store.TOP_PAGES):
            parts.append((sums, Visitors(hashes)))
    return parts


def _add(day: DaySums, pages: dict[str, Sums], part: DaySums) -> None:
    day.total.add(part.total)
    for channel, sums in part.channels.items():
        day.channels.setdefault(channel, Sums()).add(sums)
    for page, sums in part.pages.items():
        pages.setdefault(page, Sums()).add(sums)


def _read(
    session: Session, site_id: int, settled: list[Slice]
) -> dict[Slice, tuple[DaySums, Visitors]]:
    """The stored slices among ``settled``, each with its sums and visitors."""
    if not settled:
        return {}
    ranges = []
    for span in SPANS:
        starts = [at for s, at in settled if s == span]
        if starts:
            ranges.append(
                and_(
                    StatsSlice.span == span,
                    StatsSlice.start >= starts[0],
                    StatsSlice.start <= starts[-1],
                )
            )
    wanted = set(settled)
    found: dict[Slice, tuple[DaySums, Visitors]] = {}
    parts: dict[Slice, DaySums] = {}
    rows = session.connection().execute(
        select(
            StatsSlice.span,
            StatsSlice.start,
            StatsSlice.dimension,
            StatsSlice.value,
            StatsSlice.shares,
            StatsSlice.visits,
            StatsSlice.share_visits,
            StatsSlice.chained_shares,
            StatsSlice.visitors,
        ).where(StatsSlice.site_id == site_id, or_(*ranges))
    )
    for span, at, dimension, value, shares, visits, share_visits, chained, visitors in rows:
        key = (span, at)
        if key not in wanted:
            continue  # a slice of the same span beside the day's own (another time zone's)
        part = parts.setdefault(key, DaySums())
        sums = Sums(shares, visits, share_visits, chained)
        if dimension == TOTAL:
            part.total = sums
            found[key] = (part, Visitors.from_bytes(visitors))
        elif dimension == CHANNEL:
            part.channels[value] = sums
        elif dimension == PAGE:
            part.pages[value] = sums
    return found


def _fill(
    session: Session, site_id: int, missing: list[Slice], now: datetime
) -> dict[Slice, tuple[DaySums, Visitors]]:
    """Sum the missing settled slices from ``events`` and store them, a run per query; rows of
    slices long past go in the same transactions."""
    done: dict[Slice, tuple[DaySums, Visitors]] = {}
    for run in _runs(missing):
        bounds = [at for _, at in run] + [run[-1][1] + timedelta(seconds=run[-1][0])]
        rows = []
        for (span, at), (sums, hashes) in zip(
            run, compute_slices(session, site_id, bounds, store.TOP_PAGES), strict=True
        ):
            visitors = Visitors(hashes)
            done[(span, at)] = (sums, visitors)
            rows.append(_row(site_id, span, at, TOTAL, "", sums.total, visitors.to_bytes()))
            rows += [_row(site_id, span, at, CHANNEL, k, v) for k, v in sums.channels.items()]
            rows += [_row(site_id, span, at, PAGE, k, v) for k, v in sums.pages.items()]
        begin_writing(session)
        session.execute(
            delete(StatsSlice).where(StatsSlice.site_id == site_id, StatsSlice.start < now - KEEP)
        )
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(StatsSlice).on_conflict_do_nothing(), rows)
        session.commit()
    return done


def _runs(missing: list[Slice]) -> list[list[Slice]]:
    """Consecutive slices of one span, at most ``CHUNK`` to a run."""
    runs: list[list[Slice]] = []
    for span, at in missing:
        last = runs[-1][-1] if runs else None
        if (
            last is None
            or last[0] != span
            or last[1] + timedelta(seconds=span) != at
            or len(runs[-1]) == CHUNK
        ):
            runs.append([])
        runs[-1].append((span, at))
    return runs


def _row(
    site_id: int,
    span: int,
    at: datetime,
    dimension: str,
    value: str,
    s: Sums,
    visitors: bytes | None = None,
) -> dict[str, object]:
    return {
        "site_id": site_id,
        "span": span,
        "start": at,
        "dimension": dimension,
        "value": value,
        "shares": s.shares,
        "visits": s.visits,
        "share_visits": s.share_visits,
        "chained_shares": s.chained_shares,
        "visitors": visitors,
    }
