"""Share buttons in real Chromium, on shop pages served from another host than the widget server.

The networks themselves are never contacted: the tests catch every link's address as it is
followed, or answer the one popup they open with a local stand-in page.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from widgetserver.embed import assets
from widgetserver.models import Event, RefCode

from ..conftest import all_rows
from .conftest import GPC, Setup, shared_code, wait_for

ALL = "whatsapp facebook x linkedin xing pinterest telegram reddit threads bluesky mastodon email copy"
LINKS = [*ALL.split()[:10], "email"]  # the channels that are plain links

#: Catches the address a clicked link would follow, after the widget has set it, and stays.
CATCH_LINKS = """
window.__followed = [];
document.addEventListener('click', (event) => {
  const link = event.composedPath().find((node) => node.tagName === 'A');
  if (link) { window.__followed.push(link.href); event.preventDefault(); }
});
"""

#: A stand-in for the operating system's share sheet, which headless Chromium on Linux lacks.
SHARE_SHEET = """
window.__shared = [];
Object.defineProperty(Navigator.prototype, 'share', {
  configurable: true,
  value: function (data) { window.__shared.push(data); return Promise.resolve(); },
});
"""


def container(**attrs: str) -> str:
    attributes = "".join(f' data-swk-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<div data-swk="share"{attributes}></div>'


def buttons(page, selector: str = "[data-swk]"):
    """The widget's buttons, once rendered (locators pierce the open shadow root)."""
    page.locator(f"{selector} .b").first.wait_for()
    return page.locator(f"{selector} .b")


def shares(setup: Setup) -> list[Event]:
    return all_rows(setup.app, Event, Event.type == "share")


def code_of(url: str, param: str = "swk") -> str:
    (code,) = parse_qs(urlsplit(url).query)[param]
    return code


def click_and_follow(context, url: str):
    """Open the page and click its first button: the page, and the address the link followed."""
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(url)
    buttons(page).first.click()
    (followed,) = page.evaluate("window.__followed")
    return page, followed


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def widget_requests(setup: Setup, requests: list[str]) -> list[str]:
    return [u.split("?")[0] for u in requests if u.startswith(setup.widget.url)]


# --- What a product page costs before anyone clicks --------------------------------------------


def test_a_product_page_asks_only_the_widget_server_three_times_and_stores_nothing(setup, context):
    url = setup.page("/p/mug", body=container(product="SKU-1"))
    page = context.new_page()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    # The site's default networks; the native share sheet only where the browser has one.
    assert buttons(page).count() == 6
    page.wait_for_load_state("networkidle")
    hosts = {urlsplit(u).netloc for u in requests}
    assert hosts == {urlsplit(setup.shop.url).netloc, urlsplit(setup.widget.url).netloc}
    version = assets.build().version
    asked = widget_requests(setup, requests)
    assert asked[0] == f"{setup.widget.url}/v1/loader.js"
    assert sorted(asked[1:]) == [  # the settings and the buttons, side by side
        f"{setup.widget.url}/v1/assets/share.{version}.en.js",
        f"{setup.widget.url}/v1/sites/{setup.site.key}/config",
    ]
    assert context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert shares(setup) == []


def test_a_page_without_containers_loads_no_widget(setup, context):
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(setup.page("/about"))
    page.wait_for_load_state("networkidle")
    assert not any("/v1/assets/" in u for u in requests)


# --- Tracked links ------------------------------------------------------------------------------


