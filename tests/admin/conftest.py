"""Helpers for the owners' pages: owners with passwords, logging in, forms with their token."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from widgetserver.core.db import db
from widgetserver.sites import create_owner, create_site

from ..conftest import BROWSER_UA, SHOP, Clock

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_CONFIRM = re.compile(r'name="confirm" value="([^"]+)"')


@dataclass
class Account:
    id: int
    email: str
    password: str
    is_admin: bool


@dataclass
class OwnedSite:
    id: int
    key: str
    secret: str
    owner: str


def token_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def confirm_in(html: str) -> str:
    found = _CONFIRM.search(html)
    assert found, "the page has no one-time confirmation"
    return found.group(1)


def parallel_wrong_logins(clients: list[FlaskClient], email: str) -> list[int]:
    """Each client posts a wrong password for ``email`` at the same moment; their statuses."""
    tokens = [token_in(c.get("/admin/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(len(clients))

    def attempt(pair: tuple[FlaskClient, str]) -> int:
        client, token = pair
        start.wait()
        data = {"email": email, "password": "wrong", "csrf_token": token}
        return client.post("/admin/login", data=data).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(attempt, zip(clients, tokens, strict=True)))


@cache
def _hash(password: str) -> str:
    return generate_password_hash(password)


class Owners:
    """Creates owners and sites, and logs a test client in and out (like flaskr's AuthActions)."""

    def __init__(self, app: Flask, client: FlaskClient, clock: Clock) -> None:
        self.app = app
        self.client = client
        self.clock = clock

    def create(
        self, email: str = "owner@shop.example", *, admin: bool = False, password: str = PASSWORD
    ) -> Account:
        with self.app.app_context(), db.writing() as session:
            owner = create_owner(session, email, password=None, is_admin=admin, now=self.clock())
            # Hashing is slow by design; the matrices below create many owners.
            owner.password_hash = _hash(password)
            return Account(owner.id, owner.email, password, admin)

    def site(self, account: Account, name: str = "Test Shop", origin: str = SHOP) -> OwnedSite:
        with self.app.app_context(), db.writing() as session:
            from widgetserver.models import Owner

            owner = session.get(Owner, account.id)
            assert owner is not None
            site = create_site(session, owner, name, [origin], now=self.clock())
            return OwnedSite(site.id, site.public_key, site.secret, account.email)

    def token(self, path: str = "/admin/login") -> str:
        page = self.client.get(path, follow_redirects=True)
        return token_in(page.get_data(as_text=True))

    def login(self, account: Account | str, password: str | None = None, **extra: Any) -> Any:
        email = account if isinstance(account, str) else account.email
        secret = password if password is not None else getattr(account, "password", PASSWORD)
        return self.client.post(
            "/admin/login",
            data={"email": email, "password": secret, "csrf_token": self.token(), **extra},
        )

    def logout(self) -> Any:
        return self.client.post("/admin/logout", data={"csrf_token": self.token("/admin/")})

    def post(self, path: str, data: dict[str, Any], form_page: str | None = None) -> Any:
        """Post a form the way a browser does: with the token of the page it came from."""
        token = self.token(form_page or path)
        if path.endswith("/rotate") and "confirm" not in data:
            data = {"confirm": self.confirmation(path), **data}
        return self.client.post(path, data={"csrf_token": token, **data})

    def confirmation(self, rotate_page: str) -> str:
        """The one-time value of the rotate page ("" where the page cannot be opened)."""
        found = _CONFIRM.search(self.client.get(rotate_page).get_data(as_text=True))
        return found.group(1) if found else ""


@pytest.fixture
def owners(app: Flask, client: FlaskClient, clock: Clock) -> Owners:
    return Owners(app, client, clock)


@pytest.fixture
def mine(owners: Owners) -> Any:
    """A site of a freshly created owner, who is logged in."""
    account = owners.create()
    site = owners.site(account)
    owners.login(account)
    return site


@pytest.fixture
def strict(app: Flask) -> Flask:
    """Small login limits: 3 failures per account from one client, 6 per account from all
    clients, 5 per client across accounts, in 15 minutes."""
    app.config.update(
        LOGIN_LIMIT_ACCOUNT_CLIENT=3,
        LOGIN_LIMIT_ACCOUNT=6,
        LOGIN_LIMIT_CLIENT=5,
        LOGIN_LIMIT_MINUTES=15,
    )
    return app


def client_from(app: Flask, address: str) -> FlaskClient:
    """A browser at another client address."""
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR=address)
    return client
