"""What owners and operators type about sites: e-mail addresses and shop origins.

Both are normalised the way they are compared later (an origin exactly as a browser sends it
in its ``Origin`` header); anything unusable raises ``InputError`` with a sentence that can be
shown to the person who typed it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..core.errors import DomainError, reason

INVALID_INPUT = reason("invalid_input", "something an owner or operator typed cannot be used")

_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class InputError(DomainError, ValueError):
    """Something an operator or owner typed that cannot be used as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(INVALID_INPUT, message)


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InputError(f"{value!r} is not an e-mail address")
    return email


def normalise_origin(value: str) -> str:
    """``HTTPS://Shop.Example:443/any/path`` -> ``https://shop.example``."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(f"{value!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{value!r} must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise InputError(f"{value!r} must not contain a user name or password")
    host = (
        parts.hostname.encode("idna").decode("ascii")
        if not parts.hostname.isascii()
        else parts.hostname
    )
    default = 443 if parts.scheme == "https" else 80
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host.lower()}" + (f":{port}" if port and port != default else "")