def test_every_network_gets_its_own_address_with_a_fresh_code_and_the_share_is_stored(
    setup, context
):
    setup.configure(utm_enabled=True, utm_campaign="spring")
    head = (
        "<meta property='og:title' content='Blue mug &amp; saucer'>"
        "<meta property='og:image' content='/img/mug.jpg'>"
    )
    url = setup.page("/p/mug", head=head, body=container(networks=ALL, product="SKU-1"))
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(f"{url}?colour=blue&size=l#reviews")
    buttons(page).first.wait_for()
    for channel in LINKS:
        page.locator(f'[data-swk] [data-n="{channel}"]').click()
    followed = page.evaluate("window.__followed")
    assert len(followed) == len(LINKS)

    title = "Blue mug & saucer"
    image = f"{setup.shop.url}/img/mug.jpg"
    codes = {}
    for channel, address in zip(LINKS, followed, strict=True):
        parts = urlsplit(address)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        # The shared address: the page's own query and fragment, then the code and UTM.
        shared = query.get("u") or query.get("url") or query.get("body", "").split("\n\n")[-1]
        shared = shared or query["text"].rsplit(" ", 1)[-1]
        code = code_of(shared)
        codes[channel] = code
        medium = "email" if channel == "email" else "social"
        assert shared == (
            f"{url}?colour=blue&size=l&swk={code}"
            f"&utm_source={channel}&utm_medium={medium}&utm_campaign=spring#reviews"
        )
        expected = {
            "whatsapp": ("https", "wa.me", "/", {"text": f"{title} {shared}"}),
            "facebook": ("https", "www.facebook.com", "/sharer/sharer.php", {"u": shared}),
            "x": ("https", "x.com", "/intent/tweet", {"url": shared, "text": title}),
            "linkedin": ("https", "www.linkedin.com", "/sharing/share-offsite/", {"url": shared}),
            "xing": ("https", "www.xing.com", "/spi/shares/new", {"url": shared}),
            "pinterest": (
                "https",
                "www.pinterest.com",
                "/pin/create/button/",
                {"url": shared, "description": title, "media": image},
            ),
            "telegram": ("https", "t.me", "/share/url", {"url": shared, "text": title}),
            "reddit": ("https", "www.reddit.com", "/submit", {"url": shared, "title": title}),
            "threads": ("https", "www.threads.net", "/intent/post", {"text": f"{title} {shared}"}),
            "bluesky": ("https", "bsky.app", "/intent/compose", {"text": f"{title} {shared}"}),
            "email": ("mailto", "", "", {"subject": title, "body": f"{title}\n\n{shared}"}),
        }[channel]
        assert (parts.scheme, parts.netloc, parts.path, query) == expected, channel

    assert len(set(codes.values())) == len(LINKS)  # one fresh code per click
    wait_for(page, lambda: len(shares(setup)) == len(LINKS), "not every share was stored")
    stored = {e.channel: e for e in shares(setup)}
    refs = {r.code: r for r in all_rows(setup.app, RefCode)}
    for channel, code in codes.items():
        assert refs[code].channel == channel
        assert refs[code].product == "SKU-1"
        assert refs[code].url == url  # stored without the page's query
        assert stored[channel].code_id == refs[code].id


def test_a_click_really_opens_the_network_in_a_new_window(setup, context):
    context.route("https://wa.me/**", lambda route: route.fulfill(body="stand-in for WhatsApp"))
    url = setup.page("/p/mug", body=container(networks="whatsapp"))
    page = context.new_page()
    page.goto(url)
    with context.expect_page() as opened:
        buttons(page).first.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.startswith("https://wa.me/?text=")
    code = code_of(parse_qs(urlsplit(popup.url).query)["text"][0].rsplit(" ", 1)[-1])
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")
    assert {r.code for r in all_rows(setup.app, RefCode)} == {code}
    assert page.url == url  # the shop's page stays


def test_a_share_by_a_visitor_who_arrived_through_a_share_names_its_parent(setup, context):
    parent = shared_code(setup)
    url = setup.page("/p/mug", body=container(networks="facebook"))
    page, followed = click_and_follow(context, f"{url}?swk={parent}")
    assert page.url == url  # the arrival code left the address bar, so it is not re-shared
    child = code_of(query(followed)["u"])
    assert child != parent
    wait_for(page, lambda: len(shares(setup)) == 2, "the share was not stored")
    refs = {r.code: r for r in all_rows(setup.app, RefCode)}
    assert refs[child].parent_id == refs[parent].id


@pytest.mark.parametrize(
    ("head", "attrs", "shared"),
    [
        ("<link rel='canonical' href='/products/mug'>", {}, "{shop}/products/mug?swk={code}"),
        (
            "<meta property='og:url' content='https://shop.example/og/mug?id=7'>",
            {},
            "https://shop.example/og/mug?id=7&swk={code}",
        ),
        (
            "<link rel='canonical' href='/products/mug'>",
            {"url": "/campaign?x=1#top"},
            "{shop}/campaign?x=1&swk={code}#top",
        ),
        ("", {"url": "javascript:alert(1)"}, "{shop}/p/mug?swk={code}"),
    ],
    ids=["canonical", "open-graph", "container-url-wins", "hostile-url-ignored"],
)
def test_the_shared_address_follows_the_container_then_canonical_then_open_graph(
    setup, context, head, attrs, shared
):
    url = setup.page("/p/mug", head=head, body=container(networks="linkedin", **attrs))
    _, followed = click_and_follow(context, url)
    target = query(followed)["url"]
    assert target == shared.format(shop=setup.shop.url, code=code_of(target))


