"""The production set-up of docs/deploy.md: the shipped nginx file in front of two sync workers.

Each test talks to a real ``widgetserver serve`` and to Debian's nginx running the file of
docs/nginx/ on loopback, over TLS as in production.
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from widgetserver.core.signing import signed_headers, visitor_hash
from widgetserver.embed import assets, registry
from widgetserver.models import Event, Salt

from .clients import (
    ANSWERS_WITHIN,
    BROWSER_UA,
    STARVED_FOR,
    call,
    healthz_answers,
    post_share,
    signed_call,
)
from .conftest import OWNER, PASSWORD
from .slowclients import connect, slow_clients

# --- slow clients ---------------------------------------------------------------------------


def test_slow_clients_starve_the_bare_server_of_its_two_sync_workers(deployment):
    """The defect nginx is there for: two trickling connections hold both workers."""
    port = int(deployment.direct.rsplit(":", 1)[1])
    with slow_clients(port, 2):
        assert not healthz_answers(deployment, direct=True, within=STARVED_FOR)
    # Once the slow clients are gone, the workers are free again.
    assert healthz_answers(deployment, direct=True, within=ANSWERS_WITHIN)


def test_behind_nginx_eight_slow_clients_leave_the_server_answering(deployment):
    with slow_clients(deployment.proxy.https_port, 8, deployment.proxy.context):
        assert healthz_answers(deployment, direct=False, within=ANSWERS_WITHIN)
        assert healthz_answers(deployment, direct=True, within=ANSWERS_WITHIN)
        assert post_share(deployment, "during-slow").status == 202


# --- the client's address --------------------------------------------------------------------


def test_events_through_nginx_are_hashed_under_the_address_nginx_saw(deployment):
    """One proxy hop: a client's own X-Forwarded-For is not believed."""
    answer = post_share(deployment, "hashed-code", **{"X-Forwarded-For": "203.0.113.9"})
    assert (answer.status, answer.json()["accepted"]) == (202, 1)
    assert answer.headers.get_all("Set-Cookie") is None

    engine = create_engine(f"sqlite:///{deployment.database}")
    try:
        with Session(engine) as session:
            stored = session.scalars(
                select(Event.visitor_hash).where(Event.url == "https://shop.example/p")
            ).all()
            salts = session.scalars(select(Salt.value)).all()
            site_id = session.scalars(select(Event.site_id)).first()
    finally:
        engine.dispose()
    assert site_id is not None
    for address, expected in [("127.0.0.1", True), ("203.0.113.9", False)]:
        hashes = {visitor_hash(salt, site_id, address, BROWSER_UA) for salt in salts}
        assert bool(hashes & set(stored)) is expected, address


# --- signed requests -------------------------------------------------------------------------


def test_a_signed_conversion_verifies_through_nginx_with_its_query_as_sent(deployment):
    order = {"order_id": "N-1", "amount": "12.00", "currency": "EUR", "status": "paid"}
    body = json.dumps(order, separators=(",", ":")).encode()
    answer = signed_call(deployment, "POST", "/v1/conversions?via=nginx%20proxy&b=1&a=2", body)
    assert answer.status == 201, answer.body
    assert answer.json()["order_id"] == "N-1"


def test_signed_stats_verify_through_nginx_with_path_and_query_untouched(deployment):
    key = deployment.site["public_key"].replace("_", "%5F")
    target = f"/v1/sites/{key}/stats?to=2026-05-31&from=2026%2D05%2D01"
    answer = signed_call(deployment, "GET", target)
    assert answer.status == 200, answer.body
    assert answer.json()["site"] == deployment.site["public_key"]
    # The same request re-signed over the decoded path is refused: the raw path reached it.
    site = deployment.site
    decoded = f"/v1/sites/{site['public_key']}/stats?to=2026-05-31&from=2026-05-01"
    headers = signed_headers(
        site["public_key"], site["secret"], "GET", decoded, b"", int(time.time())
    )
    refused = call(deployment, "GET", target, headers=headers)
    assert (refused.status, refused.json()["error"]) == (401, "signature_invalid")


# --- the loader and widget files from nginx's cache ------------------------------------------


def _widget_file() -> str:
    return next(name for name in assets.build(registry.WIDGETS).files if name.endswith(".en.js"))


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/v1/loader.js", "public, max-age=300"),
        (None, "public, max-age=31536000, immutable"),
    ],
    ids=["loader", "widget-file"],
)
def test_the_loader_and_widget_files_come_from_the_cache_per_encoding(
    deployment, path, cache_control
):
    path = path or f"/v1/assets/{_widget_file()}"
    # Browsers' spellings of one choice; the first of each is the one nginx asks the server for.
    for spellings, encoding in [
        (["gzip, deflate, br", "br, gzip", "br;q=1.0"], "br"),
        (["br;q=0, gzip", "gzip", "deflate, gzip;q=0.5"], "gzip"),
        # The server would answer "*" with brotli: nginx asks for (and keys on) no encoding.
        (["*", "identity", ""], None),
    ]:
        direct = call(
            deployment, "GET", path, headers={"Accept-Encoding": encoding or ""}, direct=True
        )
        answers = [
            call(deployment, "GET", path, headers={"Accept-Encoding": spelling})
            for spelling in [spellings[0], *spellings]
        ]
        statuses = [a.headers["X-Cache-Status"] for a in answers]
        assert statuses == ["MISS"] + ["HIT"] * len(spellings)
        for answer in answers:
            assert answer.status == 200
            assert answer.body == direct.body
            for name in ("ETag", "Cache-Control", "Vary", "Access-Control-Allow-Origin"):
                assert answer.headers[name] == direct.headers[name], name
            assert answer.headers["Content-Encoding"] == encoding
            assert answer.headers.get_all("Set-Cookie") is None
        assert answers[0].headers["Cache-Control"] == cache_control
        assert answers[0].headers["ETag"].endswith(f'-{encoding or "raw"}"')
        assert answers[0].headers["Vary"] == "Accept-Encoding"
        # Browsers revalidate against nginx: 304 with the tag, from the cache.
        again = call(
            deployment,
            "GET",
            path,
            headers={"Accept-Encoding": spellings[0], "If-None-Match": direct.headers["ETag"]},
        )
        assert (again.status, again.headers["X-Cache-Status"]) == (304, "HIT")


