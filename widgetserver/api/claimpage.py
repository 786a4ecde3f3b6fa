"""``GET /r/<claim>``: the private page of an anonymous referral link, with its results.

Whoever holds the claim link sees the link and what it brought so far; there is no account,
no e-mail address and no cookie (sessions exist only under ``/admin``, ``web/sessions.py``).
The page is personal: no cache keeps it, no search engine lists it, and the browser sends no
``Referer`` with the secret in it when the visitor follows a link from it.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, current_app, render_template

from .. import referrals, rewards
from ..admin.i18n import current_lang
from ..core import clock
from ..core.db import db
from ..models import Reward, Site
from ..orders import money
from ..sites.settings import effective

bp = Blueprint("claim", __name__, url_prefix="/r")

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@bp.get("/<path:claim>")
def claim_page(claim: str) -> tuple[str, int]:
    code = referrals.claims.find(db.session, current_app.config["SECRET_KEY"], claim)
    site = db.session.get(Site, code.site_id) if code is not None else None
    if code is None or site is None or not site.active:
        return render_template("claim_unknown.html"), 404
    page = code.url or (site.origins[0] + "/" if site.origins else "")
    settings = effective(site.settings)
    now = clock.now()
    listed = rewards.handout.of_link(db.session, site.id, code.id)
    if any(rewards.lifecycle.payable(reward, now) for reward in listed):
        with db.writing() as session:  # a reward to hand out: the only view that writes
            listed = rewards.handout.on_claim_page(session, site, code.id, now)
            shown = [_shown(reward) for reward in listed]
    else:
        shown = [_shown(reward) for reward in listed]
    texts = settings["referral_texts"]
    return render_template(
        "claim.html",
        site_name=site.name,
        link=referrals.tracked(page, code.code, settings),
        results=referrals.claims.results(db.session, code),
        created_at=code.created_at,
        rewards=shown,
        reward_text=texts.get(current_lang(), {}).get("referrer"),
    ), 200


def _shown(reward: Reward) -> dict[str, object]:
    """A reward as the page shows it (read inside the transaction that may hand it out)."""
    amount = Decimal(money.to_decimal_string(reward.amount_minor, reward.currency))
    return {
        "status": reward.status,
        "void_reason": reward.void_reason,
        "amount": amount,
        "currency": reward.currency,
        "due_at": reward.due_at,
        "coupon": reward.coupon,
        "created_at": reward.created_at,
    }


@bp.after_request
def keep_it_private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response