def test_the_sites_networks_come_in_the_owners_order_and_a_container_may_choose_its_own(
    setup, context
):
    setup.configure(networks=["telegram", "email", "bluesky"], layout="labels")
    url = setup.page(
        "/p/mug",
        body=container()
        + "<div id='own'>"
        + container(networks="pinterest,reddit", image="https://cdn.example/mug.png")
        + "</div>",
    )
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(url)
    page.locator("#own .b").first.wait_for()
    first = page.locator("[data-swk]").first.locator(".b")
    assert [b.get_attribute("data-n") for b in first.all()] == ["telegram", "email", "bluesky"]
    assert first.all_inner_texts() == ["Telegram", "E-mail", "Bluesky"]
    own = page.locator("#own .b")
    assert [b.get_attribute("data-n") for b in own.all()] == ["pinterest", "reddit"]
    own.first.click()
    (followed,) = page.evaluate("window.__followed")
    assert query(followed)["media"] == "https://cdn.example/mug.png"


def test_the_sites_own_reference_parameter_is_used(setup, context):
    setup.configure(ref_param="empfehlung")
    _, followed = click_and_follow(context, setup.page("/p/mug", body=container(networks="xing")))
    target = query(followed)["url"]
    assert "swk=" not in target
    assert code_of(target, "empfehlung")


