"""Rate limits shared by every worker and machine: fixed one-minute windows counted in the database.

A ``Charge`` is what one request costs under one key in the current window: ``cost`` units
against ``limit``. A ``Rule`` names an endpoint's *scope* and its two limits and gives a
request's charges: one under a keyed hash of the client's address on the site (never the
address itself) and one under the site as a whole. Recommend-a-friend and votes bring rules
of their own.

Counters are rows of ``rate_counters`` (window start, key, count), so all workers count into
the same rows. ``Limiter.settle`` counts a group of requests inside the caller's own write
transaction - the ingest writer's group commit, or a browser conversion's - with one upsert
that returns the new counts: counting costs no transaction and no round trip of its own. A
request is accepted when each of its counters stays within its limit; a refused request's costs
are taken back, so a client over its own limit never uses up its site's. A key that is full is
remembered by the worker (``Limiter.refusal``) until its window ends, so an abusive client's
further requests are refused before any database work. The first transaction of each worker in
a new window deletes the windows before the previous one: the table holds about two minutes.

Fixed windows let a client send up to twice its limit across a window boundary, and each worker
may accept one request more for a key before it learns that the key is full; both are bounded,
which is what limits meant to stop abuse (not to meter) need.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import Flask
from sqlalchemy.orm import Session

from . import signing

WINDOW_SECONDS = 60

_UPSERT = (
    'INSERT INTO rate_counters (window_start, "key", "count") VALUES {values} '
    'ON CONFLICT (window_start, "key") DO UPDATE SET "count" = rate_counters."count" + '
    'excluded."count"'
)
_RETURNING = ' RETURNING window_start, "key", "count"'
# SQLite (3.40) takes four times as long for an upsert with RETURNING as for the upsert and
# this read together; on an embedded database the read costs no round trip.
_READ = (
    'SELECT window_start, "key", "count" FROM rate_counters '
    'WHERE window_start IN ({windows}) AND "key" IN ({keys})'
)
_TAKE_BACK = (
    'UPDATE rate_counters SET "count" = "count" - {p} WHERE window_start = {p} AND "key" = {p}'
)
_PURGE = "DELETE FROM rate_counters WHERE window_start < {p}"
_EXTENSION = "widgetserver.ratelimit"


def _mark(sqlite: bool) -> str:
    """The drivers' placeholder: sqlite3's ``?``, psycopg's ``%s``."""
    return "?" if sqlite else "%s"


def window_of(now: datetime) -> int:
    """The start of the window ``now`` lies in, in seconds since the epoch."""
    seconds = int(now.timestamp())
    return seconds - seconds % WINDOW_SECONDS


def retry_after(window: int, now: datetime) -> int:
    """Whole seconds until ``window`` ends (at least 1): the ``Retry-After`` of a refusal."""
    return max(1, math.ceil(window + WINDOW_SECONDS - now.timestamp()))


class Charge(NamedTuple):
    window: int
    key: str
    limit: int
    cost: int
    #: What the key stands for, for the refusal's message: ``client`` or ``site``.
    subject: str


@dataclass(frozen=True)
class Rule:
    """An endpoint's limits per client (on one site) and per site, in units per window."""

    scope: str
    per_client: int
    per_site: int
    secret: str

    def charges(self, site_id: int, address: str, cost: int, now: datetime) -> tuple[Charge, ...]:
        window = window_of(now)
        client = signing.keyed_digest(self.secret, "rate-client", f"{site_id} {address}")
        return (
            Charge(window, f"{self.scope}:c:{client}", self.per_client, cost, "client"),
            Charge(window, f"{self.scope}:s:{site_id}", self.per_site, cost, "site"),
        )


class Settled(NamedTuple):
    """The decision for each request of a group: ``None`` (accepted) or the charge refusing it."""

    refused: list[Charge | None]
    #: Charges whose key is now full: remembered once the transaction has committed.
    full: list[Charge]


