from datetime import timedelta

import pytest

from widgetserver import sites
from widgetserver.core.db import db
from widgetserver.core.errors import DomainError

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
        # IDNA 2008 / UTS 46 without transitional processing, as browsers: ß stays ß.
        ("https://faß.de", "https://xn--fa-hia.de"),
        ("https://straße.de/shop", "https://xn--strae-oqa.de"),
        ("https://Bücher.Example", "https://xn--bcher-kva.example"),
        ("https://ÖBB.at", "https://xn--bb-eka.at"),
        ("https://\uff33\uff28\uff2f\uff30\u3002example", "https://shop.example"),  # full width
        ("https://XN--FA-HIA.DE", "https://xn--fa-hia.de"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        # ASCII names as browsers take them: hyphens anywhere, underscores, 63-octet labels.
        ("https://r3---sn-abc.cdn.example", "https://r3---sn-abc.cdn.example"),
        ("https://my_shop.example", "https://my_shop.example"),
        (f"https://{'a' * 63}.example", f"https://{'a' * 63}.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(given, origin):
    assert sites.normalise_origin(given) == origin


def test_stored_origins_are_what_chromium_sends_as_origin(chromium):
    """Real Chromium on pages at international names: its ``Origin`` header is the stored form."""
    page = chromium.new_page()
    sent: list[str] = []

    def answer(route):  # no network: every request is answered here
        if route.request.method == "POST":
            sent.append(route.request.headers["origin"])
            route.fulfill(status=204, headers={"Access-Control-Allow-Origin": "*"})
        else:
            route.fulfill(status=200, content_type="text/html", body="<p>shop</p>")

    page.route("**/*", answer)
    typed = ["https://faß.de", "https://Bücher.Example", "https://ÖBB.at", "http://straße.de:8080"]
    for address in typed:
        page.goto(f"{address}/")
        posted = "fetch('https://widgets.example/v1/events', {method: 'POST', body: 'x'})"
        assert page.evaluate(f"{posted}.then(r => r.status)") == 204
    page.close()
    assert sent == [sites.normalise_origin(address) for address in typed]


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


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("https://ü..example", "empty part"),
        ("https://shop.example.", "empty part"),
        ("https://.shop.example", "empty part"),
        (f"https://{'a' * 64}.example", "longer than 63"),
        (f"https://{'ü' * 60}.example", "Label too long"),
        (f"https://{'a' * 58}ü.example", "Label too long"),
        ("https://" + ".".join(["a" * 63] * 4), "longer than 253"),
        ("https://☃.net", "not a valid domain name"),
        ("https://exa\u200dmple.com", "not a valid domain name"),
        ("https://xn--zz.de", "not a valid domain name"),
        ("https://xn--fa-hia-.de", "not a valid domain name"),
        ("https://xn--.de", "not a valid domain name"),
        ("https://shop*.example", "not a valid part"),
        ("https://sh\x00op.example", "not"),
    ],
)
def test_invalid_host_names_are_refused_with_a_reason(given, words):
    with pytest.raises(sites.InputError) as refused:
        sites.normalise_origin(given)
    assert words in refused.value.message


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


# --- refusals are domain errors, usable outside a request ----------------------------------


def _public_site():
    return sites.PublicSite(1, "pk_" + "a" * 20, frozenset({"https://shop.example"}), {})


def test_a_page_outside_the_shop_origins_is_refused_without_any_request():
    sites.require_origin(_public_site(), "https://shop.example")
    for origin in ("https://evil.example", None):
        with pytest.raises(DomainError) as caught:
            sites.require_origin(_public_site(), origin)
        assert caught.value.reason == "origin_not_allowed"
        assert caught.value.message == (
            "This page's origin is not one of the site's registered shop origins."
        )


def test_an_unknown_site_is_refused_in_an_app_context_without_a_request(app, clock):
    with app.app_context(), pytest.raises(DomainError) as caught:
        sites.require_public("pk_" + "b" * 20, clock())
    assert (caught.value.reason, caught.value.message) == (
        "unknown_site",
        "No active site has this public key.",
    )


def test_an_active_site_is_found_by_require_public(app, clock):
    info = make_site(app, clock)
    with app.app_context():
        found = sites.require_public(info.key, clock())
    assert (found.id, found.public_key, found.origins) == (info.id, info.key, {info.origin})


def test_what_owners_type_is_refused_as_a_domain_error_that_is_still_a_value_error():
    with pytest.raises(sites.InputError) as caught:
        sites.normalise_email("no-at-sign")
    assert isinstance(caught.value, DomainError) and isinstance(caught.value, ValueError)
    assert caught.value.reason == "invalid_input"
    assert str(caught.value) == "'no-at-sign' is not an e-mail address"


def test_a_second_grace_is_refused_with_its_end_and_nothing_changes(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, info.key)
        new = sites.rotate_secret(session, site, grace=timedelta(hours=2), now=clock())
        with pytest.raises(sites.GraceRunning) as caught:
            sites.rotate_secret(session, site, grace=timedelta(hours=1), now=clock())
        assert caught.value.reason == "grace_running"
        assert caught.value.until == clock() + timedelta(hours=2)
        assert str(caught.value).startswith("the old secret still works until ")
        assert sites.verifying_secrets(site, clock()) == [new, info.secret]


def test_the_package_keeps_every_name_its_callers_use():
    assert set(sites.__all__) <= set(dir(sites))
    assert callable(sites.lookup) and callable(sites.by_key) and callable(sites.create_site)


@pytest.mark.parametrize("rotate", ["secret", "key"])
def test_a_rotation_from_a_stale_view_changes_nothing(app, clock, rotate):
    info = make_site(app, clock)
    with app.app_context():
        stale = sites.by_key(db.session, info.key)  # read, then another request rotates
        with app.app_context(), db.writing() as other:
            winner = sites.rotate_secret(
                other, sites.by_key(other, info.key), grace=timedelta(hours=1), now=clock()
            )
        with db.writing() as session, pytest.raises(sites.RotationConflict) as caught:
            if rotate == "secret":
                sites.rotate_secret(session, stale, grace=timedelta(0), now=clock())
            else:
                sites.rotate_key(session, stale, now=clock())
        assert caught.value.reason == "rotation_conflict"
    with app.app_context():
        site = sites.by_key(db.session, info.key)
        assert (site.secret, site.previous_secret, site.rotation) == (winner, info.secret, 1)


def test_a_rotation_counts_and_checks_the_count_it_was_confirmed_with(app, clock):
    info = make_site(app, clock)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, info.key)
        key = sites.rotate_key(session, site, now=clock(), seen=0)
        assert (site.public_key, site.rotation) == (key, 1)
        with pytest.raises(sites.RotationConflict):
            sites.rotate_secret(session, site, grace=timedelta(0), now=clock(), seen=0)
        sites.rotate_secret(session, site, grace=timedelta(0), now=clock(), seen=1)
        assert site.rotation == 2 and site.secret != info.secret