def test_copy_link_puts_a_tracked_address_on_the_clipboard_and_says_so(setup, chromium):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    url = setup.page("/p/mug", body=container(networks="copy", layout="labels"))
    page = context.new_page()
    page.goto(url)
    buttons(page).first.click()
    page.locator("[data-swk] [role=status]").get_by_text("Link copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{url}?swk={code_of(copied)}"
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")
    assert shares(setup)[0].channel == "copy"
    context.close()


def test_mastodon_asks_for_the_server_once_and_remembers_it_in_this_browser_only(setup, context):
    # Remembering needs a storage mode that allows it, and the visitor's tick.
    setup.configure(storage_mode="persistent", consent_required=False)
    context.route(
        "https://social.example/**", lambda route: route.fulfill(body="stand-in for Mastodon")
    )
    url = setup.page("/p/mug", body=container(networks="mastodon"))
    page = context.new_page()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    buttons(page).first.click()
    field = page.get_by_label("Your Mastodon server")
    expect_focused(page, "#server")
    field.fill("not a server")
    field.press("Enter")
    assert page.locator("[data-swk] .err").inner_text().startswith("Enter a server name")
    assert field.get_attribute("aria-invalid") == "true"
    field.fill("@me@Social.Example")
    page.get_by_label("Remember on this device").check()
    with context.expect_page() as opened:
        field.press("Enter")
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url.startswith("https://social.example/share?text=")
    assert kept(page, setup)["share:mastodon"] == "social.example"
    assert page.evaluate("localStorage.getItem('swk:mastodon')") is None
    assert next(u for u in requests if "social.example" in u) == popup.url
    # The second time, no question: the window opens at once.
    with context.expect_page() as again:
        buttons(page).first.click()
    assert again.value.url.startswith("https://social.example/share?text=")
    wait_for(page, lambda: len(shares(setup)) == 2, "the shares were not stored")
    assert {e.channel for e in shares(setup)} == {"mastodon"}


def kept(page, setup: Setup, storage: str = "localStorage") -> dict:
    """What the loader keeps for the site in the browser's storage (empty: nothing)."""
    return json.loads(page.evaluate(f"{storage}.getItem('swk:{setup.site.key}')") or "{}")


def ask_mastodon(page, server: str = "social.example"):
    """Click the Mastodon button and name a server; the question, still open."""
    buttons(page).first.click()
    page.get_by_label("Your Mastodon server").fill(server)
    return page.locator("[data-swk] form")


def share_on_mastodon(context, form) -> None:
    with context.expect_page() as opened:
        form.get_by_role("button", name="Share").click()
    assert opened.value.url.startswith("https://social.example/share?text=")


@pytest.fixture
def mastodon(context):
    context.route(
        "https://social.example/**", lambda route: route.fulfill(body="stand-in for Mastodon")
    )
    return context


def test_remembering_the_mastodon_server_is_the_visitors_choice(setup, mastodon):
    setup.configure(storage_mode="persistent", consent_required=False)
    page = mastodon.new_page()
    page.goto(setup.page("/p/mug", body=container(networks="mastodon")))
    form = ask_mastodon(page)
    box = form.get_by_label("Remember on this device")
    assert not box.is_checked()  # opt-in
    share_on_mastodon(mastodon, form)
    assert kept(page, setup) == {}
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    # Not remembered: the next click asks again.
    buttons(page).first.click()
    assert page.locator("[data-swk] form").count() == 1


def test_in_session_mode_the_server_is_remembered_for_the_tab_and_says_so(setup, mastodon):
    setup.configure(storage_mode="session")
    page = mastodon.new_page()
    page.goto(setup.page("/p/mug", body=container(networks="mastodon")))
    form = ask_mastodon(page)
    assert form.get_by_label("Remember on this device").count() == 0
    form.get_by_label("Remember while this tab is open").check()
    share_on_mastodon(mastodon, form)
    assert kept(page, setup, "sessionStorage") == {"share:mastodon": "social.example"}
    assert page.evaluate("localStorage.length") == 0


@pytest.mark.parametrize(
    ("settings", "gpc"),
    [
        ({}, False),  # storage mode "none", the default
        ({"storage_mode": "persistent", "consent_required": True}, False),  # no consent yet
        ({"storage_mode": "persistent", "consent_required": False}, True),
        ({"storage_mode": "session"}, True),
    ],
    ids=["storage-none", "consent-not-given", "gpc-persistent", "gpc-session"],
)
def test_where_nothing_may_be_kept_no_box_is_offered_and_nothing_is_stored(
    setup, mastodon, settings, gpc
):
    setup.configure(**settings)
    if gpc:
        mastodon.add_init_script(GPC)
    page = mastodon.new_page()
    page.goto(setup.page("/p/mug", body=container(networks="mastodon")))
    form = ask_mastodon(page)
    assert form.get_by_role("checkbox").count() == 0
    share_on_mastodon(mastodon, form)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    buttons(page).first.click()  # asked again
    assert page.locator("[data-swk] form").count() == 1


def test_consent_lets_the_server_be_kept_and_withdrawing_it_deletes_it(setup, mastodon):
    setup.configure(storage_mode="persistent", consent_required=True)
    page = mastodon.new_page()
    page.goto(setup.page("/p/mug", body=container(networks="mastodon")))
    page.evaluate("swk('consent', true)")
    form = ask_mastodon(page)
    form.get_by_label("Remember on this device").check()
    share_on_mastodon(mastodon, form)
    assert kept(page, setup) == {"share:mastodon": "social.example"}
    with mastodon.expect_page():  # remembered: no question
        buttons(page).first.click()
    page.evaluate("swk('consent', false)")
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    form = ask_mastodon(page)  # asked again, and no longer offered to remember
    assert form.get_by_role("checkbox").count() == 0


def test_a_server_kept_by_earlier_versions_outside_the_policy_is_deleted_unused(setup, mastodon):
    mastodon.add_init_script("localStorage.setItem('swk:mastodon', 'social.example')")
    page = mastodon.new_page()
    page.goto(setup.page("/p/mug", body=container(networks="mastodon")))
    buttons(page).first.click()
    assert page.locator("[data-swk] form").count() == 1  # asked, not sent to the old server
    assert page.evaluate("localStorage.length") == 0


def test_escape_closes_the_mastodon_question_and_focus_returns(setup, context):
    url = setup.page("/p/mug", body=container(networks="mastodon"))
    page = context.new_page()
    page.goto(url)
    buttons(page).first.focus()
    page.keyboard.press("Enter")
    expect_focused(page, "#server")
    page.keyboard.press("Escape")
    assert page.locator("[data-swk] form").count() == 0
    expect_focused(page, '[data-n="mastodon"]')
    assert page.evaluate("localStorage.length") == 0


def expect_focused(page, selector: str) -> None:
    focused = page.evaluate(
        "(s) => { const host = document.querySelector('[data-swk]');"
        " return host.shadowRoot.activeElement === host.shadowRoot.querySelector(s); }",
        selector,
    )
    assert focused, f"{selector} does not have the focus"


# --- The compact menu ---------------------------------------------------------------------------


def test_the_compact_menu_works_by_keyboard_alone(setup, context):
    url = setup.page(
        "/p/mug",
        body="<button id='before'>before</button>"
        + container(layout="compact", networks="whatsapp facebook email copy"),
    )
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(url)
    toggle = page.locator('[data-swk] [data-n="menu"]')
    toggle.wait_for()
    menu = page.locator("[data-swk] [role=menu]")
    assert toggle.get_attribute("aria-haspopup") == "menu"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()

    page.locator("#before").focus()
    page.keyboard.press("Tab")
    expect_focused(page, '[data-n="menu"]')
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    expect_focused(page, '[data-n="whatsapp"]')
    page.keyboard.press("ArrowDown")
    expect_focused(page, '[data-n="facebook"]')
    page.keyboard.press("End")
    expect_focused(page, '[data-n="copy"]')
    page.keyboard.press("ArrowDown")  # wraps around
    expect_focused(page, '[data-n="whatsapp"]')
    page.keyboard.press("ArrowUp")
    expect_focused(page, '[data-n="copy"]')
    page.keyboard.press("Home")
    expect_focused(page, '[data-n="whatsapp"]')
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    expect_focused(page, '[data-n="menu"]')

    # ArrowUp opens at the last item; Enter on an item shares and closes the menu.
    page.keyboard.press("ArrowUp")
    expect_focused(page, '[data-n="copy"]')
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    (followed,) = page.evaluate("window.__followed")
    assert followed.startswith("mailto:?subject=")
    assert not menu.is_visible()
    expect_focused(page, '[data-n="menu"]')
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")


def test_the_compact_menu_closes_on_a_click_elsewhere(setup, context):
    url = setup.page("/p/mug", body=container(layout="compact") + "<p id='elsewhere'>text</p>")
    page = context.new_page()
    page.goto(url)
    page.locator('[data-swk] [data-n="menu"]').click()
    menu = page.locator("[data-swk] [role=menu]")
    assert menu.is_visible()
    page.locator("#elsewhere").click()
    assert not menu.is_visible()


# --- Languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html_lang", "attrs", "lang", "name"),
    [
        ("de-DE", {}, "de", "Auf Facebook teilen (öffnet ein neues Fenster)"),
        (
            "de",
            {"lang": "fr"},
            "fr",
            "Partager sur Facebook (s\u2019ouvre dans une nouvelle fenêtre)",
        ),
        ("ja", {}, "en", "Share on Facebook (opens in a new window)"),
        ("pl", {}, "pl", "Udostępnij na Facebook (otwiera się w nowym oknie)"),
    ],
)
def test_the_language_comes_from_the_container_then_the_page_and_only_it_is_loaded(
    setup, context, html_lang, attrs, lang, name
):
    url = setup.page("/p/mug", lang=html_lang, body=container(networks="facebook", **attrs))
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    assert buttons(page).first.get_attribute("aria-label") == name
    assert [u.rsplit(".", 2)[-2] for u in requests if "/v1/assets/" in u] == [lang]


