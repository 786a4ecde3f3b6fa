"""Two machines, one database: adding servers behind nginx adds capacity and nothing else.

Two ``widgetserver serve`` processes with instance folders of their own share one fresh
PostgreSQL database and one ``WIDGETSERVER_SECRET_KEY``; the shipped nginx file lists both in
its upstream block. Whatever one server learns or changes, the other knows: they share nothing
but the database and the secret key.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from widgetserver.core.db import normalise_url
from widgetserver.core.ratelimit import WINDOW_SECONDS
from widgetserver.core.signing import signed_headers
from widgetserver.models import Event, Site

from ..conftest import postgres_admin_url, throwaway_database
from ..live import cli, free_port
from . import servers
from .clients import BROWSER_UA, Answer, send
from .load import BROWSER_HEADERS, SHOP, Load, assert_counted_once, share_body, stored
from .ownerpages import OwnerPages, forwarded, shown_secret

OWNER = "owner@shop.example"
PASSWORD = "a long password for two servers"
#: Short, so that the test sees a settings change arrive; production keeps the default (10 s).
SITE_CACHE_SECONDS = 2
#: Events a minute per client: above the load (all of it from nginx's one address).
LIMIT_PER_CLIENT = 1000
LOAD_THREADS, LOAD_REQUESTS = 4, 40
#: A generous bound for what must happen; nothing is timed.
WITHIN = 30.0


@dataclass(frozen=True)
class Pair:
    a: servers.Served
    b: servers.Served
    proxy: servers.Proxy
    database_url: str
    site: dict[str, str]
    site_id: int

    def events(self, server: servers.Served, body: bytes, client: str, **headers: str) -> Answer:
        """A browser's ``POST /v1/events`` as nginx passes it to ``server`` for ``client``."""
        return send(
            server.port,
            "POST",
            "/v1/events",
            headers={**BROWSER_HEADERS, **forwarded(client), **headers},
            body=body,
        )

    def through_nginx(self, body: bytes) -> Answer:
        return send(
            self.proxy.https_port,
            "POST",
            "/v1/events",
            context=self.proxy.context,
            headers=BROWSER_HEADERS,
            body=body,
        )

    def signed_stats(self, server: servers.Served, secret: str) -> Answer:
        key = self.site["public_key"]
        target = f"/v1/sites/{key}/stats?from=2026-05-01&to=2026-05-31"
        headers = signed_headers(key, secret, "GET", target, b"", int(time.time()))
        return send(server.port, "GET", target, headers={**forwarded("127.0.0.1"), **headers})


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    name = f"swk_test_{os.getpid()}_pair"
    with throwaway_database(postgres_admin_url(), name) as url:
        common = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
        common |= {
            "WIDGETSERVER_DATABASE_URL": url,
            # The same on every machine (README): owners' sessions, signed links, client keys.
            "WIDGETSERVER_SECRET_KEY": secrets.token_urlsafe(32),
            "WIDGETSERVER_TRUSTED_PROXIES": "1",
            "WIDGETSERVER_SITE_CACHE_SECONDS": str(SITE_CACHE_SECONDS),
            "WIDGETSERVER_EVENTS_LIMIT_CLIENT": str(LIMIT_PER_CLIENT),
            "WIDGETSERVER_EVENTS_LIMIT_SITE": "1000000",
        }
        env_a, env_b = (
            {**common, "WIDGETSERVER_INSTANCE_PATH": str(tmp_path_factory.mktemp(machine))}
            for machine in ("machine-a", "machine-b")
        )
        cli(env_a, "db", "upgrade")
        cli(env_a, "owners", "create", OWNER, "--password-stdin", stdin=PASSWORD + "\n")
        site = cli(env_a, "sites", "create", "--owner", OWNER, "--name", "Shop", "--origin", SHOP)
        with (
            servers.widgetserver(env_a, free_port(), workers=2, access_log=True) as a,
            servers.widgetserver(env_b, free_port(), workers=2, access_log=True) as b,
            servers.nginx(tmp_path_factory.mktemp("nginx"), a.port, b.port) as proxy,
        ):
            yield Pair(a, b, proxy, url, site, _site_id(url, site["public_key"]))


def _site_id(url: str, key: str) -> int:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            found = connection.scalar(select(Site.id).where(Site.public_key == key))
    finally:
        engine.dispose()
    assert found is not None
    return found


def _events_posted(log: Path) -> int:
    """``POST /v1/events`` requests in a server's access log."""
    return sum('"POST /v1/events ' in line for line in log.read_text().splitlines())


# --- load through nginx ----------------------------------------------------------------------


def test_events_through_nginx_reach_both_servers_and_every_accepted_one_is_stored(pair):
    before = (_events_posted(pair.a.log), _events_posted(pair.b.log))
    load = Load(pair.through_nginx, pair.site["public_key"], tag="spread")
    with load.running(LOAD_THREADS, LOAD_REQUESTS):
        pass
    outcomes = load.snapshot()
    assert len(outcomes) == LOAD_THREADS * LOAD_REQUESTS
    assert {o.status for o in outcomes} == {202}
    rows = stored(pair.database_url, load.prefix)
    assert_counted_once(outcomes, rows)
    assert sum(rows.values()) == sum(o.accepted for o in outcomes)
    # nginx spread the load: each server answered a share of it.
    after = (_events_posted(pair.a.log), _events_posted(pair.b.log))
    served = [n - m for n, m in zip(after, before, strict=True)]
    assert sum(served) == len(outcomes)
    assert min(served) > 0, served


# --- what the servers share through the database ---------------------------------------------


