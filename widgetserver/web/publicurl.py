"""The address browsers and shops use to reach this server."""

from __future__ import annotations

from flask import current_app, has_request_context, request

#: Where ``widgetserver serve`` listens by default; used outside requests without PUBLIC_URL.
LOCAL_DEFAULT = "http://127.0.0.1:8000"
#: ``request.host_url`` by scheme, host and root path: werkzeug's IRI decoding of it costs
#: more than the rest of a referral link's answer. Bounded, as the host is the client's word.
_BY_HOST: dict[tuple[str, str, str], str] = {}
_BY_HOST_MAX = 64


def public_url() -> str:
    """``WIDGETSERVER_PUBLIC_URL`` if set, else the scheme and host of the current request."""
    configured = current_app.config["PUBLIC_URL"]
    if configured:
        return configured
    if not has_request_context():
        return LOCAL_DEFAULT
    key = (request.scheme, request.host, request.root_path)
    found = _BY_HOST.get(key)
    if found is None:
        found = request.host_url.rstrip("/")
        if len(_BY_HOST) < _BY_HOST_MAX:
            _BY_HOST[key] = found
    return found