def test_when_the_page_says_its_language_the_buttons_are_asked_for_beside_the_settings(
    setup, context
):
    url = setup.page("/p/mug", lang="nl", body=container(networks="copy"))
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(f"asked {urlsplit(r.url).path.split('/')[-1]}"))
    page.on("response", lambda r: seen.append(f"got {urlsplit(r.url).path.split('/')[-1]}"))
    page.goto(url)
    buttons(page).first.wait_for()
    version = assets.build().version
    assert seen.index(f"asked share.{version}.nl.js") < seen.index("got config")


def test_the_sites_default_language_serves_pages_that_do_not_say(setup, context):
    setup.configure(lang="it")
    url = setup.page("/p/mug", lang="", body=container(networks="copy", layout="labels"))
    page = context.new_page()
    page.goto(url)
    assert buttons(page).first.inner_text() == "Copia link"


def test_two_languages_on_one_page_load_two_files(setup, context):
    url = setup.page(
        "/p/mug",
        body=container(networks="copy", lang="nl", layout="labels")
        + "<div id='es'>"
        + container(networks="copy", lang="es", layout="labels")
        + "</div>",
    )
    page = context.new_page()
    page.goto(url)
    page.locator("#es .b").wait_for()
    texts = page.locator("[data-swk] .b").all_inner_texts()
    assert sorted(texts) == ["Copiar enlace", "Link kopiëren"]


# --- Containers arriving late, and hostile pages ------------------------------------------------


