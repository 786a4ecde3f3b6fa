"""The friend's coupon: ``POST /v1/offers`` (browser) and ``POST /v1/sites/{key}/offers`` (signed).

The browser endpoint is what the offer widget asks when a visitor arrived through a referral
link: origin-checked and rate limited per client and site like referral links; the visitor is
the daily visitor hash. The signed endpoint lets a shop's plugin read the friend's coupon for
the code it captured from the landing URL (to apply it in the cart); the shop names its own
visitor (a session id, say), of which only a keyed digest is kept.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify

from .. import rewards
from ..core import clock, fields, signing
from ..core.db import db
from ..core.errors import DomainError
from ..ingest import visitors
from ..web import jsonbody, requestinfo
from ..web.errors import ApiError
from . import bp, browser
from .signed import signed_site_at

#: How refused browser requests are counted in ``ingest_drops``.
OFFER_RATE_LIMITED = "offer_rate_limited"
MAX_BYTES = 2 * 1024
_VISITOR_PURPOSE = "offer-visitor"


@bp.post("/offers")
def friend_offer() -> tuple[Response, int]:
    data, site, now = browser.read_request(MAX_BYTES)
    code = _code(data.get("code"))
    limiter, charges = browser.charges("offers", "OFFERS", site, now, *_LIMITED)
    address = requestinfo.client_ip()
    visitor = visitors.visitor_hash(site.id, address, requestinfo.user_agent(), now)
    coupon: str | None = None
    refusal: DomainError | None = None
    with db.writing() as session:
        settled = limiter.settle_in(session, [charges])
        over = settled.refused[0]
        if over is None:
            # A refusal counts against the limits too (else guessing codes would be free):
            # the offer is tried in a savepoint, the charges are committed either way.
            try:
                with session.begin_nested():
                    coupon = rewards.offers.friend_coupon(session, site, code, visitor, now)
            except DomainError as exc:
                refusal = exc
    limiter.remember(settled)
    if over is not None:
        raise browser.rate_limited(site, over, now, *_LIMITED)
    if refusal is not None:
        raise refusal
    return _answer(coupon)


@bp.post("/sites/<key>/offers")
def site_offer(key: str) -> tuple[Response, int]:
    jsonbody.require_content_type("application/json")
    site, body = signed_site_at(db.session, key, MAX_BYTES)
    data = jsonbody.require_object(jsonbody.parse(body))
    code = _code(data.get("ref"), "ref")
    try:
        named = fields.text(data.get("visitor"), "visitor", 128)
    except fields.FieldError as exc:
        raise ApiError(400, "invalid_field", f"visitor: {exc.message}") from None
    visitor = signing.keyed_number(current_app.config["SECRET_KEY"], _VISITOR_PURPOSE, named)
    now = clock.now()
    with db.writing() as session:
        coupon = rewards.offers.friend_coupon(session, site, code, visitor, now)
    return _answer(coupon)


def _code(value: object, name: str = "code") -> str:
    try:
        return fields.code(value)
    except fields.FieldError as exc:
        raise ApiError(400, "invalid_field", f"{name}: {exc.message}") from None


def _answer(coupon: str | None) -> tuple[Response, int]:
    assert coupon is not None
    response = jsonify({"coupon": coupon})
    response.headers["Cache-Control"] = "private, no-store"
    return response, 200


#: How a refusal over the limits is counted and said.
_LIMITED = (
    OFFER_RATE_LIMITED,
    "Too many friends' coupons asked for by {who} this minute; none was given.",
)
