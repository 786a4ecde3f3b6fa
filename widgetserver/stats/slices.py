"""The live day: a day not yet closed, summed from stored stretches and a few minutes of events.

Summing a busy open day from ``events`` on every view costs time in proportion to the day's
events (seconds at a million). Instead the day is cut into UTC stretches, *slices*: whole hours,
then five minutes, then minutes, then what is left. A slice is stored in ``stats_slices`` once
it has settled (``SETTLE`` after its end): merged from its stored shorter slices where it can be
(``_collect``), else summed from ``events``. A view reads the stored slices (their pages summed
by the database), sums the rest - a minute or two of events - live, and merges them. The cost
of a view is a few dozen slices' rows and a minute of events, however busy the day.

Merged, slices give the day's exact totals and channels, and its exact distinct visitors while
each slice had at most ``sketch.EXACT_LIMIT`` (beyond, an estimate within 1 or 2 %). Pages: each
slice keeps its ``TOP_PAGES`` busiest (the rest summed as ``OTHER``), so a day with more pages
an hour than that lists its pages from their busiest hours only. Once the day is closed,
``store`` sums it from ``events`` exactly and its slices are of no more use: they are deleted
``KEEP`` after they began. Slices are UTC stretches, the same for every time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core.db import begin_writing
from ..models import StatsSlice
from . import store
from .sketch import Visitors
from .sql import compute_slices
from .store import CHANNEL, PAGE, TOTAL
from .sums import OTHER, DaySums, Sums, top_pages

HOUR, FIVE_MINUTES, MINUTE = 3600, 300, 60
#: Slice lengths in seconds, longest first; a day is cut greedily into the longest that fit,
#: and each is a whole number of the next.
SPANS = (HOUR, FIVE_MINUTES, MINUTE)
#: A slice is stored this long after its end: more than a request takes to commit its events
#: (gunicorn's worker timeout is 30 s). An event committed later still is missing from the
#: live day only: its day is summed from ``events`` once closed.
SETTLE = timedelta(minutes=1)
#: Slices are deleted this long after they began; their day is closed and stored by then.
KEEP = timedelta(days=3)
#: Minutes of events a slice put together from shorter ones may read; beyond, it is summed
#: from ``events`` whole.
UNREAD_MINUTES = 5
#: Slices summed per query when storing (bounds the visitor hashes held at once).
CHUNK = 6
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Slice = tuple[int, datetime]  # (span in seconds, UTC start)


def live_day(
    session: Session, site_id: int, start: datetime, end: datetime, now: datetime
) -> DaySums:
    """The sums of the open day from ``start`` to ``end`` (UTC), as far as ``now``."""
    settled, live = plan(start, end, now)
    stored = _read(session, site_id, settled, pages=False)
    missing = [s for s in settled if s not in stored]
    if missing:
        _fill(session, site_id, missing, now)
        stored = _read(session, site_id, settled, pages=False)
    parts = [*(stored[s] for s in settled), *_live(session, site_id, live)]
    if settled:
        parts.append((DaySums(pages=_pages(session, site_id, settled)), Visitors()))
    day, visitors = _merge(parts)
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
            step = MINUTE - seconds % MINUTE
            stop = min(end, at + timedelta(seconds=step))
            if stop + SETTLE > now:
                stop = end  # nothing later has settled either
            if live and live[-1] == at:
                live[-1] = stop
            else:
                live += [at, stop]
            at = stop
    return settled, live


Part = tuple[DaySums, Visitors]


def _merge(parts: list[Part]) -> Part:
    """Slices (or live stretches) summed into one; pages cut to the top ones again."""
    day, visitors = DaySums(), Visitors()
    pages: dict[str, Sums] = {}
    for part, hashes in parts:
        day.total.add(part.total)
        for channel, sums in part.channels.items():
            day.channels.setdefault(channel, Sums()).add(sums)
        for page, sums in part.pages.items():
            pages.setdefault(page, Sums()).add(sums)
        visitors.merge(hashes)
    day.pages = top_pages(pages, store.TOP_PAGES)
    return day, visitors


def _live(session: Session, site_id: int, live: list[datetime]) -> list[Part]:
    parts = []
    for first, last in zip(live[::2], live[1::2], strict=True):
        for sums, hashes in compute_slices(session, site_id, [first, last], store.TOP_PAGES):
            parts.append((sums, Visitors(hashes)))
    return parts


def _read(
    session: Session, site_id: int, wanted: list[Slice], *, pages: bool = True
) -> dict[Slice, Part]:
    """The stored slices among ``wanted``, each with its sums and visitors; without ``pages``
    their page rows stay unread (``_pages`` sums them in the database)."""
    if not wanted:
        return {}
    found: dict[Slice, Part] = {}
    parts: dict[Slice, DaySums] = {}
    query = select(
        StatsSlice.span,
        StatsSlice.start,
        StatsSlice.dimension,
        StatsSlice.value,
        StatsSlice.shares,
        StatsSlice.visits,
        StatsSlice.share_visits,
        StatsSlice.chained_shares,
        StatsSlice.visitors,
    ).where(*_among(site_id, wanted))
    if not pages:
        query = query.where(StatsSlice.dimension != PAGE)
    for span, at, dimension, value, *numbers, visitors in session.connection().execute(query):
        part = parts.setdefault((span, at), DaySums())
        sums = Sums(*numbers)
        if dimension == TOTAL:
            part.total = sums
            found[(span, at)] = (part, Visitors.from_bytes(visitors))
        elif dimension == CHANNEL:
            part.channels[value] = sums
        elif dimension == PAGE:
            part.pages[value] = sums
    return found


def _pages(session: Session, site_id: int, settled: list[Slice]) -> dict[str, Sums]:
    """The pages of the stored slices summed, the ``TOP_PAGES`` busiest chosen by the database:
    a live day's slices hold thousands of page rows, a view needs only these."""
    if not settled:
        return {}
    numbers = (
        StatsSlice.shares,
        StatsSlice.visits,
        StatsSlice.share_visits,
        StatsSlice.chained_shares,
    )
    rows = session.connection().execute(
        select(StatsSlice.value, *(func.sum(n) for n in numbers))
        .where(*_among(site_id, settled), StatsSlice.dimension == PAGE, StatsSlice.value != OTHER)
        .group_by(StatsSlice.value)
        .order_by((func.sum(StatsSlice.visits) + func.sum(StatsSlice.shares)).desc())
        .order_by(StatsSlice.value)
        .limit(store.TOP_PAGES)
    )
    return {value: Sums(*(int(n) for n in sums)) for value, *sums in rows}