def test_containers_inserted_later_are_filled(setup, context):
    url = setup.page("/spa")
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => { const box = document.createElement('section');"
        ' box.innerHTML = \'<div data-swk="share" data-swk-networks="x reddit"></div>\';'
        " document.body.append(box); }"
    )
    assert [b.get_attribute("data-n") for b in buttons(page).all()] == ["x", "reddit"]
    page.evaluate(
        "() => { const d = document.createElement('div'); d.id = 'second';"
        " d.dataset.swk = 'share'; d.dataset.swkNetworks = 'telegram';"
        " document.body.append(d); }"
    )
    assert buttons(page, "#second").count() == 1


HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">"\'><script>window.__pwned=2</script>'


def test_hostile_attributes_and_titles_never_become_markup(setup, context):
    escaped = HOSTILE_TITLE.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    body = (
        f'<div data-swk="share" data-swk-title="{escaped}"'
        ' data-swk-networks="x,&quot;&gt;&lt;img src=y onerror=window.__pwned=3&gt;,copy"'
        ' data-swk-layout="&lt;b&gt;" data-swk-theme="x onclick=alert(1)"'
        ' data-swk-colours="\'&quot;" data-swk-lang="&lt;svg&gt;"'
        ' data-swk-product="&lt;script&gt;alert(4)&lt;/script&gt;"></div>'
    )
    url = setup.page("/p/mug", body=body)
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    assert [b.get_attribute("data-n") for b in buttons(page).all()] == ["x", "copy"]
    shadow = page.evaluate("document.querySelector('[data-swk]').shadowRoot.innerHTML")
    assert "<img" not in shadow and "<script" not in shadow and "onclick" not in shadow
    assert page.evaluate(
        "document.querySelector('[data-swk]').shadowRoot.querySelector('.swk').className"
    ) == (
        "swk icons auto brand"  # unknown choices fall back to the site's settings
    )
    buttons(page).first.click()
    (followed,) = page.evaluate("window.__followed")
    assert parse_qs(urlsplit(followed).query)["text"] == [HOSTILE_TITLE]
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")
    assert shares(setup)[0].product == "<script>alert(4)</script>"  # kept as text


def test_a_container_naming_only_unknown_networks_gets_the_sites_own(setup, context):
    url = setup.page("/p/mug", body=container(networks="myspace friendster"))
    page = context.new_page()
    page.goto(url)
    names = [b.get_attribute("data-n") for b in buttons(page).all()]
    assert names == ["whatsapp", "facebook", "x", "linkedin", "email", "copy"]  # no share sheet


# --- Mobile: the native share sheet -------------------------------------------------------------


def test_on_a_phone_the_native_share_sheet_is_offered_and_reported(setup, chromium):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_init_script(SHARE_SHEET)
    url = setup.page(
        "/p/mug",
        head="<meta name='viewport' content='width=device-width'>",
        body=container(layout="compact", title="Blue mug"),
    )
    page = context.new_page()
    page.goto(url)
    page.locator('[data-swk] [data-n="menu"]').tap()
    native = page.locator('[data-swk] [data-n="native"]')
    assert native.is_visible()
    box = native.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the menu fits the screen
    native.tap()
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")
    (shared,) = page.evaluate("window.__shared")
    assert shared["title"] == "Blue mug"
    assert shared["url"] == f"{url}?swk={code_of(shared['url'])}"
    assert shares(setup)[0].channel == "native"
    context.close()


def test_without_a_share_sheet_the_native_button_is_left_out(setup, context):
    url = setup.page("/p/mug", body=container(networks="native copy"))
    page = context.new_page()
    page.goto(url)
    assert [b.get_attribute("data-n") for b in buttons(page).all()] == ["copy"]


# --- Layout shift, looks, accessibility ---------------------------------------------------------

LAYOUT_SHIFT = """
() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => resolve(total), 300);
})
"""


@pytest.mark.parametrize("layout", ["icons", "labels", "compact"])
def test_no_layout_shift_when_the_container_has_its_documented_size(setup, context, layout):
    reserved = "<style>[data-swk='share'] { min-height: 48px }</style>"
    url = setup.page(
        "/p/mug", head=reserved, body=container(layout=layout) + "<p>Below the buttons</p>"
    )
    page = context.new_page()
    page.goto(url)
    buttons(page).first.wait_for()
    assert page.locator("[data-swk]").bounding_box()["height"] == 48
    assert page.evaluate(LAYOUT_SHIFT) == 0


