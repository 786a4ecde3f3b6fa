"""The site settings form: reading what the owner typed, checking it field by field.

Nothing the owner typed is lost on a mistake: ``read`` returns a ``Draft`` holding the raw
values, and the page is shown again from it with each error beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..models import Site
from ..sites import InputError, normalise_origin
from ..sites import settings as sitesettings
from ..sites.settings import CHANNELS, SettingsError

#: What each field must look like, said to the owner (the validators' words are for logs).
HINTS: dict[str, Any] = {
    "name": _l("Give the site a name of 1 to 200 characters."),
    "origins": _l("Enter at least one shop address such as https://shop.example, one per line."),
    "networks": _l("Choose at least one network."),
    "layout": _l("Choose one of the layouts."),
    "theme": _l("Choose one of the themes."),
    "colours": _l("Choose one of the colour schemes."),
    "lang": _l("Choose one of the languages."),
    "storage_mode": _l("Choose one of the storage modes."),
    "consent_required": _l("Choose yes or no."),
    "ref_param": _l("Use 1 to 32 lower-case letters, digits or _, starting with a letter."),
    "utm_enabled": _l("Choose yes or no."),
    "utm_campaign": _l("Use 1 to 64 letters, digits, dots, dashes or underscores."),
    "attribution_window_days": _l("Enter a whole number of days from 1 to 365."),
    "timezone": _l("Choose a time zone such as Europe/Berlin."),
}
_BOOLEANS = ("consent_required", "utm_enabled")
_SPLIT = re.compile(r"[\s,]+")


@dataclass
class Draft:
    """The form as the owner sees it: raw text where they typed, choices where they chose."""

    name: str
    origins: str
    #: Every channel in the order shown; ``enabled`` says which of them are switched on.
    order: list[str]
    enabled: set[str]
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    # Clean values, filled by ``check`` when there are no errors.
    clean_origins: list[str] = field(default_factory=list)
    clean_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def networks(self) -> list[str]:
        return [c for c in self.order if c in self.enabled]


def from_site(site: Site) -> Draft:
    current = sitesettings.effective(site.settings)
    networks = list(current["networks"])
    order = networks + [c for c in CHANNELS if c not in networks]
    values = {k: v for k, v in current.items() if k != "networks"}
    return Draft(site.name, "\n".join(site.origins), order, set(networks), values)


def read(form: MultiDict[str, str]) -> Draft:
    def position(channel: str) -> tuple[float, int]:
        raw = form.get(f"pos_{channel}", "").strip()
        try:
            number = float(raw)
        except ValueError:
            number = float(len(CHANNELS) + 1)
        return (number, CHANNELS.index(channel))

    order = sorted(CHANNELS, key=position)
    enabled = {c for c in CHANNELS if form.get(f"net_{c}")}
    values: dict[str, Any] = {}
    for key in sitesettings.DEFAULTS:
        if key == "networks":
            continue
        if key in _BOOLEANS:
            values[key] = form.get(key) == "on"
        else:
            values[key] = form.get(key, "").strip()
    return Draft(form.get("name", ""), form.get("origins", ""), order, enabled, values)


def move(draft: Draft, instruction: str) -> bool:
    """Apply ``"whatsapp:up"`` / ``"whatsapp:down"``; True if the order changed."""
    channel, _sep, direction = instruction.partition(":")
    if channel not in draft.order or direction not in ("up", "down"):
        return False
    index = draft.order.index(channel)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(draft.order):
        return False
    draft.order[index], draft.order[other] = draft.order[other], draft.order[index]
    return True


def check(draft: Draft) -> bool:
    """Fill ``draft.errors``, or the clean values if there are none."""
    name = draft.name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        draft.errors["name"] = str(HINTS["name"])
    origins: list[str] = []
    for raw in filter(None, _SPLIT.split(draft.origins)):
        try:
            origins.append(normalise_origin(raw))
        except InputError:
            draft.errors["origins"] = str(HINTS["origins"])
    if not origins:
        draft.errors["origins"] = str(HINTS["origins"])
    changes: dict[str, Any] = {"networks": draft.networks, **draft.values}
    window = str(changes["attribution_window_days"])
    changes["attribution_window_days"] = (
        int(window) if window.isascii() and window.isdigit() and len(window) < 5 else window
    )
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        try:
            clean.update(sitesettings.validate({key: value}))
        except SettingsError:
            draft.errors[key] = str(HINTS[key])
    if draft.errors:
        return False
    draft.name = name
    draft.clean_origins = list(dict.fromkeys(origins))
    draft.clean_settings = clean
    return True