def test_one_clients_rate_limit_is_shared_by_both_servers(pair):
    """The limit counts events: ten batches of 100, alternating servers, use up 1,000."""
    batch = LIMIT_PER_CLIENT // 10
    for attempt in range(3):
        # A client of its own each attempt; a minute that ends half-way starts the count anew.
        client = f"192.0.2.{10 + attempt}"
        window = int(time.time()) // WINDOW_SECONDS
        answers = []
        for n in range(10):
            server = pair.a if n % 2 == 0 else pair.b
            markers = [f"{SHOP}/limit/{attempt}/L{attempt}-{n}-{i}" for i in range(batch)]
            answers.append(pair.events(server, _body(pair, markers), client))
        over_a, over_b = (
            pair.events(server, _body(pair, [f"{SHOP}/limit/{attempt}/over-{attempt}-{n}"]), client)
            for n, server in enumerate((pair.a, pair.b))
        )
        if int(time.time()) // WINDOW_SECONDS == window:
            break
    else:
        pytest.fail("three attempts each crossed a minute's end")
    assert [(a.status, a.json()["accepted"]) for a in answers] == [(202, batch)] * 10
    for over in (over_a, over_b):
        assert over.status == 429, over.body
        assert over.json()["error"] == "rate_limited"
        assert 1 <= int(over.headers["Retry-After"]) <= WINDOW_SECONDS
    # Another client is not limited by this one's use.
    marker = f"{SHOP}/limit/{attempt}/other-{attempt}"
    other = pair.events(pair.b, _body(pair, [marker]), "192.0.2.99")
    assert (other.status, other.json()["accepted"]) == (202, 1)


def _body(pair: Pair, markers: list[str]) -> bytes:
    return share_body(pair.site["public_key"], markers)


def test_an_owner_logged_in_on_one_server_is_logged_in_on_the_other(pair):
    on_a = OwnerPages(pair.a.port).logged_in(OWNER, PASSWORD)
    on_b = OwnerPages(pair.b.port, on_a.cookie)
    sites = on_b.get("/admin/")
    assert sites.status == 200 and b"Shop" in sites.body
    # Without the cookie B sends the visitor to the login page.
    assert OwnerPages(pair.b.port).get("/admin/").status in (302, 303)


def test_a_settings_change_on_one_server_reaches_both_within_the_site_cache_time(pair):
    new_origin = "https://other-shop.example"
    first = [f"{new_origin}/p/first-a", f"{new_origin}/p/first-b"]
    # Both servers know the site without the new origin (and keep that for the cache time).
    for server, marker in zip((pair.a, pair.b), first, strict=True):
        refused = pair.events(server, _body(pair, [marker]), "192.0.2.30", Origin=new_origin)
        assert (refused.status, refused.json()["error"]) == (403, "origin_not_allowed")

    owner = OwnerPages(pair.a.port).logged_in(OWNER, PASSWORD)
    path = f"/admin/sites/{pair.site_id}/settings"
    saved = owner.submit(path, origins=f"{SHOP}\n{new_origin}")
    assert saved.status == 303, saved.body
    changed = time.monotonic()

    waiting = {"a": pair.a, "b": pair.b}
    n = 0
    while waiting:
        for name, server in list(waiting.items()):
            n += 1
            marker = f"{new_origin}/p/after-{name}-N{n:04d}"
            answer = pair.events(server, _body(pair, [marker]), "192.0.2.30", Origin=new_origin)
            if answer.status == 202:
                del waiting[name]
            else:
                assert answer.json()["error"] == "origin_not_allowed"
        assert time.monotonic() - changed < WITHIN, f"still refused by {sorted(waiting)}"
        time.sleep(0.2)


def test_a_visitor_gets_one_hash_from_both_servers(pair):
    def hash_of(server: servers.Served, marker: str, user_agent: str) -> int:
        body = _body(pair, [f"{SHOP}/visitor/{marker}"])
        answer = pair.events(server, body, "203.0.113.40", **{"User-Agent": user_agent})
        assert answer.status == 202, answer.body
        engine = create_engine(normalise_url(pair.database_url))
        try:
            with engine.connect() as connection:
                found = connection.scalar(
                    select(Event.visitor_hash).where(Event.url == f"{SHOP}/visitor/{marker}")
                )
        finally:
            engine.dispose()
        assert found is not None
        return found

    on_a = hash_of(pair.a, "V-on-a", BROWSER_UA)
    on_b = hash_of(pair.b, "V-on-b", BROWSER_UA)
    assert on_a == on_b
    # Another browser at the same address is another visitor, on either server.
    assert hash_of(pair.b, "V-other", BROWSER_UA.replace("126", "125")) != on_a


def test_a_secret_replaced_on_one_server_is_refused_by_the_other_after_its_grace(pair):
    first = pair.site["secret"]
    assert pair.signed_stats(pair.b, first).status == 200
    rotate = f"/admin/sites/{pair.site_id}/rotate"

    # On A, with an hour's grace: B accepts the old secret and the new one.
    on_a = OwnerPages(pair.a.port).logged_in(OWNER, PASSWORD)
    replaced = on_a.submit(rotate, action=rotate, grace_hours="1")
    assert replaced.status == 200, replaced.body
    second = shown_secret(replaced.body)
    assert [pair.signed_stats(pair.b, s).status for s in (first, second)] == [200, 200]

    # On B, ending every old secret at once (no grace): A refuses both old secrets.
    on_b = OwnerPages(pair.b.port, on_a.cookie)
    ended = on_b.submit(rotate, action=rotate, grace_hours="0")
    assert ended.status == 200, ended.body
    third = shown_secret(ended.body)
    refused = [pair.signed_stats(pair.a, s) for s in (first, second)]
    assert [(r.status, json.loads(r.body)["error"]) for r in refused] == [
        (401, "signature_invalid")
    ] * 2
    assert pair.signed_stats(pair.a, third).status == 200