def test_without_the_reserved_size_the_page_would_jump(setup, context):
    url = setup.page("/p/mug", body=container() + "<p>Below the buttons</p>")
    page = context.new_page()
    page.goto(url)
    buttons(page).first.wait_for()
    assert page.evaluate(LAYOUT_SHIFT) > 0  # the measurement above can fail


def test_shops_theme_the_buttons_through_custom_properties(setup, context):
    style = "<style>.shop { --swk-size: 32px; --swk-radius: 0px; --swk-bg: rgb(1, 2, 3) }</style>"
    url = setup.page(
        "/p/mug", head=style, body=f"<div class='shop'>{container(colours='mono')}</div>"
    )
    page = context.new_page()
    page.goto(url)
    first = buttons(page).first
    looks = first.evaluate(
        "(b) => { const s = getComputedStyle(b); return [s.height, s.borderRadius, s.backgroundColor]; }"
    )
    assert looks == ["32px", "0px", "rgb(1, 2, 3)"]
    # Shop CSS does not reach into the widget, and the widget's does not leak out.
    assert page.evaluate("getComputedStyle(document.body).fontWeight") == "400"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_in_any_layout_or_theme(setup, chromium, scheme):
    setup.configure(storage_mode="session")  # the Mastodon question offers to remember
    context = chromium.new_context(color_scheme=scheme)
    body = "".join(
        f"<section style='background:{'#202124' if theme == 'dark' else '#fff'}'>"
        + container(layout=layout, theme=theme, colours=colours, networks=ALL)
        + "</section>"
        for layout in ("icons", "labels", "compact")
        for theme in ("auto", "light", "dark")
        for colours in ("brand", "mono")
    )
    url = setup.page("/p/mug", body=f"<main><h1>Mug</h1>{body}</main>")
    page = context.new_page()
    page.goto(url)
    wait_for(
        page,
        lambda: page.locator("[data-swk] .swk").count() == 18,
        "not every container was filled",
    )
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # With the menu and the Mastodon question open, too.
    page.locator('[data-swk-layout="compact"] [data-n="menu"]').first.click()
    page.locator('[data-swk-layout="icons"] [data-n="mastodon"]').first.click()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_focus_is_visible_on_every_button(setup, context):
    url = setup.page("/p/mug", body=container(networks="whatsapp copy"))
    page = context.new_page()
    page.goto(url)
    buttons(page).first.wait_for()
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const root = document.querySelector('[data-swk]').shadowRoot;"
        " const s = getComputedStyle(root.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline == ["solid", "2px"]


def test_every_layout_and_theme_has_the_documented_height(setup, context):
    rows = "".join(
        f"<h2>{layout} {theme}</h2>" + container(layout=layout, theme=theme, networks=ALL)
        for layout in ("icons", "labels", "compact")
        for theme in ("light", "dark")
    )
    page = context.new_page()
    page.goto(setup.page("/gallery", body=rows))
    wait_for(page, lambda: page.locator("[data-swk] .swk").count() == 6, "not all rendered")
    heights = {
        round(b["height"]) for b in (e.bounding_box() for e in page.locator("[data-swk]").all())
    }
    assert heights == {48}


# --- Found in review: edges of real pages -----------------------------------------------------


def test_a_long_title_is_cut_between_characters_never_inside_one(setup, context):
    title = "a" * 299 + "\U0001f600 more"
    url = setup.page("/p/mug", body=container(networks="x", title=title))
    _, followed = click_and_follow(context, url)
    assert query(followed)["text"] == "a" * 299 + "\U0001f600"


def test_a_blank_container_title_falls_back_to_the_pages(setup, context):
    head = "<meta property='og:title' content='  Blue mug  '>"
    url = setup.page("/p/mug", head=head, body=container(networks="x", title="   "))
    _, followed = click_and_follow(context, url)
    assert query(followed)["text"] == "Blue mug"


def test_control_characters_in_the_product_do_not_cost_the_share(setup, context):
    url = setup.page("/p/mug", body=container(networks="x", product="SKU&#10;1&#9;b"))
    page, _ = click_and_follow(context, url)
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")
    assert shares(setup)[0].product == "SKU 1 b"


