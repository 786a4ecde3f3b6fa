"""Every setting of a site, by section: one entry here is all a new option needs.

``share`` holds the share buttons' options, ``site`` what holds for the whole site (the
widgets' language, the stats' time zone), ``tracking`` how reference codes are kept and
credited, ``stats`` what the owners' figures count, ``referral`` (in ``referral.py``) the texts,
offers and rewards of recommend-a-friend. A new feature adds its own ``Section`` to
``SECTIONS``; the public configuration and the owners' settings form are generated from it
(``settings.public``, ``admin/settingsform.py``). Stored keys are flat (``{"theme": "dark",
"timezone": "Europe/Berlin"}``) and unique across all sections, so sites saved by any earlier
version read the same.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from . import checks
from .spec import Field, Section, Setting

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
#: The longest attribution window an owner may choose (raw events are kept longer than it).
ATTRIBUTION_WINDOW_MAX_DAYS = 365

_CHOOSE_YES_OR_NO = _l("Choose yes or no.")


SHARE = Section(
    "share",
    fieldsets=(("look", _l("Look")),),
    settings=(
        Setting(
            "networks",
            ["whatsapp", "facebook", "x", "linkedin", "email", "copy", "native"],
            checks.networks(CHANNELS),
            public="networks",
            field=Field(
                "networks",
                _l("Networks and their order"),
                _l("Choose at least one network."),
                hint=_l(
                    "Tick the networks to show. The buttons appear in the order of the numbers;"
                    " the arrows move a network one place."
                ),
            ),
        ),
        Setting(
            "layout",
            "icons",
            checks.choice(LAYOUTS),
            public="layout",
            field=Field(
                "choice",
                _l("Layout"),
                _l("Choose one of the layouts."),
                fieldset="look",
                choices=(
                    ("icons", _l("Icons only")),
                    ("labels", _l("Icons with labels")),
                    ("compact", _l("Compact")),
                ),
            ),
        ),
        Setting(
            "theme",
            "auto",
            checks.choice(THEMES),
            public="theme",
            field=Field(
                "choice",
                _l("Theme"),
                _l("Choose one of the themes."),
                fieldset="look",
                choices=(("auto", _l("Automatic")), ("light", _l("Light")), ("dark", _l("Dark"))),
            ),
        ),
        Setting(
            "colours",
            "brand",
            checks.choice(COLOURS),
            public="colours",
            field=Field(
                "choice",
                _l("Colours"),
                _l("Choose one of the colour schemes."),
                fieldset="look",
                choices=(
                    ("brand", _l("Brand colours of each network")),
                    ("mono", _l("One colour")),
                ),
            ),
        ),
    ),
)

TRACKING = Section(
    "tracking",
    fieldsets=(("privacy", _l("Reference codes and privacy")),),
    settings=(
        Setting(
            # Privacy first: the code travels only in the URL until the owner chooses otherwise.
            "storage_mode",
            "none",
            checks.choice(STORAGE_MODES),
            public="storage_mode",
            field=Field(
                "choice",
                _l("Keeping the code in the visitor's browser"),
                _l("Choose one of the storage modes."),
                fieldset="privacy",
                choices=(
                    ("none", _l("None: the code travels only in the address")),
                    ("session", _l("Session: kept while the tab is open")),
                    ("persistent", _l("Persistent: kept for the attribution window")),
                ),
            ),
        ),
        Setting(
            "consent_required",
            True,
            checks.boolean,
            public="consent_required",
            field=Field(
                "check",
                _l("Ask for consent before keeping the code persistently"),
                _CHOOSE_YES_OR_NO,
                fieldset="privacy",
                hint=_l("Only switch this off if keeping the code needs no consent on your shop."),
            ),
        ),
        Setting(
            "ref_param",
            "swk",
            checks.pattern(
                r"^[a-z][a-z0-9_]{0,31}$", "must be 1-32 lower-case letters, digits or _"
            ),
            public="ref_param",
            field=Field(
                "text",
                _l("Name of the reference parameter"),
                _l("Use 1 to 32 lower-case letters, digits or _, starting with a letter."),
                fieldset="privacy",
                maximum=32,
            ),
        ),
        Setting(
            "attribution_window_days",
            30,
            checks.days(1, ATTRIBUTION_WINDOW_MAX_DAYS),
            public="attribution_window_days",
            field=Field(
                "number",
                _l("Attribution window in days"),
                _l("Enter a whole number of days from 1 to 365."),
                fieldset="privacy",
                minimum=1,
                maximum=ATTRIBUTION_WINDOW_MAX_DAYS,
            ),
        ),
        Setting(
            "utm_enabled",
            False,
            checks.boolean,
            public="utm.enabled",
            field=Field(
                "check",
                _l("Add UTM parameters to shared links"),
                _CHOOSE_YES_OR_NO,
                fieldset="privacy",
            ),
        ),
        Setting(
            "utm_campaign",
            "social-widget-kit",
            checks.pattern(
                r"^[A-Za-z0-9._-]{1,64}$", "must be 1-64 letters, digits, '.', '_' or '-'"
            ),
            public="utm.campaign",
            field=Field(
                "text",
                _l("UTM campaign"),
                _l("Use 1 to 64 letters, digits, dots, dashes or underscores."),
                fieldset="privacy",
                maximum=64,
            ),
        ),
    ),
)

SITE = Section(
    "site",
    settings=(
        Setting(
            # "auto": the page's <html lang>, then English.
            "lang",
            "auto",
            checks.choice(("auto", *LANGUAGES)),
            public="lang",
            field=Field(
                "choice",
                _l("Default language"),
                _l("Choose one of the languages."),
                fieldset="look",
                choices=(
                    ("auto", _l("Automatic (the page's language)")),
                    ("de", "Deutsch"),
                    ("en", "English"),
                    ("fr", "Français"),
                    ("es", "Español"),
                    ("it", "Italiano"),
                    ("nl", "Nederlands"),
                    ("pl", "Polski"),
                ),
            ),
        ),
        Setting(
            # The stats' days begin at midnight here; browsers need not know it.
            "timezone",
            "UTC",
            checks.timezone,
            field=Field(
                "zone",
                _l("Time zone of the stats"),
                _l("Choose a time zone such as Europe/Berlin."),
                fieldset="privacy",
            ),
        ),
    ),
)

STATS = Section(
    "stats",
    fieldsets=(("stats", _l("Stats")),),
    settings=(
        Setting(
            # Anyone can report an order through a browser: such orders stay out of the
            # headline figures until the owner chooses otherwise; they are shown apart.
            "count_unverified",
            False,
            checks.boolean,
            field=Field(
                "check",
                _l("Count unverified orders in the figures"),
                _CHOOSE_YES_OR_NO,
                fieldset="stats",
                hint=_l(
                    "Unverified orders were reported only by a visitor's browser, not signed by"
                    " your shop, so anyone can make them up. Ticked, they count in the"
                    " conversion rate, the average order value and the charts; either way the"
                    " stats show them apart."
                ),
            ),
        ),
    ),
)

# Feature sections live in modules of their own and read the names above.
from .referral import REFERRAL  # noqa: E402

#: In the order of the form: ``site`` after the sections whose fieldsets its fields join.
SECTIONS: tuple[Section, ...] = (SHARE, TRACKING, SITE, STATS, REFERRAL)
