"""Group commit: the rows of concurrent requests written in one short transaction.

A request hands its rows to the worker's ``GroupWriter`` and waits. A request that finds no
write under way becomes the *leader*: it takes every queued write set, inserts them together
(one ``INSERT`` per table), commits, and hands each request its result; the others find
their work done when they wake. With threaded workers, requests that arrive during a write
share the next transaction; with synchronous workers every request is its own group. The
write lock is held only for the inserts - every lookup happened before. A request is
answered only after its rows are committed.

The transaction first counts every request of the group under its rate limits
(``core.ratelimit``: one upsert of the counters); a request over a limit writes nothing but a
``rate_limited`` drop, and its ``Written`` names the limit.

On SQLite, workers (processes) also take an exclusive ``flock`` on a file beside the database
(``core.shortwrite.FileLock``, which every short writer takes too):
a waiter is woken the moment the lock is free, instead of sleeping in SQLite's busy handler
(1 to 100 ms at a time).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from ..core.ratelimit import Charge, Limiter
from ..core.shortwrite import FileLock, own_connection, rolled_back
from .statements import Statements

log = logging.getLogger("widgetserver")

#: The drop reason of a request refused by a rate limit.
RATE_LIMITED = "rate_limited"


@dataclass
class WriteSet:
    """What one request stores: new share codes, events, and counted rejections."""

    site_id: int
    day: date
    #: ``ref_codes`` rows of new shares, without ids.
    codes: list[dict[str, Any]] = field(default_factory=list)
    #: ``events`` rows; a share's row names its new code in ``"_code"`` instead of ``code_id``.
    events: list[dict[str, Any]] = field(default_factory=list)
    drops: Counter[str] = field(default_factory=Counter)
    #: What the request costs under the rate limits; over any of them, nothing is written
    #: but one ``rate_limited`` drop.
    charges: tuple[Charge, ...] = ()


@dataclass
class Written:
    #: The new codes that were registered, with their ids; absent ones were taken already.
    code_ids: dict[str, int]
    events: int
    #: The rate limit that refused the request (nothing of it was written), if any.
    limited: Charge | None = None


class _ConnectionLost(Exception):
    """The writer's connection broke during a write; nothing of it was committed."""


class _Pending:
    __slots__ = ("error", "result", "work")

    def __init__(self, work: WriteSet) -> None:
        self.work = work
        self.result: Written | None = None
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None


