"""Recommend-a-friend in the demo shop: the buyer's referrer token and the friend's coupon.

Two more integration points, each the shop's server talking to the widget server:

5. The thank-you page places the recommend widget with a **referrer token** the shop makes
   with its site secret (``referrer_token``): the buyer is named only by the pseudonymous
   ``customer_ref`` the shop already sends with its orders, so the buyer's link and the
   rewards it earns are theirs, and the widget server never learns a name or an address.
6. A friend landing through a referral link gets the owner's coupon: the shop asks
   ``POST /v1/sites/{key}/offers`` (signed) for the code it captured from the landing URL,
   naming its own session as the visitor, keeps the coupon in the session and applies it
   at checkout. Asking never holds up the page for long and never fails it: a refusal (not a
   referral link, no coupon left) or an unreachable widget server simply means no coupon.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Blueprint, current_app, request, session

from ..core.signing import make_token
from ..referrals.token import REFERRER_TOKEN
from ..web.client import DeliveryError, SignedClient, customer_ref

log = logging.getLogger("widgetserver.demo")

#: A thank-you page may stay open for days; the server accepts at most 30.
TOKEN_DAYS = 30
COUPON = "friend_coupon"

bp = Blueprint("friends", __name__)


def referrer_token(site_secret: str, email: str, order_id: str, now: float) -> str:
    """Integration point 5: the token of the recommend widget on the buyer's thank-you page."""
    claims = {"customer_ref": customer_ref(site_secret, email), "order_id": order_id}
    return make_token(site_secret, REFERRER_TOKEN, claims, int(now) + TOKEN_DAYS * 86400)


def friend_coupon(client: SignedClient, code: str, visitor: str) -> str | None:
    """Integration point 6: the friend's coupon for a landing code, or None."""
    try:
        status, answer = client.post(
            f"/v1/sites/{client.public_key}/offers", {"ref": code, "visitor": visitor}
        )
    except DeliveryError as exc:
        log.info("no friend's coupon asked for: %s", exc)
        return None
    if status == 200 and isinstance(answer, dict) and isinstance(answer.get("coupon"), str):
        return answer["coupon"]
    return None  # not a referral link, no offer, or none left today: no coupon


@bp.before_app_request
def ask_for_the_friends_coupon() -> None:
    code = request.args.get("swk", "").strip()
    if not code or len(code) > 128 or not code.isprintable() or session.get(COUPON):
        return
    visitor = session.setdefault("visitor", secrets.token_urlsafe(12))
    client: SignedClient = current_app.extensions["outbox"].client
    coupon = friend_coupon(client, code, visitor)
    if coupon is not None:
        session[COUPON] = coupon


@bp.app_context_processor
def coupon_in_session() -> dict[str, Any]:
    return {"friend_coupon": session.get(COUPON)}
