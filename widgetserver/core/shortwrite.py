"""Short units of work on a worker's own database connection, with compiled statements.

A hot endpoint that writes a row or two per request (referral links) spends most of its time
in the ORM, not in the database. ``ShortWriter`` gives it what the ingest writer has: a
connection of the worker's own (never handed back to the pool), statements compiled once per
database (``core.prepared``, built once per writer by ``statements()``), and a write
transaction that is only as long as its statements. ``write(work)`` runs ``work(cursor)``
between ``BEGIN IMMEDIATE`` (SQLite) and the commit and returns its result; any exception
rolls everything back. ``read(work)`` runs a read outside any write lock.

On SQLite, writers of every kind queue on one ``flock`` beside the database (``FileLock``,
shared with the ingest writer), so a waiting worker is woken the moment the write lock is
free instead of sleeping in SQLite's busy handler. Commits keep the engine's durability
(``synchronous=FULL``). A connection that broke before the commit is replaced and the work
run once more; an unreachable database raises SQLAlchemy's ``OperationalError`` (the ``503``
of ``web.errors``). Threads of one worker take turns on the connection.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

log = logging.getLogger("widgetserver")

T = TypeVar("T")
_EXTENSION = "widgetserver.shortwrite"
#: SQLite: commits of a writer between its checkpoints of the WAL (SQLite's own checkpoint
#: comes after about 1,000 pages; a referral link writes about 8).
CHECKPOINT_EVERY = 100


class FileLock:
    """An exclusive ``flock`` on a file beside a SQLite database (nothing for other databases).

    Every writer that takes it before ``BEGIN IMMEDIATE`` queues in the kernel, which wakes
    the next one as soon as the lock is released.
    """

    def __init__(self, engine: Engine) -> None:
        url = make_url(engine.url)
        sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (
            None,
            "",
            ":memory:",
        )
        self.path = f"{url.database}.write-lock" if sqlite_file else None
        self._file: Any = None

    @contextmanager
    def held(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        if self._file is None:
            # Kept open while the writer lives; its content never matters, only its lock.
            self._file = open(self.path, "a+b")  # noqa: SIM115
        fcntl.flock(self._file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class _ConnectionLost(Exception):
    """The connection broke before the commit; nothing of the work was committed."""


class ShortWriter:
    def __init__(self, engine: Engine, *, durable: bool = True) -> None:
        self.engine = engine
        #: SQLite: False commits without a sync (``synchronous=NORMAL``, as the ingest writer):
        #: a process crash loses nothing, a power cut may lose the last moments.
        self.durable = durable
        #: ``sqlite`` or ``postgresql`` (``core.ratelimit`` takes it).
        self.dialect: str = engine.dialect.name
        self.sqlite = self.dialect == "sqlite"
        self._lock = threading.Lock()
        self._file_lock = FileLock(engine)
        self._connection: Any = None
        self._commits = 0
        self._statements: dict[Callable[[Any], Any], Any] = {}

    def statements(self, build: Callable[[Any], T]) -> T:
        """``build(dialect)``, made once per writer: a caller's set of compiled statements."""
        found = self._statements.get(build)
        if found is None:
            found = self._statements[build] = build(self.engine.dialect)
        return found  # type: ignore[no-any-return]

    def write(self, work: Callable[[Any], T]) -> T:
        """``work(cursor)`` in one write transaction, committed before this returns."""
        return self._run(work, writing=True)

    def read(self, work: Callable[[Any], T]) -> T:
        """``work(cursor)`` reading outside any write transaction (and its lock)."""
        return self._run(work, writing=False)

    def _run(self, work: Callable[[Any], T], writing: bool) -> T:
        with self._lock:
            try:
                result = self._once(work, writing)
            except _ConnectionLost:
                log.warning("a short write's connection was lost; trying a fresh one")
                try:
                    result = self._once(work, writing)
                except _ConnectionLost as lost:
                    cause = lost.__cause__
                    raise self._translated(cause) from cause
            if writing and self.sqlite:
                self._commits += 1
                if self._commits % CHECKPOINT_EVERY == 0:
                    self._checkpoint()
            return result

    def _checkpoint(self) -> None:
        """Copy the WAL into the database, outside the write lock: other writers go on."""
        try:
            self._connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:
            # Not this request's concern: the next checkpoint (or another connection's)
            # copies what this one did not.
            log.warning("a short writer's WAL checkpoint failed", exc_info=True)

    def _once(self, work: Callable[[Any], T], writing: bool) -> T:
        committing = False
        with self._file_lock.held() if writing else nullcontext():
            connection = self._connect()
            try:
                cursor = connection.cursor()
                if writing and self.sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                result = work(cursor)
                cursor.close()
                committing = True
                if writing:
                    connection.commit()
                elif not self.sqlite:
                    connection.rollback()  # ends the read's implicit transaction
                return result
            except BaseException as exc:
                # A connection lost during the commit leaves its outcome unknown: never retried.
                if not self._discard_transaction() and not committing:
                    raise _ConnectionLost() from exc
                translated = self._translated(exc)
                if translated is exc:
                    raise
                raise translated from exc

    def _translated(self, exc: BaseException | None) -> BaseException:
        """A driver's ``OperationalError`` as SQLAlchemy's (one handler answers 503 for it)."""
        if isinstance(exc, self.engine.dialect.loaded_dbapi.OperationalError):
            return OperationalError("short write", None, exc)
        return exc if exc is not None else RuntimeError("short write failed")

    def _connect(self) -> Any:
        if self._connection is None:
            connection = own_connection(self.engine, "short write connect")
            if self.sqlite:
                cursor = connection.cursor()
                # The writer checkpoints itself after releasing the lock (``_checkpoint``):
                # SQLite's own would run inside the commit, and every writer of every worker
                # would wait for its disk syncs.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                if not self.durable:
                    cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
            self._connection = connection
        return self._connection

    def _discard_transaction(self) -> bool:
        """Roll back; False if the connection itself is broken (and has been let go)."""
        if rolled_back(self._connection):
            return True
        self._connection = None
        return False

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._file_lock.close()


def writer_of(app: Flask, *, durable: bool = True) -> ShortWriter:
    """The application's (the worker's) short writer of that durability, made on first use."""
    name = f"{_EXTENSION}.{'durable' if durable else 'fast'}"
    found: ShortWriter | None = app.extensions.get(name)
    if found is None:
        from .db import db

        with _MAKING:
            found = app.extensions.get(name)
            if found is None:
                with app.app_context():
                    found = ShortWriter(db.engine, durable=durable)
                db.on_dispose(app, found.close)
                app.extensions[name] = found
    return found


_MAKING = threading.Lock()


def own_connection(engine: Engine, what: str) -> Any:
    """A raw connection of the engine's that is a writer's own for good (never handed back to
    the pool); an unreachable database is SQLAlchemy's ``OperationalError`` (the 503 of
    ``web.errors``), as a raw connection's errors come unwrapped."""
    try:
        connection = engine.raw_connection()
    except engine.dialect.loaded_dbapi.OperationalError as exc:
        raise OperationalError(what, None, exc) from exc
    connection.detach()
    return connection


def rolled_back(connection: Any) -> bool:
    """Roll a writer's connection back; False (the connection invalidated) if it is broken:
    the database restarted or the connection was cut, so start afresh next time."""
    try:
        connection.rollback()
        return True
    except Exception:
        connection.invalidate()
        return False
