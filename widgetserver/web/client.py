"""A small client for the signed server-to-server API, using only the standard library.

This is what a shop's backend (or a plugin) needs to report conversions::

    client = SignedClient("https://widgets.example", "pk_...", "sk_...")
    status, answer = client.post("/v1/conversions", {"order_id": "1001", ...})
    status, answer = client.get("/v1/sites/pk_.../rewards?status=due")

The body is serialised once and exactly those bytes are signed and sent. A network failure or
a 5xx answer raises ``DeliveryError``: the report did not arrive and may be sent again later.
A 4xx answer is returned: the widget server has decided, and sending the same report again
would get the same answer.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..core.signing import signed_headers

USER_AGENT = "social-widget-kit-client/1"


class DeliveryError(Exception):
    """The request did not reach the widget server, or the server failed: try again later."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would lose its body and its signature would not match the new path.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def encode(body: Mapping[str, Any]) -> bytes:
    """The bytes a body is sent as (compact UTF-8 JSON)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def customer_ref(secret: str, email: str) -> str:
    """A pseudonymous reference of a customer: the same e-mail always gives the same value.

    Sent with conversions so the widget server can recognise a referrer buying through their
    own link without ever learning the address.
    """
    normalised = email.strip().lower().encode()
    return hmac.new(secret.encode(), normalised, hashlib.sha256).hexdigest()


class SignedClient:
    """Signed JSON requests to one widget server for one site."""

    def __init__(
        self,
        base_url: str,
        public_key: str,
        secret: str,
        timeout: float = 5.0,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"{base_url!r} must start with https:// (or http://)")
        self.base_url = base_url.rstrip("/")
        self.public_key = public_key
        self.secret = secret
        self.timeout = timeout
        self.now = now
        self._opener = urllib.request.build_opener(_NoRedirects)

    def post(self, path: str, body: Mapping[str, Any] | bytes) -> tuple[int, Any]:
        """Send ``body`` (a dict, or JSON already encoded) to ``path``; signed at send time.

        Returns the status and the decoded JSON answer (None if the answer is not JSON).
        """
        raw = body if isinstance(body, bytes) else encode(body)
        return self._send("POST", path, raw)

    def get(self, path: str) -> tuple[int, Any]:
        """A signed ``GET`` of ``path`` (with its query string, which is signed too)."""
        return self._send("GET", path, None)

    def _send(self, method: str, path: str, raw: bytes | None) -> tuple[int, Any]:
        url = self.base_url + path
        # The server checks the path exactly as it receives it, including any prefix.
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            **signed_headers(
                self.public_key, self.secret, method, signed_path, raw or b"", int(self.now())
            ),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if raw is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=raw, headers=headers, method=method)  # noqa: S310 - http(s) only, checked above
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as exc:
            try:
                answer = _decode(exc.read())
            finally:
                exc.close()
            if 400 <= exc.code < 500:
                return exc.code, answer
            what = "redirected elsewhere" if exc.code < 400 else f"failed with {exc.code}"
            raise DeliveryError(f"{url} {what}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DeliveryError(f"{url} cannot be reached: {reason}") from None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
