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
REWARD_STATUSES: dict[str, Any] = {
    "pending": _l("pending"),
    "earned": _l("earned"),
    "due": _l("due"),
    "handed_out": _l("handed out"),
    "void": _l("void"),
}
VOID_REASONS: dict[str, Any] = {
    "unverified_order": _l("the order was reported only by a browser"),
    "self_referral": _l("the buyer is the referrer"),
    "cancelled": _l("the order was cancelled"),
    "refunded": _l("the order was refunded"),
    "below_minimum": _l("the order is below the minimum amount"),
    "not_first_order": _l("not the friend's first order"),
    "not_attributed": _l("the shop took the order away from the link"),
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


def reward_status(name: str) -> str:
    return str(REWARD_STATUSES.get(name, name))


def void_reason(name: str | None) -> str:
    if not name:
        return ""
    return str(VOID_REASONS.get(name, name))


def referrer(name: str | None) -> str:
    """A customer reference as it came, or the words for an anonymous link."""
    return str(_l("anonymous")) if name is None else name