class GroupWriter:
    def __init__(self, engine: Engine, limiter: Limiter) -> None:
        self.engine = engine
        self.limiter = limiter
        self._queue: list[_Pending] = []
        #: Guards the queue and ``_writing``; waiters are woken when a group is written.
        self._changed = threading.Condition()
        self._writing = False
        self._lock = FileLock(engine)
        self._statements = Statements(engine.dialect)
        #: The writer's own connection, used by one leader at a time.
        self._connection: Any = None

    def submit(self, work: WriteSet) -> Written:
        pending = _Pending(work)
        with self._changed:
            self._queue.append(pending)
            while not pending.done:
                if self._writing:
                    self._changed.wait()
                    continue
                # Lead: write everything queued so far, this request's rows included.
                self._writing = True
                group, self._queue = self._queue, []
                self._changed.release()
                try:
                    self._write_group(group)
                finally:
                    for other in group:
                        if not other.done:
                            other.error = RuntimeError("the group write was interrupted")
                    self._changed.acquire()
                    self._writing = False
                    self._changed.notify_all()
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _write_group(self, group: list[_Pending]) -> None:
        try:
            results = self._write_retrying([p.work for p in group])
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                return
            # Keep one bad write set from costing the others: write each on its own.
            log.warning("group write of %d sets failed; writing them one by one", len(group))
            for pending in group:
                try:
                    pending.result = self._write_retrying([pending.work])[0]
                except Exception as exc:
                    pending.error = exc
            return
        for pending, result in zip(group, results, strict=True):
            pending.result = result

    def _write_retrying(self, works: list[WriteSet]) -> list[Written]:
        """Write; once more on a fresh connection if the old one died before the commit."""
        try:
            return self._write(works)
        except _ConnectionLost:
            return self._write(works)

    def _write(self, works: list[WriteSet]) -> list[Written]:
        st = self._statements
        committing = False
        with self._lock.held():
            connection = self._connect()
            try:
                cursor = connection.cursor()
                if st.sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                # The rate limits first: a refused request writes nothing but its refusal.
                settled = self.limiter.settle(cursor, [w.charges for w in works], st.dialect)
                accepted = [w for w, over in zip(works, settled.refused, strict=True) if not over]
                codes, owners = _claim_codes(accepted)
                ids: dict[tuple[int, str], int] = {}
                # Rows in key order: concurrent writers then lock them in the same order and
                # cannot deadlock each other (PostgreSQL).
                for row in sorted(codes, key=lambda r: (r["site_id"], r["code"])):
                    cursor.execute(st.codes.sql, st.codes.params(row))
                    inserted = cursor.fetchone()
                    if inserted is not None:
                        ids[(row["site_id"], row["code"])] = inserted[0]
                written, events, drops = _assemble(accepted, owners, ids)
                for work, over in zip(works, settled.refused, strict=True):
                    if over:
                        drops[(work.site_id, work.day, RATE_LIMITED)] += 1
                if events:
                    cursor.executemany(st.events.sql, [st.events.params(e) for e in events])
                if drops:
                    rows = [
                        {"site_id": s, "day": d, "reason": r, "count": n}
                        for (s, d, r), n in sorted(drops.items())
                    ]
                    cursor.executemany(st.drops.sql, [st.drops.params(r) for r in rows])
                cursor.close()
                committing = True
                connection.commit()
            except BaseException as exc:
                # A connection lost during the commit leaves its outcome unknown: never retried.
                if not self._discard_transaction() and not committing:
                    raise _ConnectionLost() from exc
                if isinstance(exc, self.engine.dialect.loaded_dbapi.OperationalError):
                    # The error SQLAlchemy raises elsewhere: one handler answers 503 for it.
                    raise OperationalError("ingest group write", None, exc) from exc
                raise
        self.limiter.remember(settled)
        done = iter(written)
        return [Written({}, 0, over) if over else next(done) for over in settled.refused]

    def close(self) -> None:
        with self._changed:
            while self._writing:
                self._changed.wait()
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._lock.close()

    def _connect(self) -> Any:
        if self._connection is None:
            connection = own_connection(self.engine, "ingest writer connect")
            if self._statements.sqlite:
                # Browser events may lose the last moment before a power cut (never a process
                # crash): WAL without a sync per commit. Orders use synchronous=FULL.
                connection.cursor().execute("PRAGMA synchronous=NORMAL")
            self._connection = connection
        return self._connection

    def _discard_transaction(self) -> bool:
        """Roll back; False if the connection itself is broken (and has been let go)."""
        if rolled_back(self._connection):
            return True
        self._connection = None
        return False


def _claim_codes(
    works: list[WriteSet],
) -> tuple[list[dict[str, Any]], dict[tuple[int, str], int]]:
    """New codes of the group, each claimed by the first write set that names it."""
    owners: dict[tuple[int, str], int] = {}
    rows = []
    for n, work in enumerate(works):
        for row in work.codes:
            key = (work.site_id, row["code"])
            if key not in owners:
                owners[key] = n
                rows.append(row)
    return rows, owners


def _assemble(
    works: list[WriteSet], owners: dict[tuple[int, str], int], ids: dict[tuple[int, str], int]
) -> tuple[list[Written], list[dict[str, Any]], Counter[tuple[int, date, str]]]:
    results = []
    events: list[dict[str, Any]] = []
    drops: Counter[tuple[int, date, str]] = Counter()
    for n, work in enumerate(works):
        registered = {
            row["code"]: ids[key]
            for row in work.codes
            if owners.get(key := (work.site_id, row["code"])) == n and key in ids
        }
        count = 0
        for row in work.events:
            if "_code" in row:
                code_id = registered.get(row["_code"])
                if code_id is None:
                    drops[(work.site_id, work.day, "duplicate_code")] += 1
                    continue
                row = {k: v for k, v in row.items() if k != "_code"} | {"code_id": code_id}
            events.append(row)
            count += 1
        for reason, n_dropped in work.drops.items():
            drops[(work.site_id, work.day, reason)] += n_dropped
        results.append(Written(registered, count))
    return results, events, drops
