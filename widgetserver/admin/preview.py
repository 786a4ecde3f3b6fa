"""A preview of the recommend form on the settings page: the owner's saved texts in one
language, the form's own words where the owner left a text empty.

The form is the ``recommend`` widget (``widgets/js/recommend.js``), drawn in the shop's page;
the owners' pages allow no inline script (``gate.CSP``), so this is static HTML of its texts,
not the widget itself. The form's own words are read from the widget's string table
(``widgets/i18n/recommend/<lang>.json``: ``headline``, ``friend``, ``get``) when it exists,
else from ``DEFAULTS``. Like the widget, it shows the friend's line only where the owner wrote
one or set up a coupon for friends, and the referrer's line only where the owner wrote one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..embed.assets import widgets_root
from ..sites.settings import LANGUAGES, effective
from ..sites.settings.referral import TEXT_NAMES

#: The form's own words where its string table is missing (English, as the widget's source).
DEFAULTS: dict[str, str] = {
    "headline": "Recommend us to a friend",
    "friend": "Your friend gets a welcome gift.",
    "get": "Get my link",
}


@dataclass(frozen=True)
class Line:
    name: str
    text: str
    #: The owner wrote it (else it is the form's own words).
    own: bool


@dataclass(frozen=True)
class Preview:
    lang: str
    lines: dict[str, Line]


def widget_strings(lang: str, root: Path | None = None) -> dict[str, str]:
    """The widget's own words in ``lang``: its string table where there is one, else English."""
    path = (root or widgets_root()) / "i18n" / "recommend" / f"{lang}.json"
    words = dict(DEFAULTS)
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return words
    if isinstance(table, dict):
        words.update({k: v for k, v in table.items() if k in DEFAULTS and isinstance(v, str)})
    return words


def choose_lang(asked: str | None, settings: dict[str, object], owner_lang: str) -> str:
    """The language asked for, else the site's widget language, else the owner's, else English."""
    for lang in (asked, effective(settings)["lang"], owner_lang):
        if lang in LANGUAGES:
            return str(lang)
    return "en"


def preview(settings: dict[str, object], lang: str, root: Path | None = None) -> Preview:
    """The lines the form shows in ``lang``; a line it would not show is left out."""
    current = effective(settings)
    texts = current["referral_texts"].get(lang, {})
    words = widget_strings(lang, root)
    gift = current["friend_coupon"] in ("fixed", "pool")
    fallback = {
        "headline": words["headline"],
        "friend": words["friend"] if gift else "",
        "referrer": "",
        "submit": words["get"],
    }
    lines = {}
    for name in (*TEXT_NAMES, "submit"):
        own = (texts.get(name) or "").strip() if name in TEXT_NAMES else ""
        if own or fallback[name]:
            lines[name] = Line(name, own or fallback[name], bool(own))
    return Preview(lang, lines)
