"""What the browser endpoints of the widgets' own forms share (browser conversions, referral
links, friends' offers): the request read and its site and origin checked, their per-client
and per-site rate limits, the shop's token read with the site's secrets of the moment, and
the ``429``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from .. import sites
from ..core import clock, ratelimit, signing
from ..core.db import db
from ..ingest.pipeline import count_refusal
from ..models import Site
from ..web import jsonbody, requestinfo
from ..web.errors import ApiError
from .events import BROWSER_BODY_TYPES


def read_request(max_bytes: int) -> tuple[dict[str, Any], sites.PublicSite, datetime]:
    """The body as a JSON object (``text/plain`` or JSON, at most ``max_bytes``), the site it
    names and the moment; refused when the site is unknown or the page's origin is not its."""
    jsonbody.require_content_type(*BROWSER_BODY_TYPES)
    data = jsonbody.require_object(jsonbody.parse(jsonbody.read_body(max_bytes)))
    now = clock.now()
    site = sites.require_public(data.get("site"), now)
    sites.require_origin(site, requestinfo.origin())
    return data, site, now


def charges(
    rule: str, limits: str, site: sites.PublicSite, now: datetime, reason: str, message: str
) -> tuple[ratelimit.Limiter, tuple[ratelimit.Charge, ...]]:
    """This request's charges under the rule ``rule``, limited by the settings
    ``<limits>_LIMIT_CLIENT`` and ``<limits>_LIMIT_SITE``, and the worker's limiter; refused at
    once (counted under ``reason``, ``message`` as for ``rate_limited``) where the worker
    already knows a key full. The caller settles the charges in its write transaction."""
    config = current_app.config
    limited = ratelimit.Rule(
        rule,
        config[f"{limits}_LIMIT_CLIENT"],
        config[f"{limits}_LIMIT_SITE"],
        config["SECRET_KEY"],
    )
    charged = limited.charges(site.id, requestinfo.client_ip(), 1, now)
    limiter = ratelimit.limiter_of(current_app)
    full = limiter.refusal(charged)
    if full is not None:
        raise rate_limited(site, full, now, reason, message)
    return limiter, charged


def token_claims(
    site_id: int, purpose: str, token: object, now: datetime, max_age: int
) -> dict[str, Any]:
    """The claims of a site token the shop's backend made for ``purpose``; ``403`` with the
    token's reason if it does not verify (the page's origin was accepted, the shop's voucher
    was not), ``404`` if the site is gone."""
    site = db.session.get(Site, site_id)  # secrets are read afresh, never from a cache
    found = None if site is None or not site.active else sites.verifying_secrets(site, now)
    return verify_token(found, purpose, token, now, max_age)


def verify_token(
    secrets: list[str] | None, purpose: str, token: object, now: datetime, max_age: int
) -> dict[str, Any]:
    """``token_claims`` with the site's secrets already read afresh (None: the site is gone)."""
    if secrets is None:
        raise ApiError(404, "unknown_site", "No active site has this public key.")
    try:
        return signing.read_token(secrets, purpose, token, now.timestamp(), max_age)
    except signing.SignatureError as exc:
        raise ApiError(403, exc.reason, exc.message) from None


def rate_limited(
    site: sites.PublicSite, charge: ratelimit.Charge, now: datetime, reason: str, message: str
) -> ApiError:
    """Count the refusal under ``reason`` and give its ``429``, with the seconds until the
    window ends; ``message`` names the client or the site where it says ``{who}``."""
    count_refusal(site, now, reason)
    wait = ratelimit.retry_after(charge.window, now)
    who = "this client" if charge.subject == "client" else "this site"
    return ApiError(
        429,
        "rate_limited",
        f"{message.format(who=who)} Try again in {wait} s.",
        retry_after=wait,
    )
