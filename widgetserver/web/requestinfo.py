"""What the server may learn about the browser behind a request, and nothing more."""

from __future__ import annotations

from flask import request

MAX_USER_AGENT = 512


def client_ip() -> str:
    """The client's address (after ``TRUSTED_PROXIES`` hops); hashed at once, never stored."""
    return request.remote_addr or ""


def user_agent() -> str:
    return (request.headers.get("User-Agent") or "")[:MAX_USER_AGENT]


def origin() -> str | None:
    """The ``Origin`` header as sent (browsers send it on every cross-origin POST)."""
    value = request.headers.get("Origin")
    return value.strip().lower() if value else None


def signed_path() -> str:
    """The path and query exactly as the client sent them, as server-to-server signatures see it.

    WSGI servers keep the raw request target in ``RAW_URI``/``REQUEST_URI``; the query string is
    taken from ``QUERY_STRING``, which servers pass through undecoded.
    """
    environ = request.environ
    root = request.script_root
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if "://" in raw.split("?", 1)[0]:  # absolute-form request target
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        path = raw.split("?", 1)[0]
        # Mounted in-process under a prefix, the raw target has it already; behind a proxy that
        # strips the prefix (X-Forwarded-Prefix), it has not.
        if root and not (path == root or path.startswith(root + "/")):
            path = root + path
    else:
        path = root + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    return path + (f"?{query}" if query else "")
