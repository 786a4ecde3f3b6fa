"""Every secret, signature and keyed hash of the server, in one place.

* Site keys and secrets: ``new_public_key`` / ``new_secret``.
* Server-to-server requests (conversions, stats, rewards) carry
  ``X-SWK-Signature: sha256=HEX(HMAC_SHA256(secret, ts + "." + METHOD + "." + path + "." + body))``;
  ``verify_request`` checks it in constant time against the site's current (and, during a
  rotation's grace period, previous) secret and refuses timestamps outside the tolerance.
* Site tokens: small signed JSON payloads the shop's backend hands to a browser (a verified
  browser conversion; later, vote tokens). Each has an explicit *purpose*, mixed into the MAC so
  a token made for one purpose never verifies for another, and an expiry.
* Visitor hashes: a keyed 64-bit BLAKE2b hash of (site, IP, user agent) under the day's salt.
* Keyed digests (``keyed_digest``) for the owners' pages: login-failure counters, session binding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

SIGNATURE_PREFIX = "sha256="


class SignatureError(Exception):
    """A signed request or token that is refused; ``reason`` is a stable machine word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def new_public_key() -> str:
    return "pk_" + secrets.token_urlsafe(15)


def new_secret() -> str:
    return "sk_" + secrets.token_urlsafe(32)


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def request_signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The ``X-SWK-Signature`` value for a request (what a plugin sends)."""
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    return SIGNATURE_PREFIX + _mac(secret, message).hex()


def signed_headers(
    public_key: str, secret: str, method: str, path: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """All three headers of a signed server-to-server request."""
    ts = str(timestamp)
    return {
        "X-SWK-Site": public_key,
        "X-SWK-Timestamp": ts,
        "X-SWK-Signature": request_signature(secret, ts, method, path, body),
    }


def verify_request(
    candidate_secrets: Iterable[str],
    *,
    timestamp: str | None,
    signature: str | None,
    method: str,
    path: str,
    body: bytes,
    now: float,
    tolerance: int,
) -> None:
    """Raise ``SignatureError`` unless the request was signed with one of the secrets."""
    if not timestamp or not signature:
        raise SignatureError(
            "signature_missing", "X-SWK-Timestamp and X-SWK-Signature headers are required"
        )
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("timestamp_invalid", "X-SWK-Timestamp must be unix seconds")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError(
            "timestamp_out_of_tolerance",
            f"X-SWK-Timestamp is more than {tolerance} seconds away from the server's clock",
        )
    given = signature.strip().lower()
    if not given.startswith(SIGNATURE_PREFIX) or not given.isascii():
        raise SignatureError("signature_invalid", "X-SWK-Signature must be sha256=<hex>")
    for secret in candidate_secrets:
        expected = request_signature(secret, timestamp, method, path, body)
        if hmac.compare_digest(expected.encode(), given.encode()):
            return
    raise SignatureError("signature_invalid", "X-SWK-Signature does not match this request")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: str, purpose: str, payload: Mapping[str, Any], expires_at: int) -> str:
    """``b64url(json) + "." + b64url(HMAC_SHA256(secret, purpose + "." + b64url(json)))``."""
    body = _b64encode(json.dumps({**payload, "exp": expires_at}, separators=(",", ":")).encode())
    return body + "." + _b64encode(_mac(secret, f"{purpose}.{body}".encode()))


def read_token(
    candidate_secrets: Iterable[str], purpose: str, token: object, now: float, max_age: int
) -> dict[str, Any]:
    """The payload of a valid, unexpired token made for ``purpose``; else ``SignatureError``.

    A token may not be valid for longer than ``max_age`` seconds from now, whatever its
    maker wrote. Nothing of a token is parsed before its signature has been checked.
    """
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 4096:
        raise SignatureError("token_invalid", "the token is not in the expected format")
    body, mac = token.split(".")
    try:
        given = _b64decode(mac)
    except (ValueError, binascii.Error):
        raise SignatureError("token_invalid", "the token is not in the expected format") from None
    if not any(
        hmac.compare_digest(given, _mac(secret, f"{purpose}.{body}".encode()))
        for secret in candidate_secrets
    ):
        raise SignatureError("token_invalid", "the token's signature does not match")
    try:
        payload = json.loads(_b64decode(body))
    except (ValueError, binascii.Error, RecursionError):
        raise SignatureError("token_invalid", "the token is not in the expected format") from None
    expires = payload.get("exp") if isinstance(payload, dict) else None
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise SignatureError("token_invalid", "the token has no expiry")
    if expires < now:
        raise SignatureError("token_expired", "the token has expired")
    if expires > now + max_age:
        raise SignatureError("token_invalid", f"a token may be valid for {max_age} s at most")
    return payload


def visitor_hash(salt: bytes, site_id: int, ip: str, user_agent: str) -> int:
    """A signed 64-bit keyed BLAKE2b hash; without the day's salt it says nothing."""
    digest = hashlib.blake2b(
        f"{site_id}\n{ip}\n{user_agent}".encode(), digest_size=8, key=salt
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def keyed_digest(secret: str, purpose: str, value: str) -> str:
    """A keyed hash (hex) of ``value`` for one purpose: a stable name that reveals nothing.

    The owners' pages count login failures under such names (never the address or e-mail
    itself) and bind a session to the owner's current password hash with one.
    """
    return _mac(secret, f"{purpose}.{value}".encode()).hex()[:32]


def keyed_number(secret: str, purpose: str, value: str) -> int:
    """``keyed_digest`` as a signed 64-bit number, where a visitor hash stands: the visitor a
    shop's server names for a friend's offer (its session id, say) is kept only as this."""
    digest = bytes.fromhex(keyed_digest(secret, purpose, value)[:16])
    return int.from_bytes(digest, "big", signed=True)
