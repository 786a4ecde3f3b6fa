"""HTTP plumbing every surface shares.

The one error shape (``errors``), strict request bodies (``jsonbody``), what a request may tell
about its browser (``requestinfo``), caching headers (``httpcache``), the server's public URL
(``publicurl``), sessions that exist only under ``/admin`` (``sessions``), the health checks
(``health``), and the signed client a shop's server calls the API with (``client``).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import errors, health, sessions

    sessions.init_app(app)
    errors.init_app(app)
    health.init_app(app)
