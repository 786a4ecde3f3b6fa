"""A site's settings: what the owner can choose, the defaults, and the validation of changes.

Settings live in one JSON column so a new option needs no migration; this module is the only
place that knows their names, types and defaults. ``public_config`` is what browsers may see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

#: Every channel a share or an invite can go through. Share buttons offer a subset.
CHANNELS: tuple[str, ...] = (
    "whatsapp",
    "facebook",
    "x",
    "linkedin",
    "xing",
    "pinterest",
    "telegram",
    "reddit",
    "threads",
    "bluesky",
    "mastodon",
    "email",
    "copy",
    "native",
)

LANGUAGES: tuple[str, ...] = ("de", "en", "fr", "es", "it", "nl", "pl")
STORAGE_MODES: tuple[str, ...] = ("none", "session", "persistent")
LAYOUTS: tuple[str, ...] = ("icons", "labels", "compact")
THEMES: tuple[str, ...] = ("auto", "light", "dark")
COLOURS: tuple[str, ...] = ("brand", "mono")

DEFAULTS: dict[str, Any] = {
    "networks": ["whatsapp", "facebook", "x", "linkedin", "email", "copy", "native"],
    "layout": "icons",
    "theme": "auto",
    "colours": "brand",
    # "auto": the page's <html lang>, then English.
    "lang": "auto",
    # Privacy first: the code travels only in the URL until the owner chooses otherwise.
    "storage_mode": "none",
    "consent_required": True,
    "ref_param": "swk",
    "utm_enabled": False,
    "utm_campaign": "social-widget-kit",
    "attribution_window_days": 30,
    "timezone": "UTC",
}

_PARAM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CAMPAIGN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class SettingsError(ValueError):
    """A settings change that is refused, with the name of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def effective(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings over the defaults (unknown keys from older versions are dropped)."""
    merged = dict(DEFAULTS)
    for key, value in (stored or {}).items():
        if key in DEFAULTS:
            merged[key] = value
    return merged


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check a partial update; returns it normalised or raises ``SettingsError``."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise SettingsError(key, "unknown setting")
        clean[key] = _VALIDATORS[key](key, value)
    return clean


def _choice(options: tuple[str, ...]) -> Any:
    def check(key: str, value: Any) -> str:
        if value not in options:
            raise SettingsError(key, f"must be one of {', '.join(options)}")
        return value

    return check


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(key, "must be true or false")
    return value


def _networks(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise SettingsError(key, "must be a non-empty list of networks")
    unknown = [v for v in value if v not in CHANNELS]
    if unknown:
        raise SettingsError(key, f"unknown network {unknown[0]!r}")
    if len(set(value)) != len(value):
        raise SettingsError(key, "lists a network twice")
    return list(value)


def _pattern(regex: re.Pattern[str], hint: str) -> Any:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise SettingsError(key, hint)
        return value

    return check


def _window(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        raise SettingsError(key, "must be a whole number of days from 1 to 365")
    return value


def _timezone(key: str, value: Any) -> str:
    if not isinstance(value, str) or value not in available_timezones():
        raise SettingsError(key, "must be an IANA time zone such as Europe/Berlin")
    return value


_VALIDATORS: dict[str, Any] = {
    "networks": _networks,
    "layout": _choice(LAYOUTS),
    "theme": _choice(THEMES),
    "colours": _choice(COLOURS),
    "lang": _choice(("auto", *LANGUAGES)),
    "storage_mode": _choice(STORAGE_MODES),
    "consent_required": _bool,
    "ref_param": _pattern(_PARAM, "must be 1-32 lower-case letters, digits or _"),
    "utm_enabled": _bool,
    "utm_campaign": _pattern(_CAMPAIGN, "must be 1-64 letters, digits, '.', '_' or '-'"),
    "attribution_window_days": _window,
    "timezone": _timezone,
}
assert _VALIDATORS.keys() == DEFAULTS.keys()
