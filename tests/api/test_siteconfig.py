"""GET /v1/sites/{key}/config: the public, cacheable widget configuration."""

import json

from widgetserver import sites
from widgetserver.core.db import db

from ..sites.sample_section import extend_registry
from ..sites.test_settings import LEGACY


def test_the_config_carries_the_sites_choices_over_the_defaults(app, client, site):
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).settings = {
            "storage_mode": "session",
            "utm_enabled": True,
            "networks": ["mastodon", "email"],
        }
    body = client.get(f"/v1/sites/{site.key}/config").json
    assert body["site"] == site.key
    assert body["storage_mode"] == "session"
    assert body["networks"] == ["mastodon", "email"]
    assert body["utm"] == {"enabled": True, "campaign": "social-widget-kit"}
    assert body["ref_param"] == "swk"
    assert body["endpoint"] == "http://localhost"


def test_the_config_tells_nothing_private(client, site):
    text = client.get(f"/v1/sites/{site.key}/config").get_data(as_text=True)
    assert site.secret not in text
    assert "owner" not in text


def test_the_config_is_publicly_cacheable_and_revalidates(client, site):
    first = client.get(f"/v1/sites/{site.key}/config")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in first.headers
    again = client.get(
        f"/v1/sites/{site.key}/config", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_settings_change_changes_the_etag(app, client, site):
    before = client.get(f"/v1/sites/{site.key}/config").headers["ETag"]
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).settings = {"theme": "dark"}
    after = client.get(f"/v1/sites/{site.key}/config", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.json["theme"] == "dark"


def test_an_unknown_or_inactive_site_has_no_config(app, client, site):
    assert client.get("/v1/sites/pk_nobody/config").json["error"] == "unknown_site"
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).active = False
    assert client.get(f"/v1/sites/{site.key}/config").status_code == 404


def test_the_public_url_setting_names_the_endpoint(app, client, site):
    app.config["PUBLIC_URL"] = "https://widgets.example"
    assert client.get(f"/v1/sites/{site.key}/config").json["endpoint"] == "https://widgets.example"


def test_the_config_of_a_new_site_is_exactly_this_json(client, site):
    body = client.get(f"/v1/sites/{site.key}/config").get_data()
    assert (
        body
        == (
            '{"attribution_window_days":30,"colours":"brand","consent_required":true,'
            '"endpoint":"http://localhost","lang":"auto","layout":"icons",'
            '"networks":["whatsapp","facebook","x","linkedin","email","copy","native"],'
            '"ref_param":"swk","referral":{"friend_coupon":"none","offer":"off","texts":{}},'
            f'"site":"{site.key}","storage_mode":"none","theme":"auto",'
            '"utm":{"campaign":"social-widget-kit","enabled":false}}'
        ).encode()
    )


def test_the_config_of_a_site_saved_by_an_earlier_version_is_exactly_this_json(app, client, site):
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).settings = json.loads(LEGACY)
    body = client.get(f"/v1/sites/{site.key}/config").get_data()
    assert (
        body
        == (
            '{"attribution_window_days":14,"colours":"mono","consent_required":false,'
            '"endpoint":"http://localhost","lang":"de","layout":"labels",'
            '"networks":["mastodon","email"],"ref_param":"ref",'
            '"referral":{"friend_coupon":"none","offer":"off","texts":{}},'
            f'"site":"{site.key}",'
            '"storage_mode":"session","theme":"dark","utm":{"campaign":"spring","enabled":true}}'
        ).encode()
    )


def test_a_new_section_reaches_the_config_without_editing_it(app, client, site, monkeypatch):
    extend_registry(monkeypatch)
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).settings = {"sample_enabled": True}
    body = client.get(f"/v1/sites/{site.key}/config").json
    assert body["sample"] == {"enabled": True, "greeting": "hello"}
    assert "sample_days" not in json.dumps(body)  # a private setting stays private
    assert body["theme"] == "auto" and body["site"] == site.key
