import pytest

from widgetserver.sites import settings as sitesettings
from widgetserver.sites.settings import SettingsError


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
