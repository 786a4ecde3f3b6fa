"""The loader in real Chromium, on a shop page served from another host than the widget server."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from widgetserver.embed import assets
from widgetserver.models import Conversion

from ..conftest import all_rows
from .conftest import landed, shared_code, visits, wait_for


def test_a_landing_through_a_shared_link_is_recorded_and_the_code_leaves_the_address_bar(
    setup, context
):
    code = shared_code(setup)
    url = setup.page("/p/mug")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r))
    # The shop's own query, as odd as shops make them, around the code.
    query = "q=a%20b&path=/x/y&list=a,b&flag&tilde=%7E&plus=a+b&bad=%zz"
    with page.expect_request(lambda r: r.url.endswith("/v1/events")) as posted:
        page.goto(f"{url}?{query}&swk={code}&swk=again#reviews")
    body = json.loads(posted.value.post_data)
    assert body == {  # the page's query stays in the browser
        "site": setup.site.key,
        "events": [{"type": "visit", "code": code, "url": url}],
    }
    assert posted.value.headers["content-type"].startswith("text/plain")
    wait_for(page, lambda: len(visits(setup)) == 1, "the visit was not stored")
    # Only the code left the address bar; every other byte is as it was.
    assert page.url == f"{url}?{query}#reviews"
    # Privacy: only the shop and the widget server were asked; three requests to the latter.
    hosts = {urlsplit(r.url).netloc for r in requests}
    assert hosts == {urlsplit(setup.shop.url).netloc, urlsplit(setup.widget.url).netloc}
    widget_requests = [r.url for r in requests if r.url.startswith(setup.widget.url)]
    assert len(widget_requests) == 3
    assert context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    # Storage mode "none" (the default): nothing is kept in the browser.
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0


def test_a_page_without_a_code_asks_the_widget_server_twice_and_reports_nothing(setup, context):
    url = setup.page("/")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert [u.split("?")[0] for u in requests if u.startswith(setup.widget.url)] == [
        f"{setup.widget.url}/v1/loader.js",
        f"{setup.widget.url}/v1/sites/{setup.site.key}/config",
    ]


def test_a_hostile_code_is_removed_and_never_sent(setup, context):
    url = setup.page("/p/mug")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url + "?swk=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    page.wait_for_load_state("networkidle")
    assert page.url == url
    assert not any(u.endswith("/v1/events") for u in requests)


def test_session_mode_keeps_the_code_for_a_later_thank_you_page(setup, context):
    setup.configure(storage_mode="session")
    code = shared_code(setup)
    landing = setup.page("/p/mug")
    thanks = setup.page(
        "/thanks",
        head="<script>window.swk=window.swk||function(){(swk.q=swk.q||[]).push(arguments)};"
        "swk('conversion', {order_id: 'A-17', amount: '59.90', currency: 'EUR'});</script>",
    )
    page = context.new_page()
    page.goto(f"{landing}?swk={code}")
    wait_for(page, lambda: len(visits(setup)) == 1, "the visit was not stored")
    assert code in page.evaluate(f"sessionStorage.getItem('swk:{setup.site.key}')")
    assert page.evaluate("localStorage.length") == 0
    with page.expect_response(lambda r: r.url.endswith("/v1/conversions/browser")) as answered:
        page.goto(thanks)
    assert answered.value.status == 201
    (order,) = all_rows(setup.app, Conversion)
    assert (order.order_id, order.amount_minor, order.verified, order.attribution) == (
        "A-17",
        5990,
        False,
        "attributed",
    )


def test_persistent_mode_waits_for_consent_and_forgets_on_withdrawal(setup, context):
    setup.configure(storage_mode="persistent", consent_required=True)
    code = shared_code(setup)
    page = context.new_page()
    page.goto(f"{setup.page('/p/mug')}?swk={code}")
    wait_for(page, lambda: len(visits(setup)) == 1, "the visit was not stored")
    key = f"swk:{setup.site.key}"
    assert page.evaluate(f"localStorage.getItem('{key}')") is None
    page.evaluate("swk('consent', true)")
    assert code in page.evaluate(f"localStorage.getItem('{key}')")
    page.evaluate("swk('consent', false)")
    assert page.evaluate(f"localStorage.getItem('{key}')") is None


def test_persistent_mode_without_required_consent_stores_at_once_unless_gpc_is_set(setup, chromium):
    setup.configure(storage_mode="persistent", consent_required=False)
    key = f"swk:{setup.site.key}"
    for gpc, expected in ((False, True), (True, False)):
        context, page = landed(setup, chromium, f"code-gpc-{gpc}", gpc=gpc)
        assert (page.evaluate(f"localStorage.getItem('{key}')") is not None) is expected
        page.evaluate("swk('consent', true)")
        assert (page.evaluate(f"localStorage.getItem('{key}')") is not None) is expected
        context.close()


def test_commands_queued_before_the_loader_arrives_are_run(setup, context):
    url = setup.page(
        "/thanks",
        head="<script>window.swk=window.swk||function(){(swk.q=swk.q||[]).push(arguments)};"
        "swk('conversion', {order_id: 'Q-1', amount: '5.00', currency: 'CHF'});</script>",
    )
    page = context.new_page()
    with page.expect_response(lambda r: r.url.endswith("/v1/conversions/browser")) as answered:
        page.goto(url)
    assert answered.value.status == 201
    (order,) = all_rows(setup.app, Conversion)
    assert (order.order_id, order.currency, order.attribution) == ("Q-1", "CHF", "no_ref")


def test_session_mode_keeps_nothing_under_gpc_or_after_the_visitor_says_no(setup, chromium):
    setup.configure(storage_mode="session")
    key = f"swk:{setup.site.key}"
    for name, gpc in (("gpc", True), ("refused", False)):
        context, page = landed(setup, chromium, f"code-session-{name}", gpc=gpc)
        if not gpc:
            assert f"code-session-{name}" in page.evaluate(f"sessionStorage.getItem('{key}')")
            page.evaluate("swk('consent', false)")
        assert page.evaluate("sessionStorage.length + localStorage.length") == 0, name
        context.close()


def test_a_loader_tag_without_a_site_leaves_the_page_to_the_one_with(setup, context):
    url = setup.page(
        "/p/mug",
        head=f"<script src='{setup.widget.url}/v1/loader.js'></script>",
        body="<div data-swk='share' data-swk-networks='copy'></div>",
    )
    page = context.new_page()
    page.goto(url)
    page.locator("[data-swk] .b").first.wait_for()
    assert page.evaluate("swk.loaded") is True


@pytest.mark.parametrize(("html_lang", "lang"), [("frr", "en"), ("pl-PL", "pl"), ("nl_BE", "nl")])
def test_the_language_is_the_whole_primary_tag_not_its_first_letters(
    setup, context, html_lang, lang
):
    url = setup.page("/p/mug", lang=html_lang, body="<div data-swk='share'></div>")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.locator("[data-swk] .b").first.wait_for()
    assert [u.rsplit(".", 2)[-2] for u in requests if "/v1/assets/" in u] == [lang]


def test_a_container_naming_a_widget_the_server_lacks_stays_empty_and_breaks_nothing(
    setup, context
):
    url = setup.page("/p/mug", body="<div data-swk='badge'></div><div data-swk='share'></div>")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.locator("[data-swk='share'] .b").first.wait_for()
    page.wait_for_load_state("networkidle")
    # The loader names no widget: it asks once, and the server says there is none (a 404).
    version = assets.build().version
    badge = f"{setup.widget.url}/v1/assets/badge.{version}.en.js"
    assert requests.count(badge) == 1
    assert page.evaluate("document.querySelector(\"[data-swk='badge']\").childNodes.length") == 0
    assert errors == []
