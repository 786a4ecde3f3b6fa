"""Words for the machine words the owners' pages show: channels, statuses, reasons, settings."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

CHANNELS: dict[str, Any] = {
    "whatsapp": "WhatsApp",
    "facebook": "Facebook",
    "x": "X",
    "linkedin": "LinkedIn",
    "xing": "XING",
    "pinterest": "Pinterest",
    "telegram": "Telegram",
    "reddit": "Reddit",
    "threads": "Threads",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "email": _l("E-mail"),
    "copy": _l("Copied link"),
    "native": _l("Share sheet"),
}
STATUSES: dict[str, Any] = {
    "placed": _l("placed"),
    "paid": _l("paid"),
    "refunded": _l("refunded"),
    "cancelled": _l("cancelled"),
}
ATTRIBUTION: dict[str, Any] = {
    "attributed": _l("attributed"),
    "no_ref": _l("no code"),
    "invalid_ref": _l("invalid code"),
    "unknown_code": _l("unknown code"),
    "outside_window": _l("outside the window"),
}
KINDS: dict[str, Any] = {"share": _l("share"), "referral": _l("referral")}
CHOICES: dict[str, Any] = {
    "icons": _l("Icons only"),
    "labels": _l("Icons with labels"),
    "compact": _l("Compact"),
    "auto": _l("Automatic"),
    "light": _l("Light"),
    "dark": _l("Dark"),
    "brand": _l("Brand colours of each network"),
    "mono": _l("One colour"),
    "none": _l("None: the code travels only in the address"),
    "session": _l("Session: kept while the tab is open"),
    "persistent": _l("Persistent: kept for the attribution window"),
}
LANGUAGE_CHOICES: dict[str, Any] = {
    "auto": _l("Automatic (the page's language)"),
    "de": "Deutsch",
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pl": "Polski",
}


def channel(name: str | None) -> str:
    if not name:
        return str(_l("(none)"))
    return str(CHANNELS.get(name, name))


def status(name: str) -> str:
    return str(STATUSES.get(name, name))


def attribution(name: str) -> str:
    return str(ATTRIBUTION.get(name, name))


def kind(name: str) -> str:
    return str(KINDS.get(name, name))


def choice(name: str) -> str:
    return str(CHOICES.get(name, name))


def language(name: str) -> str:
    return str(LANGUAGE_CHOICES.get(name, name))
