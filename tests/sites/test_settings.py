"""A site's settings: the registry, defaults, checks, the public part, stored settings."""

import copy
import json

import pytest

from widgetserver.sites import settings as sitesettings
from widgetserver.sites.settings import (
    REGISTRY,
    Field,
    Registry,
    RegistryError,
    Section,
    Setting,
    SettingsError,
)
from widgetserver.sites.settings.sections import SECTIONS

from .sample_section import SAMPLE, extend_registry


def test_defaults_are_private_by_construction():
    defaults = sitesettings.effective({})
    assert defaults["storage_mode"] == "none"
    assert defaults["consent_required"] is True
    assert defaults["utm_enabled"] is False
    assert defaults["attribution_window_days"] == 30
    assert defaults["ref_param"] == "swk"


def test_stored_choices_override_defaults_and_stale_keys_are_ignored():
    merged = sitesettings.effective({"storage_mode": "session", "retired_option": 1})
    assert merged["storage_mode"] == "session"
    assert "retired_option" not in merged


@pytest.mark.parametrize(
    "changes",
    [
        {"storage_mode": "cookie"},
        {"networks": []},
        {"networks": ["myspace"]},
        {"networks": ["x", "x"]},
        {"networks": "x"},
        {"ref_param": "<script>"},
        {"ref_param": "Ref"},
        {"utm_campaign": "a b"},
        {"attribution_window_days": 0},
        {"attribution_window_days": 366},
        {"attribution_window_days": True},
        {"attribution_window_days": "30"},
        {"timezone": "Mars/Olympus"},
        {"consent_required": "yes"},
        {"lang": "xx"},
        {"unknown": 1},
    ],
)
def test_invalid_changes_are_refused_with_the_field_named(changes):
    with pytest.raises(SettingsError) as caught:
        sitesettings.validate(changes)
    assert caught.value.field == next(iter(changes))


def test_valid_changes_pass_through():
    changes = {
        "networks": ["mastodon", "email"],
        "timezone": "Europe/Berlin",
        "attribution_window_days": 14,
        "storage_mode": "persistent",
    }
    assert sitesettings.validate(changes) == changes


# The registry: every setting declared once, in its section.


def test_each_setting_lives_in_its_section():
    assert {section.name: [s.key for s in section.settings] for section in SECTIONS} == {
        "share": ["networks", "layout", "theme", "colours"],
        "tracking": [
            "storage_mode",
            "consent_required",
            "ref_param",
            "attribution_window_days",
            "utm_enabled",
            "utm_campaign",
        ],
        "site": ["lang", "timezone"],
        "stats": ["count_unverified"],
        "referral": [
            "referral_texts",
            "referral_offer",
            "friend_coupon",
            "friend_coupon_code",
            "friend_coupon_daily_cap",
            "reward_coupon",
            "reward_coupon_code",
            "reward_hold_days",
            "reward_min_amount",
            "reward_first_orders_only",
        ],
    }
    assert REGISTRY.section_of("timezone") == "site"
    assert REGISTRY.section_of("utm_campaign") == "tracking"


def test_every_setting_has_a_check_that_keeps_its_default():
    for key, setting in REGISTRY.settings.items():
        assert callable(setting.check), key
        assert setting.check(key, copy.deepcopy(setting.default)) == setting.default, key
        assert sitesettings.DEFAULTS[key] == setting.default


def test_public_names_and_form_names_are_unique():
    public = [s.public for s in REGISTRY.settings.values() if s.public]
    assert len(public) == len(set(public))
    assert not {p.split(".")[0] for p in public} & {"site", "endpoint"}
    fields = [s.key for block in sitesettings.form() for s in block.settings]
    assert len(fields) == len(set(fields)) == len(REGISTRY.settings)
    assert not set(fields) & {"name", "origins", "move", "csrf_token"}


def test_every_field_has_a_label_and_words_for_a_mistake():
    for setting in REGISTRY.settings.values():
        assert setting.field is not None, setting.key
        assert str(setting.field.label) and str(setting.field.error), setting.key
        offered = [v for v, _words in setting.field.choices if setting.field.kind == "choice"]
        for value in offered:
            assert setting.check(setting.key, value) == value


def test_the_form_keeps_the_pages_fieldsets_in_order():
    layout = [(b.legend and str(b.legend), [s.key for s in b.settings]) for b in REGISTRY.form()]
    assert layout == [
        (None, ["networks"]),
        ("Look", ["layout", "theme", "colours", "lang"]),
        (
            "Reference codes and privacy",
            [
                "storage_mode",
                "consent_required",
                "ref_param",
                "attribution_window_days",
                "utm_enabled",
                "utm_campaign",
                "timezone",
            ],
        ),
        ("Stats", ["count_unverified"]),
        ("Recommend a friend", ["referral_texts"]),
        (
            "The friend's offer",
            ["referral_offer", "friend_coupon", "friend_coupon_code", "friend_coupon_daily_cap"],
        ),
        (
            "Rewards for referrers",
            [
                "reward_coupon",
                "reward_coupon_code",
                "reward_hold_days",
                "reward_min_amount",
                "reward_first_orders_only",
            ],
        ),
    ]


def _keep(key, value):
    return value


THEME_CHECK = REGISTRY.settings["theme"].check


def _setting(key: str, **changes) -> Setting:
    """A setting that keeps any value, changed as given."""
    return Setting(key, **{"default": "a", "check": _keep, **changes})