def _among(site_id: int, wanted: list[Slice]) -> tuple[ColumnElement[bool], ...]:
    """The rows of exactly these slices: a range of starts per span for the index, and the
    (span, start) pairs, as the same span's slices of another day's cut may lie in between."""
    ranges = []
    for span in SPANS:
        starts = [at for s, at in wanted if s == span]
        if starts:
            ranges.append(
                and_(
                    StatsSlice.span == span,
                    StatsSlice.start >= min(starts),
                    StatsSlice.start <= max(starts),
                )
            )
    return (
        StatsSlice.site_id == site_id,
        or_(*ranges),
        tuple_(StatsSlice.span, StatsSlice.start).in_(wanted),
    )


def _within(span: int, at: datetime) -> list[Slice]:
    """The slices of the next shorter span that make up a slice (none for the shortest)."""
    shorter = SPANS.index(span) + 1
    if shorter == len(SPANS):
        return []
    step = SPANS[shorter]
    return [(step, at + timedelta(seconds=n * step)) for n in range(span // step)]


def _collect(
    session: Session, site_id: int, key: Slice, parts: list[Part], unread: list[Slice]
) -> bool:
    """Gather the stored shorter slices a slice is made of into ``parts``, recursively (an
    hour from its five minutes, a five minutes from its minutes), and the minutes stored
    nowhere into ``unread``; False once those exceed ``UNREAD_MINUTES``."""
    within = _within(*key)
    if not within:
        unread.append(key)
        return len(unread) <= UNREAD_MINUTES
    found = _read(session, site_id, within)
    for part in within:
        if part in found:
            parts.append(found[part])
        elif not _collect(session, site_id, part, parts, unread):
            return False
    return True


def _fill(session: Session, site_id: int, missing: list[Slice], now: datetime) -> None:
    """Sum and store the missing settled slices: from the shorter slices they are made of
    where those are stored but a few minutes (``_collect``: an hour settles with its last
    minute, never stored alone), else from ``events``, a run per query. Rows of slices long
    past go in the same transaction."""
    done: dict[Slice, Part] = {}
    from_events = []
    for key in missing:
        parts: list[Part] = []
        unread: list[Slice] = []
        if key[0] == MINUTE or not _collect(session, site_id, key, parts, unread):
            from_events.append(key)
            continue
        for run in _runs(unread):
            computed = compute_slices(session, site_id, _bounds(run), store.TOP_PAGES)
            parts += [(sums, Visitors(hashes)) for sums, hashes in computed]
        done[key] = _merge(parts)
    for run in _runs(from_events):
        computed = compute_slices(session, site_id, _bounds(run), store.TOP_PAGES)
        for key, (sums, hashes) in zip(run, computed, strict=True):
            done[key] = (sums, Visitors(hashes))
    rows = []
    for (span, at), (sums, visitors) in done.items():
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


def _bounds(run: list[Slice]) -> list[datetime]:
    return [at for _, at in run] + [run[-1][1] + timedelta(seconds=run[-1][0])]


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
