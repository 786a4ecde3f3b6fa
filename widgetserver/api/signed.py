"""Server-to-server authentication: the signed headers described in ``docs/api.md``."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy.orm import Session

from .. import sites
from ..core import clock, signing
from ..models import Site
from ..web import jsonbody, requestinfo
from ..web.errors import ApiError


def signed_site(session: Session, max_bytes: int) -> tuple[Site, bytes]:
    """The site whose secret signed this request, and the raw body; 401 otherwise.

    Every refusal here is a failed authentication, hence ``401`` - also ``unknown_site``,
    which the browser endpoints answer with ``404`` (``web.errors.STATUS``).
    """
    body = jsonbody.read_body(max_bytes)
    site = sites.by_key(session, request.headers.get("X-SWK-Site"))
    if site is None:
        raise ApiError(401, "unknown_site", "X-SWK-Site does not name an active site.")
    now = clock.now()
    try:
        signing.verify_request(
            sites.verifying_secrets(site, now),
            timestamp=request.headers.get("X-SWK-Timestamp"),
            signature=request.headers.get("X-SWK-Signature"),
            method=request.method,
            path=requestinfo.signed_path(),
            body=body,
            now=now.timestamp(),
            tolerance=current_app.config["SIGNATURE_TOLERANCE"],
        )
    except signing.SignatureError as exc:
        raise ApiError(401, exc.reason, exc.message) from None
    return site, body


def signed_site_at(session: Session, key: str, max_bytes: int) -> tuple[Site, bytes]:
    """``signed_site`` for a path that names the site (``/v1/sites/{key}/…``): the path must
    name the site of ``X-SWK-Site`` (``403 site_mismatch``)."""
    site, body = signed_site(session, max_bytes)
    if key != site.public_key:
        raise ApiError(
            403, "site_mismatch", "The path names another site than X-SWK-Site; use your own key."
        )
    return site, body
