from datetime import timedelta

import pytest

from widgetserver import sites
from widgetserver.core.db import db

from ..conftest import make_site


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443/any/path?q=1", "https://shop.example"),
        ("http://shop.example:80", "http://shop.example"),
        ("http://localhost:8001/", "http://localhost:8001"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(given, origin):
    assert sites.normalise_origin(given) == origin


@pytest.mark.parametrize(
    "given",
    [
        "shop.example",
        "ftp://shop.example",
        "https://",
        "https://user:pw@shop.example",
        "https://shop.example:99999",
        "javascript:alert(1)",
    ],
)
def test_things_that_are_not_origins_are_refused(given):
    with pytest.raises(sites.InputError):
        sites.normalise_origin(given)


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "x@y.z", "<a>@shop.example", "a b@c.de"])
def test_owner_emails_are_checked(email):
    with pytest.raises(sites.InputError):
        sites.normalise_email(email)


def test_rotating_without_grace_retires_the_old_secret_at_once(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, info.key)
        new = sites.rotate_secret(session, site, grace=timedelta(0), now=clock())
        assert sites.verifying_secrets(site, clock()) == [new]
        assert new != info.secret


def test_rotating_with_grace_keeps_the_old_secret_until_it_ends(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, info.key)
        new = sites.rotate_secret(session, site, grace=timedelta(hours=2), now=clock())
        assert sites.verifying_secrets(site, clock()) == [new, info.secret]
        assert sites.verifying_secrets(site, clock() + timedelta(hours=2)) == [new]


def test_sites_are_found_by_key_only_while_active(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        assert sites.by_key(session, info.key).id == info.id
        assert sites.by_key(session, "pk_unknown") is None
        assert sites.by_key(session, None) is None
        assert sites.by_key(session, "x" * 500) is None
        sites.by_key(session, info.key).active = False
    with app.app_context():
        assert sites.by_key(db.session, info.key) is None


def test_browser_endpoints_see_site_changes_within_the_cache_time(app, clock, browser, site):
    app.config["SITE_CACHE_SECONDS"] = 10
    assert browser.share("code-one-1").status_code == 202
    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).origins = ["https://moved.example"]
    clock.advance(seconds=9)
    assert browser.share("code-two-2").status_code == 202  # still cached
    clock.advance(seconds=2)
    assert browser.share("code-three").status_code == 403
    browser.origin = "https://moved.example"
    assert browser.share("code-four4").status_code == 202


def test_signed_requests_never_use_the_cache(app, clock, shop, site):
    app.config["SITE_CACHE_SECONDS"] = 3600
    body = {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "placed"}
    assert shop.post("/v1/conversions", body).status_code == 201
    with app.app_context(), db.writing() as session:
        sites.rotate_secret(
            session, sites.by_key(session, site.key), grace=timedelta(0), now=clock()
        )
    assert shop.post("/v1/conversions", {**body, "order_id": "2"}).status_code == 401


def test_a_grace_period_runs_until_its_end(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, info.key)
        assert sites.grace_running(site, clock()) is False
        sites.rotate_secret(session, site, grace=timedelta(hours=2), now=clock())
        assert sites.grace_running(site, clock() + timedelta(hours=2) - timedelta(seconds=1))
        assert sites.grace_running(site, clock() + timedelta(hours=2)) is False
        sites.rotate_secret(session, site, grace=timedelta(0), now=clock())
        assert sites.grace_running(site, clock()) is False
