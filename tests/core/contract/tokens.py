"""``tokens.json``: site tokens of every purpose, and how the server reads them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from widgetserver import orders, referrals
from widgetserver.core import signing

from . import FORMAT, GENERATED_BY, LIFETIME, NOW, ORDER, OTHER_SECRET, PREVIOUS_SECRET, SECRET


@dataclass(frozen=True)
class Purpose:
    """A kind of site token: what the server reads it for, and example payloads (no ``exp``)."""

    name: str
    max_age: int
    description: str
    payloads: dict[str, dict[str, Any]]


PURPOSES = [
    Purpose(
        orders.CONVERSION_TOKEN,
        orders.CONVERSION_TOKEN_MAX_AGE,
        "verifies a browser conversion report (POST /v1/conversions/browser, docs/api.md"
        " section 5); order_id, amount and currency must equal the report's",
        {
            "docs_example": {**ORDER, "status": "paid"},
            "without_status": ORDER,
            "slash_and_non_ascii": {**ORDER, "order_id": "2026/Köln-17"},
        },
    ),
    Purpose(
        referrals.REFERRER_TOKEN,
        referrals.REFERRER_TOKEN_MAX_AGE,
        "names the referring customer of POST /v1/referrals (docs/api.md section 8); the same"
        " customer_ref always gets the same link, a token may be used until it expires",
        {
            "docs_example": {"customer_ref": "cust-4711"},
            "with_order": {"customer_ref": "cust-4711", "order_id": "1001"},
            "slash_and_non_ascii": {"customer_ref": "kunde/Jürgen-17"},
        },
    ),
]


def token_vectors(purpose: Purpose) -> list[dict[str, Any]]:
    expires_at = NOW + LIFETIME
    return [
        {
            "name": f"{purpose.name}_{name}",
            "purpose": purpose.name,
            "secret": SECRET,
            "payload": payload,
            "issued_at": NOW,
            "expires_at": expires_at,
            "payload_json": json.dumps({**payload, "exp": expires_at}, separators=(",", ":")),
            "token": signing.make_token(SECRET, purpose.name, payload, expires_at),
        }
        for name, payload in purpose.payloads.items()
    ]


def tampered_payload(token: str, change: dict[str, Any]) -> str:
    body, mac = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = json.dumps({**payload, **change}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(forged).rstrip(b"=").decode() + "." + mac


def tampered_signature(token: str) -> str:
    body, mac = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)))
    raw[0] ^= 1  # a changed byte; a changed last character may only touch padding bits
    return body + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@dataclass(frozen=True)
class TokenCheck:
    """One token as the server reads it; ``reason`` None means it is accepted."""

    name: str
    description: str
    reason: str | None
    now: int = NOW
    secret: str = SECRET
    secrets: tuple[str, ...] = (SECRET,)
    made_for: str | None = None  # another purpose than the one it is read for
    lifetime: int | None = None  # seconds from NOW to exp; None: LIFETIME
    forged: Callable[[str], str] = lambda token: token


TOKEN_CHECKS = [
    TokenCheck("as_made", "a token as made, read at once", None),
    TokenCheck("at_expiry", "read in the second it expires", None, now=NOW + LIFETIME),
    TokenCheck(
        "previous_secret_during_grace",
        "made with the replaced secret while a rotation's grace period runs",
        None,
        secret=PREVIOUS_SECRET,
        secrets=(SECRET, PREVIOUS_SECRET),
    ),
    TokenCheck(
        "expired", "read one second after it expired", "token_expired", now=NOW + LIFETIME + 1
    ),
    TokenCheck(
        "wrong_purpose", "made for another purpose", "token_invalid", made_for="not-{purpose}"
    ),
    TokenCheck(
        "wrong_secret", "made with another site's secret", "token_invalid", secret=OTHER_SECRET
    ),
    TokenCheck(
        "tampered_payload",
        "the payload changed after signing (exp a day later)",
        "token_invalid",
        forged=lambda token: tampered_payload(token, {"exp": NOW + LIFETIME + 86400}),
    ),
    TokenCheck(
        "tampered_signature",
        "one byte of the MAC changed",
        "token_invalid",
        forged=tampered_signature,
    ),
    TokenCheck(
        "not_a_token",
        "no `.` between payload and MAC",
        "token_invalid",
        forged=lambda token: token.replace(".", ""),
    ),
]


def token_checks(purpose: Purpose) -> list[dict[str, Any]]:
    """The checks above, and the edges of the purpose's ``max_age``, for its first payload."""
    checks = [
        *TOKEN_CHECKS,
        TokenCheck(
            "at_max_age", "valid for exactly `max_age` seconds", None, lifetime=purpose.max_age
        ),
        TokenCheck(
            "beyond_max_age",
            "valid for one second longer than `max_age`",
            "token_invalid",
            lifetime=purpose.max_age + 1,
        ),
    ]
    payload = next(iter(purpose.payloads.values()))
    vectors = []
    for check in checks:
        expires_at = NOW + (LIFETIME if check.lifetime is None else check.lifetime)
        made_for = (check.made_for or purpose.name).format(purpose=purpose.name)
        token = check.forged(signing.make_token(check.secret, made_for, payload, expires_at))
        vectors.append(
            {
                "name": f"{purpose.name}_{check.name}",
                "description": check.description,
                "purpose": purpose.name,
                "secrets": list(check.secrets),
                "token": token,
                "now": check.now,
                "max_age": purpose.max_age,
                "valid": check.reason is None,
                "reason": check.reason,
                "payload": {**payload, "exp": expires_at} if check.reason is None else None,
            }
        )
    return vectors


def token_body(token: str) -> bytes:
    body = token.split(".")[0]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def tokens_document() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "description": (
            "Site tokens (docs/api.md section 5), one set per purpose. `tokens`: inputs and the"
            " token string the shop's backend makes (`payload_json` is the exact JSON inside:"
            " the payload's keys in order, then exp; no spaces, non-ASCII as \\u escapes, `/`"
            " unescaped). `checks`: tokens as the server reads them, with the payload it accepts"
            " or the refusal's `error` reason."
        ),
        "generated_by": GENERATED_BY,
        "algorithm": (
            'B64URL(payload_json) + "." + B64URL(HMAC_SHA256(secret, purpose + "."'
            " + B64URL(payload_json))), B64URL = URL-safe base64 without padding"
        ),
        "rules": [
            "exactly one `.`, at most 4096 characters, else token_invalid",
            "the MAC equals the one for the purpose and one of the site's secrets, compared in"
            " constant time, else token_invalid (nothing is parsed before)",
            "the payload is a JSON object with an integer exp, else token_invalid",
            "exp >= now, else token_expired",
            "exp <= now + max_age, else token_invalid",
        ],
        "purposes": {
            purpose.name: {"max_age": purpose.max_age, "description": purpose.description}
            for purpose in PURPOSES
        },
        "tokens": [vector for purpose in PURPOSES for vector in token_vectors(purpose)],
        "checks": [check for purpose in PURPOSES for check in token_checks(purpose)],
    }
