"""The signed server-to-server client, against a live widget server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from widgetserver.core import signing
from widgetserver.web.client import DeliveryError, SignedClient, customer_ref

from ..live import serving


def order(order_id: str = "1001", **fields: object) -> dict[str, object]:
    body = {"order_id": order_id, "amount": "59.90", "currency": "EUR", "status": "placed"}
    return {**body, "ref": None, **fields}


@pytest.fixture
def live(app):
    with serving(app) as server:
        yield server


@pytest.fixture
def signed(live, site, clock) -> SignedClient:
    return SignedClient(live.url, site.key, site.secret, now=lambda: clock().timestamp())


def test_a_signed_report_is_accepted_and_a_repeat_is_recognised(signed):
    status, answer = signed.post("/v1/conversions", order())
    assert status == 201
    assert answer["verified"] is True
    assert answer["amount"] == "59.90"

    status, answer = signed.post("/v1/conversions", order())
    assert (status, answer["repeat"]) == (200, True)


def test_prepared_bytes_are_sent_as_they_are(signed):
    raw = b'{"order_id": "1002", "amount": "5.00", "currency": "EUR", "status": "paid"}'
    status, answer = signed.post("/v1/conversions", raw)
    assert (status, answer["status"]) == (201, "paid")


def test_a_refusal_is_returned_not_raised(live, site, clock, signed):
    status, answer = signed.post("/v1/conversions", order(amount=59.9))
    assert (status, answer["error"]) == (400, "invalid_field")

    signed.post("/v1/conversions", order(status="paid"))
    status, answer = signed.post("/v1/conversions", order(status="placed"))
    assert (status, answer["error"]) == (409, "status_regression")

    wrong = SignedClient(live.url, site.key, "sk_wrong", now=lambda: clock().timestamp())
    status, answer = wrong.post("/v1/conversions", order())
    assert (status, answer["error"]) == (401, "signature_invalid")


def test_the_request_is_signed_when_sent(live, site, clock):
    late = SignedClient(live.url, site.key, site.secret, now=lambda: clock().timestamp() - 301)
    status, answer = late.post("/v1/conversions", order())
    assert (status, answer["error"]) == (401, "timestamp_out_of_tolerance")


def test_the_path_is_signed_as_sent_including_a_prefix(clock):
    seen = {}

    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        seen["target"] = environ["REQUEST_URI"]
        signing.verify_request(
            ["sk_secret"],
            timestamp=environ["HTTP_X_SWK_TIMESTAMP"],
            signature=environ["HTTP_X_SWK_SIGNATURE"],
            method=environ["REQUEST_METHOD"],
            path=environ["REQUEST_URI"],
            body=body,
            now=clock().timestamp(),
            tolerance=300,
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    with serving(app) as server:
        client = SignedClient(
            f"{server.url}/widgets/", "pk_x", "sk_secret", now=lambda: clock().timestamp()
        )
        assert client.post("/v1/conversions?dry=1", order()) == (200, {"ok": True})
    assert seen["target"] == "/widgets/v1/conversions?dry=1"


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_raises_a_retryable_error(closed_port):
    client = SignedClient(f"http://127.0.0.1:{closed_port}", "pk_x", "sk_x")
    with pytest.raises(DeliveryError, match="cannot be reached"):
        client.post("/v1/conversions", order())


@pytest.fixture
def failing() -> Iterator[str]:
    def app(environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [b'{"error": "database_unavailable", "message": "Later."}']

    with serving(app) as server:
        yield server.url


def test_a_server_error_raises_a_retryable_error(failing):
    with pytest.raises(DeliveryError, match="failed with 503"):
        SignedClient(failing, "pk_x", "sk_x").post("/v1/conversions", order())


def test_a_redirect_is_not_followed():
    def app(environ, start_response):
        start_response("308 Permanent Redirect", [("Location", "https://elsewhere.invalid/")])
        return [b""]

    with serving(app) as server, pytest.raises(DeliveryError, match="redirected"):
        SignedClient(server.url, "pk_x", "sk_x").post("/v1/conversions", order())


def test_a_server_that_does_not_answer_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(DeliveryError):
            SignedClient(url, "pk_x", "sk_x", timeout=0.2).post("/v1/conversions", order())


def test_only_web_addresses_are_accepted():
    with pytest.raises(ValueError, match="https://"):
        SignedClient("file:///etc/passwd", "pk_x", "sk_x")


def test_customer_ref_is_a_keyed_pseudonym_of_the_normalised_address():
    ref = customer_ref("sk_one", "Anna@Example.org")
    assert ref == customer_ref("sk_one", "  anna@example.org\n")
    assert len(ref) == 64 and int(ref, 16) >= 0
    assert ref != customer_ref("sk_two", "anna@example.org")
    assert "anna" not in ref
