"""Requests to the deployment, through nginx over TLS or straight to the server."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from dataclasses import dataclass
from email.message import Message

from widgetserver.core.signing import signed_headers

from .conftest import Deployment

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36"
#: A generous bound for an answer that must come; no timing is measured.
ANSWERS_WITHIN = 5.0
#: How long a starved server is given to answer anyway.
STARVED_FOR = 3.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def send(
    port: int,
    method: str,
    target: str,
    *,
    context: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10,
) -> Answer:
    """One request to ``port`` on loopback (over TLS with ``context``), ``target`` as given."""
    connection = (
        http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
        if context
        else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    )
    try:
        connection.request(
            method, target, body=body, headers={"Host": "widgets.example", **(headers or {})}
        )
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def call(
    deployment: Deployment,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    direct: bool = False,
    timeout: float = 10,
) -> Answer:
    """One request, with ``target`` sent byte for byte (through nginx unless ``direct``)."""
    proxy = deployment.proxy
    if direct:
        port, context = int(deployment.direct.rsplit(":", 1)[1]), None
    else:
        port, context = proxy.https_port, proxy.context
    return send(port, method, target, context=context, headers=headers, body=body, timeout=timeout)


def healthz_answers(deployment: Deployment, *, direct: bool, within: float) -> bool:
    """Whether ``/healthz`` answers within ``within`` seconds."""
    try:
        return call(deployment, "GET", "/healthz", direct=direct, timeout=within).status == 200
    except TimeoutError:
        return False


def post_share(deployment: Deployment, code: str, **extra: str) -> Answer:
    """A share click as a browser on the shop's page posts it (``extra``: more headers)."""
    event = {"type": "share", "code": code, "channel": "x", "url": "https://shop.example/p"}
    body = json.dumps({"site": deployment.site["public_key"], "events": [event]}).encode()
    headers = {
        "Origin": "https://shop.example",
        "Content-Type": "text/plain",
        "User-Agent": BROWSER_UA,
        **extra,
    }
    return call(deployment, "POST", "/v1/events", headers=headers, body=body)


def signed_call(deployment: Deployment, method: str, target: str, body: bytes = b"") -> Answer:
    """A request signed over ``target`` exactly as it is sent, as a shop's server does."""
    site = deployment.site
    headers = signed_headers(
        site["public_key"], site["secret"], method, target, body, int(time.time())
    )
    if body:
        headers["Content-Type"] = "application/json"
    return call(deployment, method, target, headers=headers, body=body or None)