def test_the_loader_is_cached_once_whatever_the_query(deployment):
    first = call(deployment, "GET", "/v1/loader.js?v=1", headers={"Accept-Encoding": "br"})
    second = call(deployment, "GET", "/v1/loader.js?v=2", headers={"Accept-Encoding": "br"})
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.body == first.body


# --- cookies ---------------------------------------------------------------------------------


def test_only_the_owners_pages_get_cookies_through_nginx(deployment):
    # A client's own X-Forwarded-Prefix never reaches the server.
    page = call(deployment, "GET", "/admin/login", headers={"X-Forwarded-Prefix": "/elsewhere"})
    cookie = page.headers["Set-Cookie"]
    assert page.status == 200 and cookie is not None
    # X-Forwarded-Proto reached the server: the owners' cookie is Secure, scoped to /admin.
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert "Secure" in attributes and "Path=/admin" in attributes
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
    assert token is not None
    form = f"email={OWNER.replace('@', '%40')}&password={PASSWORD.replace(' ', '+')}"
    login = call(
        deployment,
        "POST",
        "/admin/login",
        headers={
            "Cookie": cookie.split(";", 1)[0],
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://widgets.example",
        },
        body=f"{form}&csrf_token={token[1].decode()}".encode(),
    )
    assert login.status in (302, 303), login.body
    session = login.headers["Set-Cookie"].split(";", 1)[0]
    sites = call(deployment, "GET", "/admin/", headers={"Cookie": session})
    assert sites.status == 200 and b"Shop" in sites.body
    for path in ("/v1/loader.js", f"/v1/sites/{deployment.site['public_key']}/config", "/healthz"):
        answer = call(deployment, "GET", path, headers={"Cookie": session})
        assert answer.headers.get_all("Set-Cookie") is None, path


# --- nginx's own answers -----------------------------------------------------------------------


def test_bodies_over_an_endpoints_limit_are_refused_by_nginx_in_the_error_shape(deployment):
    too_big = b"x" * (64 * 1024 + 1)
    answer = call(
        deployment, "POST", "/v1/events", headers={"Content-Type": "text/plain"}, body=too_big
    )
    assert answer.status == 413
    assert answer.json()["error"] == "body_too_large"
    # At the limit itself the server decides (here: not JSON).
    at_limit = call(
        deployment,
        "POST",
        "/v1/events",
        headers={"Content-Type": "text/plain"},
        body=too_big[:-1],
    )
    assert (at_limit.status, at_limit.json()["error"]) == (400, "malformed_json")


def test_a_malformed_chunked_body_is_refused_by_nginx_in_the_error_shape(deployment):
    with connect(deployment.proxy.https_port, deployment.proxy.context) as s:
        s.sendall(
            b"POST /v1/events HTTP/1.1\r\nHost: widgets.example\r\n"
            b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nabc\r\n0\r\n\r\n"
        )
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"] == "bad_request"


def test_plain_http_is_sent_to_https(deployment):
    with socket.create_connection(("127.0.0.1", deployment.proxy.http_port), timeout=10) as s:
        s.sendall(
            b"GET /v1/loader.js HTTP/1.1\r\nHost: widgets.example\r\nConnection: close\r\n\r\n"
        )
        head = s.recv(4096).decode()
    assert head.startswith("HTTP/1.1 301")
    assert "Location: https://widgets.example/v1/loader.js" in head


def test_the_access_log_holds_no_client_address(deployment):
    call(deployment, "GET", "/healthz")
    log = deployment.proxy.access_log.read_text()
    assert "/healthz" in log
    assert "127.0.0.1" not in log


def test_the_access_log_holds_no_claim_secret(deployment):
    secret = "ClaimSecretThatMustNotBeLogged01"
    assert call(deployment, "GET", f"/r/{secret}").status == 404
    # nginx writes the line once the answer is sent: wait for it rather than race it.
    deadline = time.monotonic() + 10
    log = deployment.proxy.access_log.read_text()
    while '"GET /r/' not in log and time.monotonic() < deadline:
        time.sleep(0.05)
        log = deployment.proxy.access_log.read_text()
    assert '"GET /r/(claim)" 404' in log
    assert secret not in log
