"""Cookies belong to the owners' pages only.

The widget server promises shop visitors that it never sets a cookie. Flask would open a
(signed-cookie) session on every request; here a session exists only under ``/admin/``, and
its cookie is scoped to that path (under the proxy's path prefix, if any). Anywhere else
``session`` is a null session that refuses to be written to, so an accidental cookie on a
widget path fails loudly in tests.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

OWNER_PAGES = "/admin"


class OwnerPagesOnly(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> Any:
        if request.path == OWNER_PAGES or request.path.startswith(OWNER_PAGES + "/"):
            return super().open_session(app, request)
        return None  # Flask substitutes its NullSession

    def get_cookie_path(self, app: Flask) -> str:
        # Behind a proxy with a path prefix (X-Forwarded-Prefix) the pages live under it.
        path = str(app.config.get("SESSION_COOKIE_PATH") or OWNER_PAGES)
        if path == OWNER_PAGES and has_request_context():
            return request.script_root + OWNER_PAGES
        return path

    def get_cookie_secure(self, app: Flask) -> bool:
        # Secure whenever the owner reached us over HTTPS (behind a proxy: X-Forwarded-Proto,
        # with TRUSTED_PROXIES), or always when configured or PUBLIC_URL is https.
        configured = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return configured or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    # Flask's defaults are None ("/" and no SameSite); the owners' cookie is narrower.
    if app.config.get("SESSION_COOKIE_PATH") is None:
        app.config["SESSION_COOKIE_PATH"] = OWNER_PAGES
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE"] = str(app.config.get("PUBLIC_URL") or "").startswith(
            "https://"
        )
    app.session_interface = OwnerPagesOnly()
