"""Shared fixtures: an app per test on SQLite *and* PostgreSQL, a movable clock, helpers.

Every test that takes ``app`` (or anything built on it) runs twice, once per database. The
schema comes from the real migrations, made once per session; SQLite tests get a copy of a
migrated file, PostgreSQL tests a truncated database.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from widgetserver import create_app
from widgetserver.core import migrate
from widgetserver.core.db import db, normalise_url
from widgetserver.core.signing import signed_headers
from widgetserver.models import Base
from widgetserver.sites import create_owner, create_site

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
SHOP = "https://shop.example"
POSTGRES_ENV = "WIDGETSERVER_TEST_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class Clock:
    """A clock the tests move by hand; starts at a fixed, ordinary moment."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "widgetserver.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def throwaway_database(admin_url: str, name: str) -> Iterator[str]:
    """An empty database ``name`` on the server of ``admin_url``, dropped afterwards; its URL."""
    # No pool: the server may have restarted meanwhile (tests/deploy/test_faults.py).
    admin = create_engine(
        normalise_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            f"PostgreSQL is needed for the tests ({admin.url.render_as_string()}): {exc}. "
            f"Run `make test`, which provides it, or set {POSTGRES_ENV}."
        ) from exc
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_admin_url() -> str:
    """The PostgreSQL server ``make test`` provides, as a URL that may create databases."""
    return os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database on the PostgreSQL server ``make test`` provides."""
    with throwaway_database(postgres_admin_url(), f"swk_test_{os.getpid()}") as url:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "widgetserver.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("UPDATE alembic_version SET version_num = :head"),
            {"head": migrate.head_revision()},
        )
    engine.dispose()
    return url


def make_app(database_url: str, instance: Path, clock: Clock | None) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "CLOCK": clock,
            # Tests change sites and look at the effect at once; the cache has its own tests.
            "SITE_CACHE_SECONDS": 0,
        }
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path / "instance", clock)
    yield app
    db.dispose(app)


@pytest.fixture
def live_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite with the real clock, for serving to a real browser."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", tmp_path / "live-instance", None)
    yield app
    db.dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR="203.0.113.7")
    return client


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@dataclass
class SiteInfo:
    id: int
    key: str
    secret: str
    origin: str


def make_site(
    app: Flask,
    clock: Clock | None = None,
    email: str = "owner@shop.example",
    origin: str = SHOP,
    **settings: Any,
) -> SiteInfo:
    now = clock() if clock else datetime.now(UTC)
    with app.app_context(), db.writing() as session:
        from widgetserver.sites import find_owner

        owner = find_owner(session, email) or create_owner(
            session, email, password=None, is_admin=False, now=now
        )
        site = create_site(session, owner, "Test Shop", [origin], now=now)
        site.settings = settings
        return SiteInfo(site.id, site.public_key, site.secret, origin)


def make_referral(app: Flask, site: SiteInfo, code: str, referrer: str, clock: Clock) -> None:
    """A referral link's code, as the recommend-a-friend form will create them."""
    from widgetserver.models import RefCode

    with app.app_context(), db.writing() as session:
        session.add(
            RefCode(
                site_id=site.id, code=code, kind="referral", referrer=referrer, created_at=clock()
            )
        )


@pytest.fixture
def site(app: Flask, clock: Clock) -> SiteInfo:
    return make_site(app, clock)


class Browser:
    """Posts what the widgets post: JSON as text/plain, from the shop's origin."""

    def __init__(self, client: FlaskClient, site: SiteInfo) -> None:
        self.client = client
        self.site = site
        self.origin = site.origin
        self.user_agent = BROWSER_UA
        self.ip = "203.0.113.7"

    def headers(self) -> dict[str, str]:
        return {"Origin": self.origin, "User-Agent": self.user_agent, "Content-Type": "text/plain"}

    def send(self, *events: dict[str, Any], site: str | None = None) -> Any:
        body = json.dumps({"site": site or self.site.key, "events": list(events)})
        return self.client.post(
            "/v1/events", data=body, headers=self.headers(), environ_base={"REMOTE_ADDR": self.ip}
        )

    def share(self, code: str, channel: str = "whatsapp", **extra: Any) -> Any:
        event = {"type": "share", "code": code, "channel": channel, "url": f"{SHOP}/p/mug"}
        return self.send({**event, **extra})

    def visit(self, code: str, **extra: Any) -> Any:
        return self.send({"type": "visit", "code": code, "url": f"{SHOP}/p/mug", **extra})

    def convert(self, **body: Any) -> Any:
        payload = {"site": self.site.key, **body}
        return self.client.post(
            "/v1/conversions/browser",
            data=json.dumps(payload),
            headers=self.headers(),
            environ_base={"REMOTE_ADDR": self.ip},
        )


@pytest.fixture
def browser(client: FlaskClient, site: SiteInfo) -> Browser:
    return Browser(client, site)


class Shop:
    """The shop's server: signed server-to-server calls, the clock being the server's."""

    def __init__(self, client: FlaskClient, site: SiteInfo, clock: Clock) -> None:
        self.client = client
        self.site = site
        self.clock = clock

    def post(
        self,
        path: str,
        body: Any,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        ts = int(self.clock().timestamp()) if timestamp is None else timestamp
        signed = signed_headers(self.site.key, secret or self.site.secret, "POST", path, raw, ts)
        return self.client.post(
            path,
            data=raw,
            headers={**signed, "Content-Type": "application/json", **(headers or {})},
        )

    def conversion(self, order_id: str = "1001", **fields: Any) -> Any:
        body = {
            "order_id": order_id,
            "amount": "59.90",
            "currency": "EUR",
            "status": "placed",
            "ref": None,
            **fields,
        }
        return self.post("/v1/conversions", body)


@pytest.fixture
def shop(client: FlaskClient, site: SiteInfo, clock: Clock) -> Shop:
    return Shop(client, site, clock)


def sqlite_path(url: str) -> str:
    return make_url(url).database or ""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from .live import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def all_rows(app: Flask, model: Any, *where: Any) -> list[Any]:
    """Every row of a model (optionally filtered), read in a fresh session."""
    from sqlalchemy import select

    with app.app_context():
        return list(db.session.scalars(select(model).where(*where)).all())


def drop_counts(app: Flask) -> dict[tuple[int, str], int]:
    from widgetserver.models import IngestDrop

    return {(r.site_id, r.reason): r.count for r in all_rows(app, IngestDrop)}


def database_text(app: Flask) -> str:
    """Every value in every table as one string, to prove what is not stored."""
    with app.app_context():
        chunks = []
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                chunks.append(repr(tuple(row)))
        return "\n".join(chunks)
