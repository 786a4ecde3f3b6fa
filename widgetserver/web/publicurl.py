"""The address browsers and shops use to reach this server."""

from __future__ import annotations

from flask import current_app, has_request_context, request

#: Where ``widgetserver serve`` listens by default; used outside requests without PUBLIC_URL.
LOCAL_DEFAULT = "http://127.0.0.1:8000"


def public_url() -> str:
    """``WIDGETSERVER_PUBLIC_URL`` if set, else the scheme and host of the current request."""
    configured = current_app.config["PUBLIC_URL"]
    if configured:
        return configured
    return request.host_url.rstrip("/") if has_request_context() else LOCAL_DEFAULT