@pytest.mark.parametrize(
    ("section", "reason"),
    [
        (Section("share", ()), "section"),
        (Section("other", (_setting("theme"),)), "declared twice"),
        (Section("other", (_setting("x1", public="theme"),)), "public as one"),
        (Section("other", (_setting("x1", public="utm"),)), "nested"),
        (Section("other", (_setting("x1", public="theme.dark"),)), "nested"),
        (Section("other", (_setting("x1", public="site"),)), "own name"),
        (Section("other", (_setting("x1", public="a..b"),)), "empty name"),
        (Section("other", (_setting("x1", check=THEME_CHECK),)), "default"),
        (Section("other", (_setting("x1", check=lambda k, v: [v]),)), "not what its check keeps"),
        (
            Section("other", (_setting("name", field=Field("text", "Name", "No.")),)),
            "another input",
        ),
        (
            Section(
                "other", (_setting("x1", field=Field("text", "X", "No.", fieldset="nowhere")),)
            ),
            "undeclared fieldset",
        ),
        (Section("other", (_setting("x1", field=Field("choice", "X", "No.")),)), "choices"),
        (
            Section(
                "other",
                (
                    _setting(
                        "x1",
                        default="dark",
                        check=THEME_CHECK,
                        field=Field("choice", "X", "No.", choices=(("neon", "Neon"),)),
                    ),
                ),
            ),
            "refuses",
        ),
        (Section("other", (_setting("x1", field=Field("networks", "X", "No.")),)), "one list"),
        (Section("other", (), fieldsets=(("look", "Again"),)), "fieldset"),
    ],
)
def test_a_section_that_would_collide_is_refused(section, reason):
    with pytest.raises(RegistryError, match=reason):
        REGISTRY.with_section(section)


def test_the_real_sections_build_a_registry_again():
    assert list(Registry(SECTIONS).settings) == list(REGISTRY.settings)


# The public configuration, generated from the registry.

DEFAULT_PUBLIC = {
    "networks": ["whatsapp", "facebook", "x", "linkedin", "email", "copy", "native"],
    "layout": "icons",
    "theme": "auto",
    "colours": "brand",
    "lang": "auto",
    "storage_mode": "none",
    "consent_required": True,
    "ref_param": "swk",
    "utm": {"enabled": False, "campaign": "social-widget-kit"},
    "attribution_window_days": 30,
    # The fixed coupon codes, the pools and the rewards' rules stay on the server.
    "referral": {"texts": {}, "offer": "off", "friend_coupon": "none"},
}


def test_the_public_settings_of_a_new_site_are_the_defaults_without_the_time_zone():
    assert sitesettings.public(sitesettings.effective({})) == DEFAULT_PUBLIC


def test_the_public_settings_follow_the_owners_choices():
    chosen = sitesettings.effective(
        {"utm_enabled": True, "utm_campaign": "spring", "timezone": "Europe/Berlin"}
    )
    assert sitesettings.public(chosen) == {
        **DEFAULT_PUBLIC,
        "utm": {"enabled": True, "campaign": "spring"},
    }


def test_a_new_section_is_public_and_checked_without_further_edits(monkeypatch):
    extend_registry(monkeypatch)
    merged = sitesettings.effective({"sample_greeting": "hola"})
    assert merged["sample_greeting"] == "hola" and merged["sample_days"] == 7
    assert sitesettings.public(merged)["sample"] == {"enabled": False, "greeting": "hola"}
    assert "sample_days" not in json.dumps(sitesettings.public(merged))
    with pytest.raises(SettingsError) as caught:
        sitesettings.validate({"sample_greeting": "Hola!"})
    assert caught.value.field == "sample_greeting"
    assert sitesettings.form()[-1].legend == "Sample widget"
    privacy = [b for b in sitesettings.form() if b.legend == "Reference codes and privacy"]
    assert SAMPLE.settings[2] in privacy[0].settings  # joins "privacy"


def test_the_extended_registry_is_gone_after_the_test():
    assert "sample_greeting" not in sitesettings.REGISTRY.settings
    assert "sample" not in sitesettings.public(sitesettings.effective({}))


# Settings as every earlier version stored them: flat keys, with keys no setting declares.

LEGACY = """{"networks": ["mastodon", "email"], "layout": "labels", "theme": "dark",
"colours": "mono", "lang": "de", "storage_mode": "session", "consent_required": false,
"ref_param": "ref", "utm_enabled": true, "utm_campaign": "spring",
"attribution_window_days": 14, "timezone": "Europe/Berlin", "retired_option": 1,
"rewards": {"coupon": "X"}}"""

LEGACY_EFFECTIVE = {
    "networks": ["mastodon", "email"],
    "layout": "labels",
    "theme": "dark",
    "colours": "mono",
    "lang": "de",
    "storage_mode": "session",
    "consent_required": False,
    "ref_param": "ref",
    "utm_enabled": True,
    "utm_campaign": "spring",
    "attribution_window_days": 14,
    "timezone": "Europe/Berlin",
    # Unknown to those versions: the defaults.
    "count_unverified": False,
    **{key: REGISTRY.settings[key].default for key in REGISTRY.settings if key not in LEGACY},
}


def test_settings_stored_by_earlier_versions_read_the_same():
    assert sitesettings.effective(json.loads(LEGACY)) == LEGACY_EFFECTIVE
    assert sitesettings.effective({"timezone": "Pacific/Kiritimati"}) == {
        **sitesettings.DEFAULTS,
        "timezone": "Pacific/Kiritimati",
    }


def test_settings_stored_by_earlier_versions_survive_an_update():
    stored = json.loads(LEGACY)
    saved = {**stored, **sitesettings.validate({"theme": "light"})}
    assert saved == {**json.loads(LEGACY), "theme": "light"}
    assert sitesettings.effective(saved) == {**LEGACY_EFFECTIVE, "theme": "light"}


def test_effective_settings_are_a_copy_callers_may_change():
    first = sitesettings.effective({})
    first["networks"].append("xing")
    assert sitesettings.effective({})["networks"][-1] == "native"
