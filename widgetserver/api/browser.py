"""What the browser endpoints that take a shop's token share: the token read with the site's
secrets of the moment, and the ``429`` of their own rate limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import sites
from ..core import ratelimit, signing
from ..core.db import db
from ..ingest.pipeline import count_refusal
from ..models import Site
from ..web.errors import ApiError


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