class Limiter:
    """One worker's memory of full keys, and the counting done in its write transactions."""

    def __init__(self) -> None:
        self._full: dict[str, int] = {}
        self._window = 0
        self._purged = 0
        self._lock = threading.Lock()
        #: Statements by database and number of rows, windows and keys: built once each.
        self._sql: dict[tuple[bool, int, int, int], tuple[str, str | None]] = {}

    def refusal(self, charges: Sequence[Charge]) -> Charge | None:
        """The charge of a key known to be full for the rest of its window, if any."""
        for charge in charges:
            if self._full.get(charge.key) == charge.window:
                return charge
        return None

    def settle(self, cursor: Any, groups: Sequence[Sequence[Charge]], dialect: str) -> Settled:
        """Count each group of charges (one per request) in the cursor's transaction.

        ``cursor`` is a DB-API cursor inside a write transaction on a ``dialect`` database
        (``sqlite`` or ``postgresql``); nothing is committed here. A group that would take any
        of its counters over the limit is refused and counts nothing.
        """
        wanted: dict[tuple[int, str], int] = {}
        for charges in groups:
            for charge in charges:
                slot = charge[:2]
                wanted[slot] = wanted.get(slot, 0) + charge.cost
        if not wanted:
            return Settled([None] * len(groups), [])
        sqlite = dialect == "sqlite"
        # Rows in key order, so that concurrent transactions lock them in the same order.
        rows = sorted(wanted)
        window = rows[-1][0]
        if window > self._purged:
            with self._lock:
                purge, self._purged = window > self._purged, max(window, self._purged)
            if purge:
                cursor.execute(_PURGE.format(p=_mark(sqlite)), (window - WINDOW_SECONDS,))
        windows = sorted({w for w, _ in rows})
        keys = sorted({k for _, k in rows})
        upsert, read = self._statements(sqlite, len(rows), len(windows), len(keys))
        cursor.execute(upsert, [v for row in rows for v in (*row, wanted[row])])
        if read is not None:
            cursor.execute(read, (*windows, *keys))
        # The counts before this group: the new counts less what the group added.
        counts = {(w, k): n - wanted[(w, k)] for w, k, n in cursor.fetchall() if (w, k) in wanted}
        refused: list[Charge | None] = []
        back: Counter[tuple[int, str]] = Counter()
        for charges in groups:
            over = next((c for c in charges if counts[c[:2]] + c.cost > c.limit), None)
            refused.append(over)
            for charge in charges:
                if over is None:
                    counts[charge[:2]] += charge.cost
                else:
                    back[charge[:2]] += charge.cost
        if back:
            cursor.executemany(
                _TAKE_BACK.format(p=_mark(sqlite)),
                [(n, w, k) for (w, k), n in sorted(back.items())],
            )
        full = [c for charges in groups for c in charges if counts[c[:2]] >= c.limit]
        return Settled(refused, full)

    def _statements(
        self, sqlite: bool, rows: int, windows: int, keys: int
    ) -> tuple[str, str | None]:
        """The upsert of ``rows`` counters and, on SQLite, the read of their counts."""
        shape = (sqlite, rows, windows, keys)
        found = self._sql.get(shape)
        if found is None:
            p = _mark(sqlite)
            upsert = _UPSERT.format(values=", ".join([f"({p}, {p}, {p})"] * rows))
            read = _READ.format(windows=", ".join([p] * windows), keys=", ".join([p] * keys))
            found = (upsert, read) if sqlite else (upsert + _RETURNING, None)
            if len(self._sql) < 1000:
                self._sql[shape] = found
        return found

    def settle_in(self, session: Session, groups: Sequence[Sequence[Charge]]) -> Settled:
        """``settle`` in a SQLAlchemy session's write transaction (``db.writing()``)."""
        connection = session.connection()
        cursor = connection.connection.cursor()
        try:
            return self.settle(cursor, groups, connection.dialect.name)
        finally:
            cursor.close()

    def remember(self, settled: Settled) -> None:
        """Keep the keys found full until their window ends (call after the commit)."""
        for charge in settled.full:
            if charge.window != self._window:
                with self._lock:
                    if charge.window > self._window:
                        self._full, self._window = {}, charge.window
            self._full[charge.key] = charge.window


def limiter_of(app: Flask) -> Limiter:
    """The application's (the worker's) limiter."""
    return app.extensions.setdefault(_EXTENSION, Limiter())
