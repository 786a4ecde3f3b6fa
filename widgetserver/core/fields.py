"""Validators for the small values browsers and shops send: codes, URLs, product ids, text.

Anything a person could type is checked for length and control characters here and escaped
wherever it is shown; it is never rewritten silently.
"""

from __future__ import annotations

import re

CODE = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
# Control characters, line/paragraph separators and lone surrogates (which JSON's \\u escapes
# can produce but no text encoding can store).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
MAX_URL = 2048


class FieldError(ValueError):
    """A refused value; ``reason`` is a stable machine word such as ``invalid_url``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def code(value: object, reason: str = "invalid_code") -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise FieldError(reason, "a code is 6-32 characters from A-Z, a-z, 0-9, '_' and '-'")
    return value


def text(value: object, reason: str, max_length: int) -> str:
    """A short printable string (HTML is allowed and escaped on output; controls are not)."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError(reason, "must be a non-empty string")
    if len(value) > max_length:
        raise FieldError(reason, f"must be at most {max_length} characters")
    if _CONTROL.search(value):
        raise FieldError(reason, "must not contain control characters")
    return value


def optional_text(value: object, reason: str, max_length: int) -> str | None:
    return None if value is None else text(value, reason, max_length)


# scheme://host[:port] then the path; user info, spaces and controls are not allowed anywhere.
_URL = re.compile(
    r"(?i)(https?)://"
    r"([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(:[0-9]{1,5})?"
    r"(/[^?#\s\x00-\x1f\x7f\ud800-\udfff]*)?(?:[?#][^\s\x00-\x1f\x7f\ud800-\udfff]*)?"
)


def page_url(value: object, reason: str = "invalid_url") -> str:
    """An http(s) URL reduced to origin and path: query strings often carry personal data."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise FieldError(reason, f"must be an http(s) URL of at most {MAX_URL} characters")
    match = _URL.fullmatch(value)
    if match is None or _CONTROL.search(value):
        raise FieldError(reason, "must be an absolute http(s) URL with a plain host name")
    scheme, host, port, path = match.groups()
    if port and int(port[1:]) > 65535:
        raise FieldError(reason, "has an invalid port")
    return f"{scheme.lower()}://{host.lower()}{port or ''}{path or '/'}"
