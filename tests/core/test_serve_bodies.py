"""Broken and stalled request bodies against a real gunicorn (``widgetserver serve``).

The bodies go over raw sockets, as an attacker sends them: gunicorn's own parser meets them
while the app reads the body, so only a real server shows what a client gets.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from widgetserver.core.db import db

from ..conftest import BROWSER_UA, make_app, make_site
from ..live import WIDGETSERVER, free_port, wait_ready

ORIGIN = "https://shop.example"
#: How long the test waits for any answer: far longer than ``--body-timeout`` below and far
#: shorter than gunicorn's worker timeout (30 s), after which a held worker would be killed.
ANSWER_WAIT = 15
TIMEOUT = ("--body-timeout", "1")
#: Each endpoint with the media type it takes.
ENDPOINTS = [
    ("/v1/events", "text/plain"),
    ("/v1/conversions", "application/json"),
    ("/v1/conversions/browser", "text/plain"),
    ("/v1/referrals", "text/plain"),
    ("/admin/login", "application/x-www-form-urlencoded"),
]
CHUNKED = "Transfer-Encoding: chunked\r\n"
BROKEN = {
    "not hex": b"zz\r\nabc\r\n0\r\n\r\n",
    "no chunk terminator": b"3\r\nabcXX0\r\n\r\n",
    "negative size": b"-3\r\nabc\r\n0\r\n\r\n",
}
#: Bodies that stop and wait: the client keeps the connection open and sends nothing more.
STALLED = {
    "shorter than Content-Length": ("Content-Length: 100\r\n", b'{"site":'),
    "stopped mid-chunk": (CHUNKED, b"10\r\nabc"),
}


@dataclass
class Served:
    port: int
    site_key: str
    log: Path

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    instance = tmp_path_factory.mktemp("served")
    database = instance / "widgetserver.sqlite3"
    shutil.copy(sqlite_template, database)
    app = make_app(f"sqlite:///{database}", instance, None)
    site = make_site(app, origin=ORIGIN)
    db.dispose(app)
    env = {**os.environ, "WIDGETSERVER_INSTANCE_PATH": str(instance)}
    env.pop("WIDGETSERVER_DATABASE_URL", None)
    port = free_port()
    log = instance / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [WIDGETSERVER, "serve", *("--port", str(port), "--workers", "2"), *TIMEOUT],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        yield Served(port, site.key, log)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _send(served: Served, path: str, head: str, body: bytes) -> socket.socket:
    """Open a connection and send a request line, headers and (part of) a body."""
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=ANSWER_WAIT)
    request = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n{head}\r\n"
    sock.sendall(request.encode() + body)
    return sock


def _answer(sock: socket.socket) -> tuple[int, str]:
    """The status and the body of the answer; the server closes the connection after it."""
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode()


def _error_word(path: str, body: str) -> str:
    if path.startswith("/v1/"):
        answer = json.loads(body)
        assert set(answer) == {"error", "message"}
        return answer["error"]
    # The owners' pages show people the same words on a page.
    return "malformed_body" if "<code>malformed_body</code>" in body else body


def _no_traceback(served: Served) -> None:
    output = served.output()
    assert "Traceback" not in output
    assert "[ERROR]" not in output


@pytest.mark.parametrize("name", BROKEN)
@pytest.mark.parametrize(("path", "media_type"), ENDPOINTS)
def test_a_broken_chunked_body_is_a_400_on_every_endpoint(served, path, media_type, name):
    sock = _send(served, path, f"Content-Type: {media_type}\r\n{CHUNKED}", BROKEN[name])
    status, body = _answer(sock)
    assert (status, _error_word(path, body)) == (400, "malformed_body")
    _no_traceback(served)


@pytest.mark.parametrize("name", STALLED)
@pytest.mark.parametrize(("path", "media_type"), ENDPOINTS)
def test_a_stalled_body_is_answered_408_after_the_body_timeout(served, path, media_type, name):
    framing, part = STALLED[name]
    sock = _send(served, path, f"Content-Type: {media_type}\r\n{framing}", part)
    status, body = _answer(sock)
    if path.startswith("/v1/"):
        assert (status, json.loads(body)["error"]) == (408, "body_timeout")
    else:
        assert (status, "<code>body_timeout</code>" in body) == (408, True)
    _no_traceback(served)


#: A whole, valid body of each endpoint (only its Content-Length is wrong below).
WHOLE = {
    "/v1/events": b'{"site":"pk_x","events":[{"type":"visit","code":"abcdef"}]}',
    "/v1/conversions": b'{"order_id":"1","amount":"1.00","currency":"EUR","status":"paid"}',
    "/v1/conversions/browser": b'{"site":"pk_x","order_id":"1","amount":"1.00","currency":"EUR"}',
    "/v1/referrals": b'{"site":"pk_x"}',
    "/admin/login": b"email=a%40b.example&password=x",
}


@pytest.mark.parametrize(("path", "media_type"), ENDPOINTS)
def test_a_body_cut_short_by_a_closed_connection_is_a_400(served, path, media_type):
    """The client declares more than it sends and closes its side: the body did not arrive."""
    body = WHOLE[path]
    head = f"Content-Type: {media_type}\r\nContent-Length: {len(body) + 50}\r\n"
    sock = _send(served, path, head, body)
    sock.shutdown(socket.SHUT_WR)
    status, answer = _answer(sock)
    assert (status, _error_word(path, answer)) == (400, "malformed_body")
    _no_traceback(served)


def test_stalled_clients_on_every_worker_do_not_keep_the_server_from_answering(served):
    """Both workers held by clients that stopped sending; the next request is still answered."""
    framing, part = STALLED["stopped mid-chunk"]
    stalled = [
        _send(served, "/v1/events", f"Content-Type: text/plain\r\n{framing}", part)
        for _ in range(2)
    ]
    answers: list[int] = []
    threads = [threading.Thread(target=lambda s=s: answers.append(_answer(s)[0])) for s in stalled]
    for thread in threads:
        thread.start()
    url = f"http://127.0.0.1:{served.port}/healthz"
    with urllib.request.urlopen(url, timeout=ANSWER_WAIT) as response:
        assert response.status == 200
    for thread in threads:
        thread.join(ANSWER_WAIT)
    assert answers == [408, 408]


def test_after_the_broken_bodies_a_whole_one_is_accepted(served):
    event = {"type": "share", "code": "whole-body", "channel": "x", "url": f"{ORIGIN}/p"}
    body = json.dumps({"site": served.site_key, "events": [event]}).encode()
    head = (
        f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\nUser-Agent: {BROWSER_UA}\r\n"
    )
    sock = _send(served, "/v1/events", head, body)
    status, answer = _answer(sock)
    assert (status, json.loads(answer)["accepted"]) == (202, 1)
    _no_traceback(served)
