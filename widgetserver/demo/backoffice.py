"""The demo's back office for rewards: due rewards listed and handed out through the signed API.

Integration point 6, as a plugin does it: the shop's server lists the site's due rewards
(``GET /v1/sites/{key}/rewards?status=due``), hands one out (``POST …/rewards/{id}/handout``:
the widget server assigns the coupon, once - asked again, it answers the same coupon) and tells
its customer in its own mail. The widget server never mails anyone; this page shows the mail
the shop would send instead of sending it. The shop finds the address for a reward's
``customer_ref`` in its own customer records (here: the orders it remembers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template
from werkzeug.wrappers import Response

from ..web.client import DeliveryError, SignedClient, customer_ref

bp = Blueprint("backoffice", __name__)


@dataclass(frozen=True)
class Mail:
    """The shop's own mail to a referrer, as it would send it."""

    to: str
    subject: str
    body: str


def _client() -> SignedClient:
    return current_app.extensions["outbox"].client


def _addresses() -> dict[str, str]:
    """customer_ref -> e-mail address, from the shop's own records."""
    shop = current_app.extensions["shop"]
    with shop.lock:
        emails = {order.email for order in shop.orders.values()}
    return {customer_ref(shop.site_secret, email): email for email in emails}


def mail_for(reward: dict[str, Any], to: str) -> Mail:
    coupon = reward.get("coupon")
    gift = (
        f"Your coupon: {coupon}\nUse it at checkout on your next order."
        if coupon
        else "We will credit your reward to your customer account."
    )
    body = (
        "Hello,\n\n"
        f"a friend you recommended us to ordered (order {reward['order_id']}) and kept it. "
        "Thank you for recommending us!\n\n"
        f"{gift}\n\nYour Demo Shop"
    )
    return Mail(to, "Thank you for recommending us", body)


def _page(mail: Mail | None = None, error: str | None = None, status: int = 200) -> tuple[str, int]:
    client = _client()
    rewards: list[dict[str, Any]] = []
    try:
        code, answer = client.get(f"/v1/sites/{client.public_key}/rewards?status=due")
    except DeliveryError as exc:
        error, status = error or f"The widget server cannot be reached ({exc}).", 502
    else:
        if code == 200 and isinstance(answer, dict):
            rewards = answer.get("rewards", [])
        else:
            error, status = error or _describe(code, answer), 502
    page = render_template(
        "rewards.html", rewards=rewards, addresses=_addresses(), mail=mail, error=error
    )
    return page, status


@bp.get("/rewards")
def rewards() -> tuple[str, int]:
    return _page()


@bp.post("/rewards/<int:reward_id>/handout")
def hand_out(reward_id: int) -> tuple[str, int] | Response:
    client = _client()
    try:
        code, answer = client.post(f"/v1/sites/{client.public_key}/rewards/{reward_id}/handout", {})
    except DeliveryError as exc:
        return _page(error=f"Not handed out: the widget server cannot be reached ({exc}).")
    if code not in (200, 201) or not isinstance(answer, dict):
        return _page(error=f"Not handed out: {_describe(code, answer)}", status=409)
    to = _addresses().get(answer["customer_ref"] or "", "")
    return _page(mail=mail_for(answer, to or f"customer {str(answer['customer_ref'])[:12]}…"))


def _describe(status: int, answer: Any) -> str:
    if isinstance(answer, dict) and "error" in answer:
        return f"{status} {answer['error']}: {answer.get('message', '')}"
    return f"the widget server answered {status}"
