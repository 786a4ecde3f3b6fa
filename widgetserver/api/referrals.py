"""Referral links: ``POST /v1/referrals`` (browser) and ``POST /v1/sites/{key}/referrals`` (signed).

The browser endpoint is origin-checked and rate limited per client and site like browser
conversions; with the shop's referrer token it answers the customer's one link, without one
a fresh anonymous link and its claim link. A filled-in honeypot field (``hp``) is refused with
``400 honeypot_filled`` and counted: a person whose browser filled the hidden field learns why
no link came, and a bot learns nothing it can use. The signed endpoint gives a shop's server
the customer's one link for its own order mail or account page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify

from .. import referrals
from ..core import clock, ratelimit, shortwrite
from ..core.db import db
from ..ingest import visitors
from ..ingest.pipeline import count_refusal
from ..sites.settings import effective
from ..web import jsonbody, publicurl, requestinfo
from ..web.errors import ApiError
from . import bp, browser
from .signed import signed_site_at

#: How refused browser requests are counted in ``ingest_drops``.
REFERRAL_RATE_LIMITED = "referral_rate_limited"
REFERRAL_HONEYPOT = "referral_honeypot"
#: A request for a link is a few short fields and perhaps a token.
MAX_BYTES = 8 * 1024


@bp.post("/referrals")
def create_referral() -> tuple[Response, int]:
    config = current_app.config
    data, site, now = browser.read_request(MAX_BYTES)
    if data.get("hp") not in (None, ""):
        count_refusal(site, now, REFERRAL_HONEYPOT)
        raise ApiError(
            400,
            "honeypot_filled",
            "A field meant to stay empty was filled in, as bots do; no link was made.",
        )
    limiter, charges = browser.charges("referrals", "REFERRALS", site, now, *_LIMITED)
    address = requestinfo.client_ip()
    # Links asked for in a browser are kept as browser events are (``synchronous=NORMAL``).
    writer = shortwrite.writer_of(current_app, durable=False)
    st = writer.statements(referrals.Statements)
    token = data.get("token")
    referrer = None if token is None else _referrer(writer, st, site.id, token, now)
    page = referrals.target_page(data.get("url"), site.origins)
    visitor = visitors.visitor_hash(site.id, address, requestinfo.user_agent(), now)
    linked = page or site.home + "/"
    # An anonymous link's code and claim secret are drawn before the write lock is taken.
    draft = (
        None
        if referrer is not None
        else referrals.draft_anonymous(
            st, site.id, linked, visitor=visitor, key=config["SECRET_KEY"], now=now
        )
    )

    def make(cursor: Any) -> tuple[ratelimit.Settled, tuple[str, str, bool, str | None]]:
        """Count the request under its limits and, within them, store the link: one short
        transaction. Its code, page, whether it is new, its claim secret (if anonymous)."""
        settled = limiter.settle(cursor, [charges], writer.dialect)
        if settled.refused[0] is not None:
            return settled, ("", "", False, None)
        if draft is None:
            assert referrer is not None
            code, target, created = referrals.personal_link(
                cursor, st, site.id, referrer, page, home=site.home, visitor=visitor, now=now
            )
            return settled, (code, target, created, None)
        code, claim = referrals.anonymous_link(cursor, st, draft)
        return settled, (code, linked, True, claim)

    settled, (code, target, created, claim) = writer.write(make)
    limiter.remember(settled)
    over = settled.refused[0]
    if over is not None:
        raise browser.rate_limited(site, over, now, *_LIMITED)
    # The address is put together after the commit, outside the write lock.
    made = referrals.Link(code, referrals.tracked(target, code, site.settings), created, claim)
    return jsonify(_answer(made)), 201


@bp.post("/sites/<key>/referrals")
def site_referral(key: str) -> tuple[Response, int]:
    jsonbody.require_content_type("application/json")
    site, body = signed_site_at(db.session, key, MAX_BYTES)
    data = jsonbody.require_object(jsonbody.parse(body))
    referrer = referrals.Referrer(referrals.customer_ref(data.get("customer_ref")))
    page = referrals.target_page(data.get("url"), site.origins)
    home = site.origins[0] if site.origins else ""
    now = clock.now()
    writer = shortwrite.writer_of(current_app)
    st = writer.statements(referrals.Statements)
    code, linked, created = writer.write(
        lambda cursor: referrals.personal_link(
            cursor, st, site.id, referrer, page, home=home, visitor=None, now=now
        )
    )
    made = referrals.Link(code, referrals.tracked(linked, code, effective(site.settings)), created)
    return jsonify(_answer(made)), 201 if created else 200


def _answer(made: referrals.Link) -> dict[str, Any]:
    answer = {"code": made.code, "link": made.link}
    if made.claim is not None:
        answer["claim"] = f"{publicurl.public_url()}/r/{made.claim}"
    return answer


def _referrer(
    writer: shortwrite.ShortWriter,
    st: referrals.Statements,
    site_id: int,
    token: object,
    now: datetime,
) -> referrals.Referrer:
    """The customer the shop's token names; ``403`` for a token that does not verify.

    A token made for another purpose or with another site's secret does not verify either:
    the purpose and the secret are both in its MAC, so all three read ``token_invalid``. The
    site's secrets are read afresh on the writer's connection, never from a cache.
    """
    found = writer.read(lambda cursor: referrals.store.verifying_secrets(cursor, st, site_id, now))
    claims = browser.verify_token(
        found, referrals.REFERRER_TOKEN, token, now, referrals.REFERRER_TOKEN_MAX_AGE
    )
    return referrals.referrer_of(claims)


#: How a refusal over the limits is counted and said.
_LIMITED = (
    REFERRAL_RATE_LIMITED,
    "Too many referral links asked for by {who} this minute; none was made.",
)
