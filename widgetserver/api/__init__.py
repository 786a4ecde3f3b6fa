"""The public API under ``/v1``: what widgets, shop plugins and shops' servers talk to.

Browser-facing endpoints answer CORS "simple requests" (``text/plain`` bodies need no
preflight) and check the ``Origin`` against the site's registered shop origins themselves;
server-to-server endpoints are HMAC-signed (``signed.py``). Nothing here sets a cookie.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

bp = Blueprint("api", __name__, url_prefix="/v1")

# Imported for their routes.
from . import (  # noqa: E402, F401
    claimpage,
    conversions,
    events,
    offers,
    openapi,
    referrals,
    rewards,
    siteconfig,
    stats,
)

#: Endpoints any shop page may call from the browser (signed endpoints are not among them).
BROWSER_ENDPOINTS = frozenset(
    {
        "api.receive_events",
        "api.report_browser_conversion",
        "api.create_referral",
        "api.friend_offer",
        "api.site_config",
        "api.openapi_json",
    }
)


@bp.after_request
def allow_shop_pages(response: Response) -> Response:
    """CORS for the browser endpoints: any origin may call them, never with credentials.

    The policy is the same for every such request, so it is a few headers, not a library:
    which origins may *post* is decided by the endpoints themselves against the site's
    registered origins. ``OPTIONS`` preflights (for ``application/json`` bodies) are answered
    by Flask's automatic ``OPTIONS`` handling plus these headers.
    """
    if request.endpoint in BROWSER_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(claimpage.bp)
