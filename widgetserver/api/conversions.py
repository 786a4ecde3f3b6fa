"""Conversions: signed server-to-server reports and unverified browser reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify

from .. import orders, sites
from ..core import clock, signing
from ..core.db import db
from ..ingest import visitors
from ..models import Site
from ..web import jsonbody, requestinfo
from ..web.errors import ApiError
from . import bp
from .events import BROWSER_BODY_TYPES
from .signed import signed_site

#: Purpose of the token a shop's backend gives its thank-you page to verify a browser report.
CONVERSION_TOKEN = "conversion"  # noqa: S105 - a purpose, not a secret
#: A thank-you page is shown right after the order; a day is generous.
CONVERSION_TOKEN_MAX_AGE = 24 * 3600


def _reply(outcome: orders.Outcome) -> tuple[Response, int]:
    return jsonify(orders.state(outcome)), 201 if outcome.created else 200


@bp.post("/conversions")
def report_conversion() -> tuple[Response, int]:
    jsonbody.require_content_type("application/json")
    # Read, authenticate and validate before taking the write lock: a slow or forged request
    # must never hold up the server's writers.
    site, body = signed_site(db.session, current_app.config["CONVERSIONS_MAX_BYTES"])
    data = jsonbody.require_object(jsonbody.parse(body))
    now = clock.now()
    report = orders.parse_report(
        data, verified=True, now=now, tolerance=current_app.config["SIGNATURE_TOLERANCE"]
    )
    with db.writing() as session:
        return _reply(orders.record(session, site, report, now))


@bp.post("/conversions/browser")
def report_browser_conversion() -> tuple[Response, int]:
    jsonbody.require_content_type(*BROWSER_BODY_TYPES)
    body = jsonbody.read_body(current_app.config["EVENTS_MAX_BYTES"])
    data = jsonbody.require_object(jsonbody.parse(body))
    now = clock.now()
    site = sites.require_public(data.get("site"), now)
    sites.require_origin(site, requestinfo.origin())
    token = data.get("token")
    verified = token is not None
    if verified:
        data = {**data, **_token_claims(site.id, token, data, now)}
    else:
        data = {**data, "status": "placed"}
    report = orders.parse_report(
        data, verified=verified, now=now, tolerance=current_app.config["SIGNATURE_TOLERANCE"]
    )
    report.visitor_hash = visitors.visitor_hash(
        site.id, requestinfo.client_ip(), requestinfo.user_agent(), now
    )
    with db.writing() as session:
        return _reply(orders.record(session, site, report, now))


def _token_claims(
    site_id: int, token: object, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Check the shop's token matches the report; it decides the status of the order.

    A token that does not verify is a ``403``: the page's origin was accepted, the shop's
    voucher was not (a request signature that does not verify is a ``401``, ``signed.py``).
    """
    site = db.session.get(Site, site_id)  # secrets are read afresh, never from a cache
    if site is None or not site.active:
        raise ApiError(404, "unknown_site", "No active site has this public key.")
    try:
        claims = signing.read_token(
            sites.verifying_secrets(site, now),
            CONVERSION_TOKEN,
            token,
            now.timestamp(),
            CONVERSION_TOKEN_MAX_AGE,
        )
    except signing.SignatureError as exc:
        raise ApiError(403, exc.reason, exc.message) from None
    return {"status": orders.vouched_status(claims, data)}