def test_copy_link_works_without_the_clipboard_api_as_on_pages_without_https(setup, context):
    page = context.new_page()
    page.add_init_script(
        "window.__clipboard = navigator.clipboard;"
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"
        "window.__copied = [];"
        "document.addEventListener('copy', (e) => window.__copied.push("
        "  e.composedPath()[0].value), true);"
    )
    page.goto(setup.page("/p/mug", body=container(networks="copy", layout="labels")))
    buttons(page).first.click()
    page.locator("[data-swk] [role=status]").get_by_text("Link copied").wait_for()
    (copied,) = page.evaluate("window.__copied")
    assert copied.startswith(f"{setup.shop.url}/p/mug?swk=")
    wait_for(page, lambda: len(shares(setup)) == 1, "the share was not stored")


def test_the_compact_menu_stays_on_a_narrow_screen_when_its_button_is_on_the_right(setup, chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 640})
    body = (
        "<header style='display:flex;justify-content:space-between'><h1>Mug</h1>"
        + container(layout="compact", networks=ALL)
        + "</header>"
    )
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=body))
    page.locator('[data-swk] [data-n="menu"]').click()
    menu = page.locator("[data-swk] [role=menu]").bounding_box()
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_on_a_right_to_left_page_the_menu_opens_under_its_button(setup, context):
    url = setup.page("/p/mug", lang="ar", body=container(layout="compact"))
    page = context.new_page()
    page.goto(url)
    page.evaluate("document.documentElement.dir = 'rtl'")
    toggle = page.locator('[data-swk] [data-n="menu"]')
    toggle.click()
    button, menu = toggle.bounding_box(), page.locator("[data-swk] [role=menu]").bounding_box()
    assert abs((menu["x"] + menu["width"]) - (button["x"] + button["width"])) < 1


def test_labels_that_do_not_fit_become_icons_and_a_row_with_more_fades_out(setup, chromium):
    context = chromium.new_context(viewport={"width": 420, "height": 640})
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(layout="labels", networks=ALL)))
    buttons(page).first.wait_for()
    classes = "document.querySelector('[data-swk]').shadowRoot.querySelector('.swk').className"
    wait_for(page, lambda: "icons" in page.evaluate(classes), "the labels did not give way")
    assert "more" in page.evaluate(classes).split()
    # Wide enough again: the owner's labels come back, and nothing is hidden.
    page.set_viewport_size({"width": 1900, "height": 640})
    wait_for(page, lambda: "labels" in page.evaluate(classes), "the labels did not come back")
    assert "more" not in page.evaluate(classes).split()
    context.close()


def test_tab_leaves_the_open_compact_menu_for_the_next_thing_on_the_page(setup, context):
    body = container(layout="compact", networks="x copy") + "<button id='after'>after</button>"
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=body))
    toggle = page.locator('[data-swk] [data-n="menu"]')
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator("[data-swk] [role=menu]").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "after"
    assert not page.locator("[data-swk] [role=menu]").is_visible()


def test_a_container_without_any_usable_network_shows_nothing(setup, context):
    setup.configure(networks=["native"], layout="compact")  # no share sheet on this desktop
    url = setup.page(
        "/p/mug", body=container() + "<div id='ok'>" + container(networks="x") + "</div>"
    )
    page = context.new_page()
    page.goto(url)
    buttons(page, "#ok").first.wait_for()
    assert page.evaluate("document.querySelector('[data-swk]').shadowRoot") is None


def test_containers_that_become_containers_later_or_cannot_hold_a_shadow_root_are_filled(
    setup, context
):
    url = setup.page(
        "/p/mug",
        body="<ul><li id='item' data-swk='share' data-swk-networks='x'></li></ul>"
        "<div id='later'></div><my-gallery id='custom'></my-gallery>",
    )
    page = context.new_page()
    page.goto(url)
    buttons(page, "#item").first.wait_for()
    page.evaluate(
        "() => { const d = document.getElementById('later'); d.dataset.swkNetworks = 'reddit';"
        " d.setAttribute('data-swk', 'share'); }"
    )
    assert buttons(page, "#later").first.get_attribute("data-n") == "reddit"
    # A shop's own component with a shadow root hands it to the loader.
    page.evaluate(
        "() => { const root = document.getElementById('custom').attachShadow({mode: 'open'});"
        ' root.innerHTML = \'<div data-swk="share" data-swk-networks="telegram"></div>\';'
        " swk('scan', root); }"
    )
    assert buttons(page, "#custom").first.get_attribute("data-n") == "telegram"
