"""Words for the machine words the owners' pages show: channels, statuses, reasons, kinds.

The settings' own words stand beside each setting in ``sites/settings/sections.py``.
"""

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
