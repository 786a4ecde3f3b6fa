"""Conversions: signed server-to-server reports and unverified browser reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify
from sqlalchemy.orm import Session

from .. import orders, rewards
from ..core import clock
from ..core.db import db
from ..ingest import visitors
from ..web import jsonbody, requestinfo
from . import bp, browser
from .signed import signed_site

#: How a browser report refused over a rate limit is counted in ``ingest_drops``.
CONVERSION_RATE_LIMITED = "conversion_rate_limited"


def _record(session: Session, site: orders.SiteLike, report: orders.Report, now: datetime) -> Any:
    """Record the report and keep the order's reward (if it came through a referral link) in
    step, in one transaction: a reward never disagrees with its order."""
    outcome = orders.record(session, site, report, now)
    reward = rewards.sync(session, site, outcome.conversion, now)
    answer = orders.state(outcome)
    if reward is not None:
        answer["reward"] = {"id": reward.id, "status": reward.status}
        if reward.void_reason:
            answer["reward"]["void_reason"] = reward.void_reason
    return outcome, answer


def _reply(outcome: orders.Outcome, answer: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(answer), 201 if outcome.created else 200


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
    report.from_server = True
    with db.writing() as session:
        outcome, answer = _record(session, site, report, now)
    return _reply(outcome, answer)


@bp.post("/conversions/browser")
def report_browser_conversion() -> tuple[Response, int]:
    """An order as a thank-you page reports it: unverified unless the shop's token vouches.

    Limited per client and site (``BROWSER_CONVERSIONS_LIMIT_*``): a worker that knows a key
    full refuses at once; otherwise the report is counted in its own write transaction.
    """
    data, site, now = browser.read_request(current_app.config["EVENTS_MAX_BYTES"])
    limiter, charges = browser.charges("conversions", "BROWSER_CONVERSIONS", site, now, *_LIMITED)
    address = requestinfo.client_ip()
    token = data.get("token")
    verified = token is not None
    if verified:
        data = {**data, **_token_claims(site.id, token, data, now)}
    else:
        data = {**data, "status": "placed"}
    report = orders.parse_report(
        data, verified=verified, now=now, tolerance=current_app.config["SIGNATURE_TOLERANCE"]
    )
    report.visitor_hash = visitors.visitor_hash(site.id, address, requestinfo.user_agent(), now)
    with db.writing() as session:
        settled = limiter.settle_in(session, [charges])
        over = settled.refused[0]
        recorded = None if over else _record(session, site, report, now)
    limiter.remember(settled)
    if over is not None:
        raise browser.rate_limited(site, over, now, *_LIMITED)
    assert recorded is not None
    return _reply(*recorded)


def _token_claims(
    site_id: int, token: object, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Check the shop's token matches the report; it decides the status of the order.

    A token that does not verify is a ``403``: the page's origin was accepted, the shop's
    voucher was not (a request signature that does not verify is a ``401``, ``signed.py``).
    """
    claims = browser.token_claims(
        site_id, orders.CONVERSION_TOKEN, token, now, orders.CONVERSION_TOKEN_MAX_AGE
    )
    return {"status": orders.vouched_status(claims, data)}


#: How a refusal over the limits is counted and said.
_LIMITED = (
    CONVERSION_RATE_LIMITED,
    "Too many order reports from {who} this minute; nothing was stored.",
)
