"""Database binding: one engine per application, one session per application context.

The same code runs on SQLite (the embedded default) and PostgreSQL (production). SQLite gets
WAL mode and explicit transactions: a unit of work that writes starts with ``BEGIN IMMEDIATE``
so concurrent workers queue for the write lock instead of failing half-way with "database is
locked".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

_EXTENSION = "widgetserver.db"
BUSY_TIMEOUT_MS = 5000
_WRITE = "widgetserver_write"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (portable across dialects)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def normalise_url(raw: str) -> URL:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    url = make_url(raw.replace("postgres://", "postgresql://", 1))
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(raw_url: str) -> Engine:
    url = normalise_url(raw_url)
    if url.get_backend_name() == "sqlite":
        # Connections go back to the pool between threads; one thread uses one at a time.
        engine = create_engine(url, connect_args={"timeout": 5, "check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Every commit reaches the disk (orders must survive a power cut); the ingest writer
        # relaxes this on its own connection for browser events (see ingest/writer.py).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Well below gunicorn's worker timeout: a stuck writer means 503, not a killed worker.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@dataclass
class _State:
    engine: Engine
    sessions: sessionmaker[Session]
    #: Called before the engine is disposed (subsystems holding connections of their own).
    closers: list[Callable[[], None]] = field(default_factory=list)


def begin_writing(session: Session) -> None:
    """End the session's reading transaction and begin one that writes.

    On SQLite that is ``BEGIN IMMEDIATE``: the write lock is taken first, so concurrent writers
    queue instead of failing half-way. The caller commits.
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={_WRITE: True})


class Database:
    """Flask extension: ``db.engine``, ``db.session`` and ``db.writing()``."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions[_EXTENSION] = _State(engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> _State:
        return current_app.extensions[_EXTENSION]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        session = g.get("_swk_session")
        if session is None:
            session = g._swk_session = self._state().sessions()
        return session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A unit of work that writes: committed on success, rolled back on any error."""
        session = self.session
        begin_writing(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("_swk_session", None)
        if session is not None:
            session.close()

    def on_dispose(self, app: Flask, closer: Callable[[], None]) -> None:
        app.extensions[_EXTENSION].closers.append(closer)

    def dispose(self, app: Flask) -> None:
        """Close every connection of the app (tests; a worker shutting down)."""
        state = app.extensions[_EXTENSION]
        for closer in state.closers:
            closer()
        state.engine.dispose()


db = Database()
