"""The site settings form: reading what the owner typed, checking it field by field.

The fields come from the settings registry (``sites.settings.form``): each is read, shown and
explained by its kind, so a new setting appears here without a change to this module.
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
from ..sites.settings import CHANNELS, LANGUAGES, SettingsError

#: What the site's own fields must look like, said to the owner (the settings say theirs in
#: their ``Field.error``; the validators' words are for logs).
HINTS: dict[str, Any] = {
    "name": _l("Give the site a name of 1 to 200 characters."),
    "origins": _l("Enter at least one shop address such as https://shop.example, one per line."),
}
_SPLIT = re.compile(r"[\s,]+")


@dataclass
class Draft:
    """The form as the owner sees it: raw text where they typed, choices where they chose."""

    name: str
    origins: str
    #: Every channel in the order shown; ``enabled`` says which of them are switched on.
    order: list[str]
    enabled: set[str]
    #: Every other field of the form by its setting's key.
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    # Clean values, filled by ``check`` when there are no errors.
    clean_origins: list[str] = field(default_factory=list)
    clean_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def networks(self) -> list[str]:
        return [c for c in self.order if c in self.enabled]


def _fields() -> list[sitesettings.Setting]:
    return [s for block in sitesettings.form() for s in block.settings]


def from_site(site: Site) -> Draft:
    current = sitesettings.effective(site.settings)
    order: list[str] = list(CHANNELS)
    enabled: set[str] = set()
    values: dict[str, Any] = {}
    for setting in _fields():
        assert setting.field is not None
        if setting.field.kind == "networks":
            chosen = list(current[setting.key])
            order = chosen + [c for c in CHANNELS if c not in chosen]
            enabled = set(chosen)
        else:
            values[setting.key] = current[setting.key]
    return Draft(site.name, "\n".join(site.origins), order, enabled, values)


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
    for setting in _fields():
        assert setting.field is not None
        if setting.field.kind == "networks":
            continue
        if setting.field.kind == "check":
            values[setting.key] = form.get(setting.key) == "on"
        elif setting.field.kind == "texts":
            values[setting.key] = _texts(form, setting)
        else:
            values[setting.key] = form.get(setting.key, "").strip()
    return Draft(form.get("name", ""), form.get("origins", ""), order, enabled, values)


def _texts(form: MultiDict[str, str], setting: sitesettings.Setting) -> dict[str, Any]:
    """The texts of a ``texts`` field as typed, ``{lang: {name: text}}`` (empty ones too)."""
    assert setting.field is not None
    return {
        lang: {
            name: form.get(f"{setting.key}.{lang}.{name}", "")
            for name, _words in setting.field.choices
        }
        for lang in LANGUAGES
    }


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


def _typed(kind: str, value: Any) -> Any:
    """A number field's text as an int when it is plainly one; anything else as it came."""
    if kind == "number":
        text = str(value)
        if text.isascii() and text.isdigit() and len(text) < 5:
            return int(text)
    return value


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
    clean: dict[str, Any] = {}
    for setting in _fields():
        spec = setting.field
        assert spec is not None
        if spec.kind == "networks":
            value = draft.networks
        else:
            value = _typed(spec.kind, draft.values[setting.key])
        try:
            clean.update(sitesettings.validate({setting.key: value}))
        except SettingsError:
            draft.errors[setting.key] = str(spec.error)
    if draft.errors:
        return False
    draft.name = name
    draft.clean_origins = list(dict.fromkeys(origins))
    draft.clean_settings = clean
    return True
