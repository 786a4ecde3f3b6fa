"""The friend's offer in real Chromium: a visitor who arrived through a referral link sees the
owner's coupon for friends, from the real ``POST /v1/offers``, where the site's settings say so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from widgetserver.core.db import db
from widgetserver.models import RefCode

from .conftest import Setup, shared_code, visits, wait_for
from .test_recommend import violations
from .test_share import LAYOUT_SHIFT

CODE = "friendlink01"
GIFT = "10 % off your first order"


def referral_link(setup: Setup, code: str = CODE) -> str:
    """A referral link's code, as the recommend form makes them (another visitor's)."""
    with setup.app.app_context(), db.writing() as session:
        session.add(
            RefCode(
                site_id=setup.site.id,
                code=code,
                kind="referral",
                referrer=f"cust-{code}",
                created_at=datetime.now(UTC),
            )
        )
    return code


def offering(setup: Setup, mode: str = "notice", coupon: str = "fixed", **more) -> None:
    setup.configure(
        referral_offer=mode,
        friend_coupon=coupon,
        friend_coupon_code="SPRING10",
        referral_texts={"en": {"friend": GIFT}},
        **more,
    )


def arrive(setup: Setup, context, code: str | None, body: str = "", lang: str = "en"):
    """Open the mug page (through `code`); the page and every request the browser sent."""
    sent: list[tuple[str, str]] = []
    context.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    page = context.new_page()
    url = setup.page("/p/mug", lang=lang, body=f"<main><h1>Mug</h1>{body}</main>")
    page.goto(f"{url}?swk={code}" if code else url)
    page.wait_for_load_state("networkidle")
    return page, sent


def asked_for_offers(sent: list[tuple[str, str]]) -> list[dict]:
    return [json.loads(body) for url, body in sent if url.endswith("/v1/offers")]


def notice(page):
    return page.locator("[data-swk=offer][data-swk-notice]")


def test_a_friend_through_a_referral_link_sees_the_coupon_in_a_notice(setup, chromium):
    offering(setup)
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    page, sent = arrive(setup, context, referral_link(setup))
    box = notice(page)
    box.locator(".swk").wait_for()
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label") == "Your welcome gift"
    assert box.locator(".t").inner_text() == GIFT  # the owner's words
    assert box.locator("strong").inner_text() == "SPRING10"
    # A notice over the page, at the bottom of the screen.
    assert box.evaluate("(el) => getComputedStyle(el).position") == "fixed"
    frame = box.bounding_box()
    assert frame["y"] + frame["height"] == pytest.approx(page.viewport_size["height"] - 16, abs=1)
    box.get_by_role("button", name="Copy code").click()
    box.locator("[role=status]").get_by_text("Code copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "SPRING10"
    # One question, to the widget server only, naming the site and the code.
    assert asked_for_offers(sent) == [{"site": setup.site.key, "code": CODE}]
    hosts = {urlsplit(url).netloc for url, _ in sent}
    assert hosts == {urlsplit(setup.shop.url).netloc, urlsplit(setup.widget.url).netloc}
    assert len(visits(setup)) == 1
    assert context.cookies() == []
    context.close()


def test_without_an_owners_text_the_offer_says_its_own_words(setup, context):
    setup.configure(referral_offer="notice", friend_coupon="fixed", friend_coupon_code="SPRING10")
    page, _ = arrive(setup, context, referral_link(setup), lang="de")
    notice(page).locator(".swk").wait_for()
    assert notice(page).locator(".t").inner_text() == "Ein Willkommensgeschenk auf Empfehlung"
    assert notice(page).get_attribute("aria-label") == "Ihr Willkommensgeschenk"


def test_the_notice_can_be_closed_and_stays_closed_where_the_site_may_keep_it(setup, chromium):
    offering(setup, storage_mode="session")
    code = referral_link(setup)
    context = chromium.new_context()
    page, sent = arrive(setup, context, code)
    close = notice(page).get_by_role("button", name="Close")
    close.click()
    assert notice(page).count() == 0
    # The code stays with the visitor in this tab, and so does the choice: no notice again.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert notice(page).locator(".swk").count() == 0
    assert len(asked_for_offers(sent)) == 1
    context.close()


def test_where_nothing_may_be_kept_a_closed_notice_is_closed_for_the_page(setup, context):
    offering(setup)  # storage mode "none"
    page, _ = arrive(setup, context, referral_link(setup))
    notice(page).get_by_role("button", name="Close").click()
    assert notice(page).count() == 0
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


@pytest.mark.parametrize(
    "case", ["share_code", "no_code", "offer_off", "no_coupon", "unknown_code"]
)
def test_no_offer_no_notice_and_no_space_taken(setup, context, case):
    if case == "offer_off":
        offering(setup, mode="off")
    elif case == "no_coupon":
        offering(setup, coupon="none")
    else:
        offering(setup)
    code = {
        "share_code": lambda: shared_code(setup),
        "no_code": lambda: None,
        "unknown_code": lambda: "neverissued01",
    }.get(case, lambda: referral_link(setup))()
    page, sent = arrive(setup, context, code, body="<div data-swk='offer'></div>")
    page.wait_for_timeout(300)
    assert page.locator("[data-swk=offer] .swk").count() == 0
    assert page.locator("[data-swk=offer]").first.bounding_box()["height"] == 0
    # The loader asks only where an offer could be (a code, offer on, a coupon set).
    assert bool(asked_for_offers(sent)) == (case in ("share_code", "unknown_code"))


@pytest.mark.parametrize("status", [404, 409, 429, 500])
def test_an_offer_refused_or_exhausted_shows_nothing(setup, context, status):
    offering(setup)
    context.route(
        "**/v1/offers",
        lambda route: route.fulfill(
            status=status,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps({"error": "offer_exhausted", "message": "none left"}),
        ),
    )
    page, sent = arrive(setup, context, referral_link(setup))
    assert len(asked_for_offers(sent)) == 1
    page.wait_for_timeout(200)
    assert page.locator("[data-swk=offer] .swk").count() == 0


def test_in_container_mode_only_the_shops_containers_show_the_offer(setup, context):
    offering(setup, mode="container")
    body = "<p>Above</p><div id='a' data-swk='offer'></div><div id='b' data-swk='offer'></div>"
    page, sent = arrive(setup, context, referral_link(setup), body=body)
    page.locator("#b .swk").wait_for()
    assert page.locator("#a strong").inner_text() == "SPRING10"
    assert notice(page).count() == 0  # the loader added none
    assert len(asked_for_offers(sent)) == 1  # one question for every container
    assert page.locator("#a").get_attribute("role") is None
    # Closing one closes the offer on the page.
    page.locator("#a").get_by_role("button", name="Close").click()
    assert page.locator("[data-swk=offer] .swk").count() == 0


def test_the_notice_does_not_move_the_page_nor_does_a_container_at_its_end(setup, chromium):
    offering(setup, mode="notice")
    page, _ = arrive(setup, chromium.new_context(), referral_link(setup), body="<p>Text</p>" * 5)
    notice(page).locator(".swk").wait_for()
    assert page.evaluate(LAYOUT_SHIFT) == 0
    offering(setup, mode="container")  # a new browser: the settings are cached for a minute
    page, _ = arrive(
        setup,
        chromium.new_context(),
        referral_link(setup, "friendlink02"),
        body="<p>Text</p>" * 5 + "<div data-swk='offer'></div>",
    )
    page.locator("[data-swk=offer] .swk").wait_for()
    height = page.locator("[data-swk=offer]").bounding_box()["height"]
    assert 0 < height <= 112  # the documented most: --swk-size + 72px
    assert page.evaluate(LAYOUT_SHIFT) == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(setup, chromium, scheme):
    offering(setup, mode="container")
    context = chromium.new_context(color_scheme=scheme)
    body = "".join(
        f"<section style='background:{'#202124' if theme == 'dark' else '#fff'}'>"
        f"<div data-swk='offer' data-swk-theme='{theme}'></div></section>"
        for theme in ("auto", "light", "dark")
    )
    page, _ = arrive(setup, context, referral_link(setup), body=body)
    wait_for(page, lambda: page.locator("[data-swk] .swk").count() == 3, "not all rendered")
    results = Axe().run(page)
    assert results.violations_count == 0, violations(results)
    offering(setup, mode="notice")
    context = chromium.new_context(color_scheme=scheme)  # the settings are cached for a minute
    page, _ = arrive(setup, context, referral_link(setup, "friendlink03"))
    notice(page).locator(".swk").wait_for()
    results = Axe().run(page)
    assert results.violations_count == 0, violations(results)
    context.close()
