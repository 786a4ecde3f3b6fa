"""The widgets a container can ask for with ``data-swk``, one entry each, and the loader's budget.

Adding a widget is an entry here and its files - nothing in the build changes, and the loader
does not grow (it names no widget but the offer it adds as a notice, only the build's one hash):

- a script (``js/<name>.js``): the body of one function that defines ``mount(host, ctx)``. The
  build puts in front of it ``T`` (its strings in one language), ``ICONS`` (``{name: [label,
  colour, path]}``, only the icons the entry names), ``CSS`` (its minified style sheet) and the
  shared helper modules the entry names (``js/lib/<helper>.js``), and hands ``mount`` to the
  loader as ``<name>:<lang>``;
- a style sheet (``css/<name>.css``), adopted into each container's shadow root;
- a string table per language (``i18n/<name>/<lang>.json``, every language of
  ``sites.settings.LANGUAGES``, each with the same keys and its own ``lang``).

Each widget's file of one language, gzipped, must stay within its budget (tests enforce it,
``make size`` prints it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..sites.settings import CHANNELS

#: The loader's budget in gzipped bytes: it is in every shop page, widgets or not.
LOADER_BUDGET = 2 * 1024

#: The shared browser helpers a widget may name, each ``js/lib/<name>.js`` of the widgets.
HELPERS: tuple[str, ...] = ("dom", "text", "link", "net", "copy")


@dataclass(frozen=True)
class Widget:
    """One widget: where its files are, what it draws and uses, and its size budget."""

    #: The ``data-swk`` value, and the first part of the widget's file names.
    name: str
    #: The script, the style sheet and the folder of string tables, relative to ``home``.
    script: str
    style: str
    strings: str
    #: Gzipped bytes that one language's file (script, helpers, CSS, icons, strings) may take.
    budget: int
    #: The icons of ``icons/icons.json`` the widget draws.
    icons: tuple[str, ...] = ()
    #: Entries of ``icons/icons.json`` it offers by name only (no path: nothing drawn), so
    #: a widget can name every channel while paying for the icons of a few.
    named: tuple[str, ...] = ()
    #: The shared helper modules it uses (of ``HELPERS``), put in in this order.
    helpers: tuple[str, ...] = ()
    #: The folder the widget's own files are in; None: the widgets' folder (``widgets/``).
    home: Path | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]*", self.name):
            raise ValueError(f"a widget's name is lower-case letters and digits: {self.name!r}")
        unknown = set(self.helpers) - set(HELPERS)
        if unknown:
            raise ValueError(f"widget {self.name!r} names unknown helpers: {sorted(unknown)}")


SHARE = Widget(
    name="share",
    script="js/share.js",
    style="css/share.css",
    strings="i18n/share",
    budget=6 * 1024,
    icons=CHANNELS,
    helpers=("dom", "text", "link", "net", "copy"),
)

#: Recommend-a-friend: the visitor's personal link, passed on through their own channels.
RECOMMEND = Widget(
    name="recommend",
    script="js/recommend.js",
    style="css/recommend.css",
    strings="i18n/recommend",
    # 5.25 KB, not 4: a form with its labels and messages, the mails it writes, eight icons and
    # the names of the networks it offers without an icon.
    budget=5 * 1024 + 256,
    # The channels it draws: its own (e-mail, copy, share sheet), WhatsApp, and those of the
    # site's networks that people pass a personal link on with (each icon costs ~80 bytes);
    # the site's other networks are offered by name.
    icons=("email", "copy", "native", "whatsapp", "telegram", "facebook", "x", "linkedin"),
    named=("xing", "pinterest", "reddit", "threads", "bluesky"),
    helpers=("dom", "text", "net", "copy"),
)

#: The welcome gift for a friend who arrived through a referral link: the coupon, once asked.
OFFER = Widget(
    name="offer",
    script="js/offer.js",
    style="css/offer.css",
    strings="i18n/offer",
    budget=2 * 1024,
    helpers=("dom", "copy"),
)

#: The widgets this server builds and serves.
WIDGETS: tuple[Widget, ...] = (SHARE, RECOMMEND, OFFER)
