"""A per-session token on every form; every unsafe request under ``/admin`` must carry it.

The token lives in the (signed, HttpOnly) admin session and is renewed at login. A request
whose token is missing or wrong is answered ``400`` with a page that says what to do.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Response, render_template, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token() -> str:
    """This session's token (created on first use); templates call it as ``csrf_token()``."""
    value = session.get(_KEY)
    if not isinstance(value, str):
        value = session[_KEY] = secrets.token_urlsafe(32)
    return value


def renew() -> str:
    session[_KEY] = secrets.token_urlsafe(32)
    return session[_KEY]


def rejected() -> Response | None:
    """None if the request may go on, else the ``400`` page to answer with."""
    if request.method in SAFE_METHODS:
        return None
    expected = session.get(_KEY)
    given = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode()):
        return None
    response = Response(render_template("admin/csrf.html"), status=400, mimetype="text/html")
    return response
