"""The public API under ``/v1``: what widgets, shop plugins and shops' servers talk to.

Browser-facing endpoints answer CORS "simple requests" (``text/plain`` bodies need no
preflight) and check the ``Origin`` against the site's registered shop origins themselves;
server-to-server endpoints are HMAC-signed (``signed.py``). Nothing here sets a cookie.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_cors import CORS

bp = Blueprint("api", __name__, url_prefix="/v1")

# Imported for their routes.
from . import conversions, events, openapi, siteconfig  # noqa: E402, F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Browsers may read public answers from any shop page; no credentials are ever involved.
    CORS(
        app,
        resources={r"/v1/(events|conversions/browser|sites/[^/]+/config|openapi\.json)": {}},
        origins="*",
        supports_credentials=False,
        methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=86400,
    )
