"""``signatures.json``: signed server-to-server requests, and how the server decides them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from widgetserver.core import signing

from . import (
    FORMAT,
    GENERATED_BY,
    NOW,
    ORDER,
    OTHER_SECRET,
    PREVIOUS_SECRET,
    PUBLIC_KEY,
    SECRET,
    TOLERANCE,
    b64,
)


@dataclass(frozen=True)
class Request:
    name: str
    description: str
    method: str
    path: str
    body: bytes


REQUESTS = [
    Request(
        "conversion",
        "POST /v1/conversions, the worked example of docs/api.md section 4",
        "POST",
        "/v1/conversions",
        b'{"order_id":"1001","amount":"59.90","currency":"EUR","status":"placed","ref":"k7Qx2mPa9Z"}',
    ),
    Request(
        "stats",
        "GET of the stats API: the path with its query string, an empty body (docs/api.md section 7)",
        "GET",
        f"/v1/sites/{PUBLIC_KEY}/stats?from=2026-05-01&to=2026-05-31",
        b"",
    ),
    Request(
        "referral",
        "POST of a customer's referral link, the worked example of docs/api.md section 8",
        "POST",
        f"/v1/sites/{PUBLIC_KEY}/referrals",
        b'{"customer_ref":"cust-4711","url":"https://shop.example/account"}',
    ),
    Request(
        "rewards",
        "GET of the due rewards (docs/api.md section 9): the path with its query, an empty body",
        "GET",
        f"/v1/sites/{PUBLIC_KEY}/rewards?status=due",
        b"",
    ),
    Request(
        "handout",
        "POST of a reward's hand-out (docs/api.md section 9), the body {}",
        "POST",
        f"/v1/sites/{PUBLIC_KEY}/rewards/7/handout",
        b"{}",
    ),
    Request(
        "offer",
        "POST of the friend's coupon for a captured code (docs/api.md section 9)",
        "POST",
        f"/v1/sites/{PUBLIC_KEY}/offers",
        b'{"ref":"3k9w0q7zt1m4x8c2p5r6v","visitor":"sess-5f2a"}',
    ),
    Request(
        "conversion_non_ascii_body",
        "a body with non-ASCII characters, sent as UTF-8: the signature covers the bytes",
        "POST",
        "/v1/conversions",
        json.dumps(
            {
                **ORDER,
                "order_id": "1002",
                "status": "paid",
                "ref": None,
                "items": [{"sku": "MUG-1", "name": "Tasse „Grüße aus Köln“, 0,3 l", "quantity": 1}],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode(),
    ),
]
BY_NAME = {request.name: request for request in REQUESTS}


def signature_vector(request: Request) -> dict[str, Any]:
    headers = signing.signed_headers(
        PUBLIC_KEY, SECRET, request.method, request.path, request.body, NOW
    )
    return {
        "name": request.name,
        "description": request.description,
        "public_key": PUBLIC_KEY,
        "secret": SECRET,
        "timestamp": str(NOW),
        "method": request.method,
        "path": request.path,
        "body": request.body.decode(),
        "body_base64": b64(request.body),
        "headers": headers,
    }


@dataclass(frozen=True)
class Check:
    """One request as the server receives it; ``reason`` None means it is accepted."""

    name: str
    description: str
    reason: str | None
    request: str = "conversion"
    signed_with: str = SECRET
    secrets: tuple[str, ...] = (SECRET,)
    now: int = NOW
    signature: Callable[[str], str | None] = lambda sig: sig
    timestamp: str | None = str(NOW)
    received: dict[str, Any] = field(default_factory=dict)  # method, path or body as received


def upper_hex(sig: str) -> str:
    return signing.SIGNATURE_PREFIX + sig.removeprefix(signing.SIGNATURE_PREFIX).upper()


CHECKS = [
    *(
        Check(f"{r.name}_as_signed", f"{r.description}, as signed", None, request=r.name)
        for r in REQUESTS
    ),
    Check("upper_case_hex", "the hex digits in upper case", None, signature=upper_hex),
    Check("upper_case_prefix", "SHA256= in upper case", None, signature=str.upper),
    Check(
        "previous_secret_during_grace",
        "signed with the replaced secret while a rotation's grace period runs",
        None,
        signed_with=PREVIOUS_SECRET,
        secrets=(SECRET, PREVIOUS_SECRET),
    ),
    Check("late_at_tolerance", "received exactly `tolerance` s later", None, now=NOW + TOLERANCE),
    Check("early_at_tolerance", "the shop's clock `tolerance` s ahead", None, now=NOW - TOLERANCE),
    Check(
        "stale",
        "received one second beyond the tolerance",
        "timestamp_out_of_tolerance",
        now=NOW + TOLERANCE + 1,
    ),
    Check(
        "from_the_future",
        "the shop's clock one second beyond the tolerance ahead",
        "timestamp_out_of_tolerance",
        now=NOW - TOLERANCE - 1,
    ),
    Check(
        "wrong_secret",
        "signed with another site's secret",
        "signature_invalid",
        signed_with=OTHER_SECRET,
    ),
    Check(
        "tampered_body",
        "the body changed after signing",
        "signature_invalid",
        received={"body": BY_NAME["conversion"].body.replace(b"59.90", b"5.90")},
    ),
    Check(
        "tampered_query",
        "the query string changed after signing",
        "signature_invalid",
        request="stats",
        received={"path": BY_NAME["stats"].path.replace("2026-05-31", "2026-06-30")},
    ),
    Check(
        "other_method",
        "signed as GET, sent as POST",
        "signature_invalid",
        request="stats",
        received={"method": "POST"},
    ),
    Check(
        "without_prefix",
        "the hex digest without `sha256=`",
        "signature_invalid",
        signature=lambda sig: sig.removeprefix(signing.SIGNATURE_PREFIX),
    ),
    Check(
        "signature_missing",
        "no X-SWK-Signature header",
        "signature_missing",
        signature=lambda sig: None,
    ),
    Check("timestamp_missing", "no X-SWK-Timestamp header", "signature_missing", timestamp=None),
    Check(
        "timestamp_in_milliseconds",
        "a timestamp in milliseconds",
        "timestamp_invalid",
        timestamp=str(NOW * 1000),
    ),
    Check(
        "timestamp_fraction",
        "a timestamp with a fraction",
        "timestamp_invalid",
        timestamp=f"{NOW}.5",
    ),
]


def check_vector(check: Check) -> dict[str, Any]:
    signed = BY_NAME[check.request]
    sent = {"method": signed.method, "path": signed.path, "body": signed.body, **check.received}
    signature = signing.request_signature(
        check.signed_with, str(NOW), signed.method, signed.path, signed.body
    )
    return {
        "name": check.name,
        "description": check.description,
        "secrets": list(check.secrets),
        "timestamp": check.timestamp,
        "signature": check.signature(signature),
        "method": sent["method"],
        "path": sent["path"],
        "body_base64": b64(sent["body"]),
        "now": check.now,
        "tolerance": TOLERANCE,
        "valid": check.reason is None,
        "reason": check.reason,
    }


def signatures_document() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "description": (
            "Signed server-to-server requests (docs/api.md section 4). `signatures`: inputs and"
            " the three headers a plugin sends. `checks`: requests as the server receives them"
            " and whether it accepts them, with the refusal's `error` reason otherwise."
            " Bodies are the exact bytes in `body_base64` (`body` is the same bytes as UTF-8"
            " text); a null `timestamp` or `signature` means the header is absent."
        ),
        "generated_by": GENERATED_BY,
        "algorithm": (
            'X-SWK-Signature: sha256=HEX(HMAC_SHA256(secret, timestamp + "." + METHOD + "."'
            ' + path_with_query + "." + raw_body))'
        ),
        "rules": [
            "X-SWK-Timestamp and X-SWK-Signature present, else signature_missing",
            "X-SWK-Timestamp is 1 to 12 ASCII digits (unix seconds), else timestamp_invalid",
            "|now - timestamp| <= tolerance, else timestamp_out_of_tolerance",
            "the signature, trimmed and lower-cased, equals sha256=HEX for one of the site's"
            " secrets (the current one; during a rotation's grace period also the previous"
            " one), compared in constant time, else signature_invalid",
        ],
        "tolerance": TOLERANCE,
        "signatures": [signature_vector(request) for request in REQUESTS],
        "checks": [check_vector(check) for check in CHECKS],
    }
