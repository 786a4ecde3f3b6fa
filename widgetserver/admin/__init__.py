"""The owners' pages under ``/admin``: login, their sites, a dashboard per site, settings.

One blueprint (``blueprint.bp``); every request passes the same gate (``gate.py``): security
headers, the CSRF check for unsafe methods, and the login requirement. Sessions exist only
under ``/admin`` (``widgetserver.sessions``).
"""

from __future__ import annotations

from flask import Flask

from . import auth, dashboard, export, gate, i18n, settings, sitelist  # noqa: F401 (routes)
from .blueprint import bp

#: Limits the owners' pages read from the config (tests may set smaller ones).
DEFAULTS = {
    # Failed logins within ``LOGIN_LIMIT_MINUTES``: per account from one client address, per
    # account from all addresses together, per address across all accounts (``ratelimit``).
    "LOGIN_LIMIT_ACCOUNT_CLIENT": 10,
    "LOGIN_LIMIT_ACCOUNT": 100,
    "LOGIN_LIMIT_CLIENT": 50,
    "LOGIN_LIMIT_MINUTES": 15,
    # An owner's session ends after this many hours, however active.
    "ADMIN_SESSION_HOURS": 12,
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    i18n.init_app(app)
    app.register_blueprint(bp)
