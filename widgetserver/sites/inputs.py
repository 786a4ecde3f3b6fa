"""What owners and operators type about sites: e-mail addresses and shop origins.

Both are normalised the way they are compared later (an origin exactly as a browser sends it
in its ``Origin`` header); anything unusable raises ``InputError`` with a sentence that can be
shown to the person who typed it.

International host names are mapped as browsers map them (UTS 46 without transitional
processing, IDNA 2008): ``faß.de`` is ``xn--fa-hia.de``, the name browsers put in ``Origin``,
and not ``fass.de``, another domain (Python's own ``idna`` codec is IDNA 2003).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import idna

from ..core.errors import DomainError, reason

INVALID_INPUT = reason("invalid_input", "something an owner or operator typed cannot be used")

_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
#: An ASCII label as browsers take it: no hyphen rules, and ``_`` (seen in real host names).
_ASCII_LABEL = re.compile(r"[a-z0-9_-]+")
#: DNS limits, in octets of the ASCII form: a label, and the whole name without a final dot.
MAX_LABEL = 63
MAX_HOST = 253


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
    host = parts.hostname if ":" in parts.hostname else ascii_host(value, parts.hostname)
    default = 443 if parts.scheme == "https" else 80
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def ascii_host(value: str, hostname: str) -> str:
    """A host name as browsers send it in ``Origin``: lower case, international labels as
    punycode (``xn--``); ``InputError`` for what cannot be a domain name.

    ``value`` is what was typed, for the message.
    """
    try:
        mapped = idna.uts46_remap(hostname, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise InputError(f"{value!r} is not a valid domain name: {exc}") from None
    labels = [_ascii_label(value, label) for label in mapped.split(".")]
    host = ".".join(labels)
    if len(host) > MAX_HOST:
        raise InputError(f"{value!r}: the host name is longer than {MAX_HOST} characters")
    return host


def _ascii_label(value: str, label: str) -> str:
    if not label:
        raise InputError(
            f"{value!r}: the host name has an empty part (two dots, or a dot at an end)"
        )
    try:
        if not label.isascii():
            encoded = idna.alabel(label).decode("ascii")
        elif label.startswith("xn--"):
            # Punycode as typed: only if it is the one spelling of a valid international label.
            encoded = label if idna.alabel(idna.ulabel(label)).decode("ascii") == label else ""
        else:
            encoded = label
    except idna.IDNAError as exc:
        raise InputError(f"{value!r} is not a valid domain name: {exc}") from None
    if not encoded or not _ASCII_LABEL.fullmatch(encoded):
        raise InputError(
            f"{value!r}: {label!r} is not a valid part of a host name (letters, digits and hyphens)"
        )
    if len(encoded) > MAX_LABEL:
        raise InputError(
            f"{value!r}: the part {label!r} of the host name is longer than {MAX_LABEL} "
            "characters (in its punycode form)"
        )
    return encoded
