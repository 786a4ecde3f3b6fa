"""The settings page: every setting, origins, the snippet, rotating key and secret."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import widgetserver.admin
from widgetserver.core.db import db
from widgetserver.models import Site
from widgetserver.sites import settings as sitesettings

from ..conftest import SHOP, Shop, SiteInfo, all_rows
from ..sites.sample_section import extend_registry
from ..sites.test_settings import LEGACY
from .conftest import confirm_in, token_in


def form(**changes: str) -> dict[str, str]:
    """The settings form as the page sends it with the defaults untouched."""
    data = {
        "name": "Test Shop",
        "origins": "https://shop.example",
        "layout": "icons",
        "theme": "auto",
        "colours": "brand",
        "lang": "auto",
        "storage_mode": "none",
        "consent_required": "on",
        "ref_param": "swk",
        "utm_campaign": "social-widget-kit",
        "attribution_window_days": "30",
        "timezone": "UTC",
        "referral_offer": "off",
        "friend_coupon": "none",
        "friend_coupon_code": "",
        "friend_coupon_daily_cap": "20",
        "reward_coupon": "none",
        "reward_coupon_code": "",
        "reward_hold_days": "14",
        "reward_min_amount": "0",
    }
    for position, channel in enumerate(sitesettings.CHANNELS, start=1):
        data[f"pos_{channel}"] = str(position)
        if channel in sitesettings.DEFAULTS["networks"]:
            data[f"net_{channel}"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored(app, site_id):
    (site,) = all_rows(app, Site, Site.id == site_id)
    return site


def test_the_page_shows_every_setting_and_the_install_snippet(owners, mine):
    page = owners.client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    for key in sitesettings.DEFAULTS:
        if key == "referral_texts":
            for lang in sitesettings.LANGUAGES:
                for text in ("headline", "friend", "referrer"):
                    assert f'name="{key}.{lang}.{text}"' in page
        elif key != "networks":
            assert f'name="{key}"' in page, key
    for channel in sitesettings.CHANNELS:
        assert f'name="net_{channel}"' in page and f'name="pos_{channel}"' in page
    assert f"data-site=&#34;{mine.key}&#34;" in page  # escaped, inside <code>
    assert "/v1/loader.js" in page
    assert 'data-copy="snippet"' in page
    assert "within 60 seconds" in page  # SITE_CACHE_SECONDS (0 in tests) + CONFIG_MAX_AGE


def test_a_saved_change_reaches_the_widget_config(app, owners, client, mine):
    changes = form(
        theme="dark",
        layout="labels",
        storage_mode="session",
        utm_enabled="on",
        utm_campaign="spring",
        ref_param="ref",
        attribution_window_days="14",
        timezone="Europe/Berlin",
        lang="de",
        consent_required=None,
        net_facebook=None,
        net_mastodon="on",
        pos_mastodon="0",
    )
    response = owners.post(f"/admin/sites/{mine.id}/settings", changes)
    assert response.status_code == 303
    config = client.get(f"/v1/sites/{mine.key}/config").json
    assert config["theme"] == "dark"
    assert config["layout"] == "labels"
    assert config["storage_mode"] == "session"
    assert config["utm"] == {"enabled": True, "campaign": "spring"}
    assert config["ref_param"] == "ref"
    assert config["attribution_window_days"] == 14
    assert config["consent_required"] is False
    assert config["lang"] == "de"
    assert config["networks"] == [
        "mastodon",
        "whatsapp",
        "x",
        "linkedin",
        "email",
        "copy",
        "native",
    ]
    assert stored(app, mine.id).settings["timezone"] == "Europe/Berlin"
    page = client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    assert "Saved. Visitors see the change within 60 seconds." in page


def test_origins_and_name_are_normalised_like_the_command_line_does(app, owners, mine):
    owners.post(
        f"/admin/sites/{mine.id}/settings",
        form(
            name="  New Name ",
            origins="HTTPS://Shop.Example:443/path\nhttps://www.shop.example, https://shop.example",
        ),
    )
    site = stored(app, mine.id)
    assert site.name == "New Name"
    assert site.origins == ["https://shop.example", "https://www.shop.example"]


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("name", "", "Give the site a name"),
        ("origins", "ftp://shop.example", "Enter at least one shop address"),
        ("origins", "", "Enter at least one shop address"),
        ("origins", "https://ü..example", "Enter at least one shop address"),
        ("origins", f"https://{'a' * 64}.example", "Enter at least one shop address"),
        ("ref_param", "Not Valid!", "Use 1 to 32 lower-case letters"),
        ("utm_campaign", "spaces are not allowed", "Use 1 to 64 letters"),
        ("attribution_window_days", "400", "whole number of days from 1 to 365"),
        ("attribution_window_days", "ten", "whole number of days from 1 to 365"),
        ("timezone", "Mars/Olympus", "Choose a time zone"),
        ("theme", "neon", "Choose one of the themes"),
        ("storage_mode", "forever", "Choose one of the storage modes"),
    ],
)
def test_a_mistake_is_shown_beside_its_field_and_nothing_typed_is_lost(
    app, owners, mine, field, value, hint
):
    before = stored(app, mine.id)
    data = form(layout="labels", ref_param="kept")
    data[field] = value
    response = owners.post(f"/admin/sites/{mine.id}/settings", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert f'id="error-{field}"' in page and hint in page
    assert 'aria-invalid="true"' in page
    if field in ("name", "origins", "ref_param", "utm_campaign", "attribution_window_days"):
        assert value in page  # what was typed is still in the field
    after = stored(app, mine.id)
    assert (after.name, after.origins, after.settings) == (
        before.name,
        before.origins,
        before.settings,
    )


def test_no_network_at_all_is_refused(owners, mine):
    data = {k: v for k, v in form().items() if not k.startswith("net_")}
    response = owners.post(f"/admin/sites/{mine.id}/settings", data)
    assert response.status_code == 422
    assert 'id="error-networks"' in response.get_data(True)


def test_the_arrows_move_a_network_without_saving_or_losing_anything(app, owners, mine):
    page = owners.post(
        f"/admin/sites/{mine.id}/settings", form(move="facebook:up", theme="dark")
    ).get_data(as_text=True)
    assert "Order changed. Save the settings to keep it." in page
    assert page.index('id="net-facebook"') < page.index('id="net-whatsapp"')
    assert '<option value="dark" selected>' in page
    assert stored(app, mine.id).settings == {}


def test_unknown_keys_other_features_stored_survive_a_save(app, owners, mine):
    with app.app_context(), db.writing() as session:
        session.get(Site, mine.id).settings = {"rewards": {"coupon": "X"}}
    owners.post(f"/admin/sites/{mine.id}/settings", form(theme="light"))
    settings = stored(app, mine.id).settings
    assert settings["rewards"] == {"coupon": "X"} and settings["theme"] == "light"


def test_the_secret_is_replaced_after_a_confirmation_and_shown_once(
    app, owners, client, clock, mine
):
    confirm = client.get(f"/admin/sites/{mine.id}/rotate")
    assert confirm.status_code == 200
    assert stored(app, mine.id).secret == mine.secret  # asking changes nothing
    response = client.post(
        f"/admin/sites/{mine.id}/rotate",
        data={
            "what": "secret",
            "grace_hours": "24",
            "csrf_token": token_in(confirm.text),
            "confirm": confirm_in(confirm.text),
        },
    )
    site = stored(app, mine.id)
    assert site.secret != mine.secret
    assert site.previous_secret == mine.secret
    assert site.previous_secret_until == clock() + timedelta(hours=24)
    assert site.secret in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert site.secret not in client.get(f"/admin/sites/{mine.id}/settings").get_data(True)


def test_the_old_secret_still_signs_during_the_grace_period(app, owners, client, clock, mine):
    owners.post(f"/admin/sites/{mine.id}/rotate", {"what": "secret", "grace_hours": "1"})
    shop = Shop(client, SiteInfo(mine.id, mine.key, mine.secret, SHOP), clock)
    assert shop.conversion("1001").status_code < 300
    clock.advance(hours=1, seconds=1)
    assert shop.conversion("1002").status_code == 401


def test_a_new_site_key_replaces_the_old_one_at_once(app, owners, client, mine):
    response = owners.post(f"/admin/sites/{mine.id}/rotate", {"what": "key"})
    site = stored(app, mine.id)
    assert site.public_key != mine.key and site.secret == mine.secret
    assert f"data-site=&#34;{site.public_key}&#34;" in response.get_data(as_text=True)
    assert client.get(f"/v1/sites/{mine.key}/config").status_code == 404
    assert client.get(f"/v1/sites/{site.public_key}/config").status_code == 200


@pytest.mark.parametrize("data", [{"what": "everything"}, {"what": "secret", "grace_hours": "5"}])
def test_an_unknown_rotation_changes_nothing(app, owners, mine, data):
    assert owners.post(f"/admin/sites/{mine.id}/rotate", data).status_code == 422
    site = stored(app, mine.id)
    assert (site.public_key, site.secret) == (mine.key, mine.secret)


def test_a_hostile_site_name_is_shown_as_text(owners, client):
    account = owners.create("mallory@shop.example")
    site = owners.site(account, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    owners.login(account)
    for path in ("/admin/", f"/admin/sites/{site.id}/settings", f"/admin/sites/{site.id}/rotate"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path


@pytest.mark.parametrize("raw", ["9" * 5000, "\u0661", "+1", " 1", "01"])
def test_a_grace_period_of_any_other_spelling_is_refused(app, owners, mine, raw):
    data = {"what": "secret", "grace_hours": raw}
    assert owners.post(f"/admin/sites/{mine.id}/rotate", data).status_code == 422
    assert stored(app, mine.id).secret == mine.secret


def test_a_replayed_confirmation_changes_nothing(app, owners, client, mine):
    page = client.get(f"/admin/sites/{mine.id}/rotate").text
    data = {"what": "key", "csrf_token": token_in(page), "confirm": confirm_in(page)}
    assert client.post(f"/admin/sites/{mine.id}/rotate", data=data).status_code == 200
    key = stored(app, mine.id).public_key
    replayed = client.post(f"/admin/sites/{mine.id}/rotate", data=data)
    assert replayed.status_code == 409
    assert "already used" in replayed.get_data(as_text=True)
    assert stored(app, mine.id).public_key == key


def test_a_second_secret_rotation_in_the_grace_period_keeps_the_first_secret(
    app, owners, client, clock, mine
):
    data = {"what": "secret", "grace_hours": "1"}
    owners.post(f"/admin/sites/{mine.id}/rotate", data)
    first = stored(app, mine.id)
    again = owners.post(f"/admin/sites/{mine.id}/rotate", data)
    assert again.status_code == 409
    assert "still works until" in again.get_data(as_text=True)
    after = stored(app, mine.id)
    assert (after.secret, after.previous_secret) == (first.secret, mine.secret)
    shop = Shop(client, SiteInfo(mine.id, mine.key, mine.secret, SHOP), clock)
    assert shop.conversion("1001").status_code < 300  # the original secret still signs
    clock.advance(hours=1, seconds=1)
    assert owners.post(f"/admin/sites/{mine.id}/rotate", data).status_code == 200


def test_stopping_old_secrets_at_once_is_allowed_during_a_grace_period(app, owners, mine):
    owners.post(f"/admin/sites/{mine.id}/rotate", {"what": "secret", "grace_hours": "24"})
    stop = {"what": "secret", "grace_hours": "0"}
    assert owners.post(f"/admin/sites/{mine.id}/rotate", stop).status_code == 200
    assert stored(app, mine.id).previous_secret is None


def test_settings_saved_by_an_earlier_version_are_shown_and_kept_by_a_save(app, owners, mine):
    with app.app_context(), db.writing() as session:
        session.get(Site, mine.id).settings = json.loads(LEGACY)
    page = owners.client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    assert '<option value="labels" selected>' in page and '<option value="de" selected>' in page
    assert "<option selected>Europe/Berlin</option>" in page
    assert 'name="ref_param" value="ref"' in page and 'value="14"' in page
    assert page.index('id="net-mastodon"') < page.index('id="net-email"') < page.index('"net-x"')
    unchanged = form(
        layout="labels",
        theme="light",
        colours="mono",
        lang="de",
        storage_mode="session",
        consent_required=None,
        ref_param="ref",
        utm_enabled="on",
        utm_campaign="spring",
        attribution_window_days="14",
        timezone="Europe/Berlin",
        **{f"net_{c}": "on" if c in ("mastodon", "email") else None for c in sitesettings.CHANNELS},
        pos_mastodon="0",
        pos_email="0.5",
    )
    assert owners.post(f"/admin/sites/{mine.id}/settings", unchanged).status_code == 303
    # A save writes every setting of the form, the one those versions did not know too.
    unknown_then = {
        key: setting.default
        for key, setting in sitesettings.REGISTRY.settings.items()
        if key not in json.loads(LEGACY)
    }
    saved = {**json.loads(LEGACY), **unknown_then, "theme": "light"}
    assert stored(app, mine.id).settings == saved


def test_counting_unverified_orders_is_offered_off_and_is_saved_when_ticked(app, owners, mine):
    page = owners.client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    tick = page.split('name="count_unverified"', 1)[1].split(">", 1)[0]
    assert "checked" not in tick  # off until the owner chooses
    assert "Count unverified orders in the figures" in page
    assert "anyone can make them up" in page
    assert owners.post(f"/admin/sites/{mine.id}/settings", form()).status_code == 303
    assert stored(app, mine.id).settings.get("count_unverified", False) is False
    ticked = form(count_unverified="on")
    assert owners.post(f"/admin/sites/{mine.id}/settings", ticked).status_code == 303
    assert stored(app, mine.id).settings["count_unverified"] is True
    page = owners.client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    assert "checked" in page.split('name="count_unverified"', 1)[1].split(">", 1)[0]


def test_the_option_words_and_labels_come_in_german(owners, mine):
    german = {"Accept-Language": "de"}
    page = owners.client.get(f"/admin/sites/{mine.id}/settings", headers=german).text
    assert "<legend>Aussehen</legend>" in page
    assert '<option value="icons" selected>Nur Symbole</option>' in page


def test_every_word_of_the_settings_form_has_a_german_translation():
    po = Path(widgetserver.admin.__file__).parent / "translations/de/LC_MESSAGES/messages.po"
    with po.open("rb") as source:
        translated = {m.id for m in read_po(source) if m.id and m.string and not m.fuzzy}
    words = [
        legend for section in sitesettings.REGISTRY.sections for _n, legend in section.fieldsets
    ]
    for setting in sitesettings.REGISTRY.settings.values():
        assert setting.field is not None
        words += [setting.field.label, setting.field.error, setting.field.hint]
        words += [text for _value, text in setting.field.choices]
    # Lazy texts are translated; plain ones (the languages' own names) are meant as they are.
    lazy = [word for word in words if word is not None and not isinstance(word, str)]
    assert len(lazy) > 30
    missing = [str(word) for word in lazy if str(word) not in translated]
    assert missing == [], "run `make translations` and translate these: " + ", ".join(missing)


@pytest.fixture
def sample(monkeypatch):
    extend_registry(monkeypatch)


def test_a_new_section_shows_in_the_form_without_editing_it(owners, mine, sample):
    page = owners.client.get(f"/admin/sites/{mine.id}/settings").get_data(as_text=True)
    assert "<legend>Sample widget</legend>" in page
    assert 'name="sample_enabled"' in page and 'name="sample_greeting" value="hello"' in page
    assert 'aria-describedby="hint-sample_greeting"' in page
    assert "Visitors see it above the widget." in page
    privacy = page.index("Reference codes and privacy")
    assert privacy < page.index('name="sample_days"') < page.index("Sample widget")


def test_a_new_sections_mistake_is_shown_beside_its_field(app, owners, mine, sample):
    data = form(sample_greeting="Not Valid", sample_days="7")
    response = owners.post(f"/admin/sites/{mine.id}/settings", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="error-sample_greeting"' in page and "Use 1 to 20 lower-case letters." in page
    assert 'aria-describedby="hint-sample_greeting error-sample_greeting"' in page
    assert 'value="Not Valid"' in page
    assert stored(app, mine.id).settings == {}


def test_a_new_sections_choices_are_saved_and_reach_the_config(app, owners, client, mine, sample):
    data = form(sample_enabled="on", sample_greeting="hola", sample_days="3")
    assert owners.post(f"/admin/sites/{mine.id}/settings", data).status_code == 303
    settings = stored(app, mine.id).settings
    assert (settings["sample_enabled"], settings["sample_greeting"]) == (True, "hola")
    assert settings["sample_days"] == 3
    config = client.get(f"/v1/sites/{mine.key}/config").json
    assert config["sample"] == {"enabled": True, "greeting": "hola"}
