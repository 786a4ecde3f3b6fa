"""HTTP plumbing every surface shares.

The one error shape (``errors``), bodies that arrive whole and in time or are refused
(``bodyinput``), strict request bodies (``jsonbody``), what a request may tell
about its browser (``requestinfo``), caching headers (``httpcache``), the server's public URL
(``publicurl``), sessions that exist only under ``/admin`` (``sessions``), the health checks
(``health``), and the signed client a shop's server calls the API with (``client``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import bodyinput, errors, health, sessions

    app.wsgi_app = bodyinput.BodyGuard(app.wsgi_app, app.config)  # type: ignore[method-assign]
    sessions.init_app(app)
    errors.init_app(app)
    health.init_app(app)
