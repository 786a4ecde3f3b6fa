"""Recommend-a-friend in real Chromium, on shop pages served from another host than the widget
server: one click makes the visitor's personal link, which they pass on through their own
channels. What they type about their friend never leaves the browser.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from widgetserver import referrals
from widgetserver.core.signing import make_token
from widgetserver.models import Event, RefCode, ReferralClaim

from ..conftest import all_rows
from .conftest import Setup, wait_for
from .test_share import LAYOUT_SHIFT, SHARE_SHEET

FRIEND = "Anna Beispiel"
ADDRESS = "anna+tip@example.org"
LINE = "Die Tassen sind wirklich schön"


#: Catches the address a clicked link would follow (unless the widget stopped it), and stays.
CATCH_LINKS = """
window.__followed = [];
document.addEventListener('click', (event) => {
  const link = event.composedPath().find((node) => node.tagName === 'A');
  if (link && !event.defaultPrevented) window.__followed.push(link.href);
  if (link) event.preventDefault();
});
"""


def container(**attrs: str) -> str:
    attributes = "".join(f' data-swk-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<div data-swk="recommend"{attributes}></div>'


def token_for(setup: Setup, customer: str = "cust-42") -> str:
    expires = int(datetime.now(UTC).timestamp()) + 3600
    return make_token(
        setup.site.secret, referrals.REFERRER_TOKEN, {"customer_ref": customer}, expires
    )


def widget(page):
    """The widget's form, once rendered (locators pierce the open shadow root)."""
    page.locator("[data-swk='recommend'] form").wait_for()
    return page.locator("[data-swk='recommend']")


def get_link(page) -> str:
    """Click "Get my link"; the personal link shown."""
    box = widget(page)
    box.get_by_role("button", name="Get my link").click()
    link = box.get_by_label("Your personal link")
    link.wait_for()
    return link.input_value()


def invites(setup: Setup) -> list[Event]:
    return all_rows(setup.app, Event, Event.type == "invite")


def referral_codes(setup: Setup) -> list[RefCode]:
    return all_rows(setup.app, RefCode, RefCode.kind == "referral")


class Recorder:
    """Every request the browser sends: its address and body."""

    def __init__(self, context) -> None:
        self.sent: list[tuple[str, str]] = []
        context.on("request", lambda r: self.sent.append((r.url, r.post_data or "")))

    def to(self, host: str) -> list[tuple[str, str]]:
        return [(url, body) for url, body in self.sent if url.startswith(host)]


# --- The link ------------------------------------------------------------------------------


def test_a_customer_gets_their_one_link_with_one_click_and_the_same_link_again(setup, context):
    token = token_for(setup)
    url = setup.page("/thanks", body=container(token=token))
    page = context.new_page()
    recorder = Recorder(context)
    page.goto(url)
    widget(page)
    page.wait_for_load_state("networkidle")
    # Nothing asked for a link before the click, and nobody but the widget server was asked.
    assert not any("/v1/referrals" in u for u, _ in recorder.sent)
    hosts = {urlsplit(u).netloc for u, _ in recorder.sent}
    assert hosts == {urlsplit(setup.shop.url).netloc, urlsplit(setup.widget.url).netloc}
    link = get_link(page)
    (row,) = referral_codes(setup)
    assert row.referrer == "cust-42"
    assert link == f"{setup.shop.url}/?swk={row.code}"
    # The live region announces it; the focus is on it.
    status = page.locator("[data-swk] [role=status]")
    assert status.inner_text() == f"Your personal link is ready: {link}"
    assert status.get_attribute("aria-live") == "polite"
    focused = "document.querySelector('[data-swk]').shadowRoot.activeElement.value"
    assert page.evaluate(focused) == link
    # Customers with a link see no claim link: the shop knows who they are.
    assert widget(page).get_by_label("Your private link").count() == 0
    (sent,) = [json.loads(b) for u, b in recorder.sent if u.endswith("/v1/referrals")]
    assert sent == {"site": setup.site.key, "token": token, "hp": ""}
    page.reload()
    assert get_link(page) == link
    assert len(referral_codes(setup)) == 1
    assert context.cookies() == []


def test_without_a_token_the_link_is_anonymous_and_comes_with_a_private_claim_link(setup, context):
    url = setup.page("/p/mug", body=container(url="/p/mug?colour=blue"))
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(url)
    link = get_link(page)
    (row,) = referral_codes(setup)
    assert row.referrer is None
    assert link == f"{setup.shop.url}/p/mug?swk={row.code}"  # the page, without its query
    box = widget(page)
    claim = box.get_by_label("Your private link").input_value()
    assert claim.startswith(f"{setup.widget.url}/r/")
    assert len(all_rows(setup.app, ReferralClaim)) == 1
    assert box.get_by_text("Keep this private link to see how your link does").is_visible()
    # "Send this to myself": both links in a mail with no recipient, and no invite for it.
    box.get_by_role("link", name="Send this to myself").click()
    (followed,) = page.evaluate("window.__followed")
    parts = urlsplit(followed)
    assert (parts.scheme, parts.path) == ("mailto", "")
    mail = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert mail["subject"] == "My recommendation links"
    assert mail["body"].split("\r\n") == [
        "Your personal link",
        link,
        "",
        "Your private link",
        claim,
    ]
    page.wait_for_timeout(300)
    assert invites(setup) == []


# --- The channels ------------------------------------------------------------------------


def test_the_mail_goes_to_the_friend_in_the_visitors_language_and_nothing_typed_leaves(
    setup, context
):
    url = setup.page("/danke", lang="de", body=container(token=token_for(setup)))
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    recorder = Recorder(context)
    page.goto(url)
    box = widget(page)
    box.get_by_label("Name Ihres Kontakts (optional)").fill(FRIEND)
    box.get_by_label("E-Mail-Adresse Ihres Kontakts (optional)").fill(ADDRESS)
    box.get_by_label("Ein persönlicher Satz (optional)").fill(LINE)
    box.get_by_role("button", name="Meinen Link erstellen").click()
    link = box.get_by_label("Ihr persönlicher Link").input_value()
    box.locator("[data-n=email]").click()
    (followed,) = page.evaluate("window.__followed")
    # RFC 6068: every part percent-encoded, spaces as %20 (never +), lines as CRLF.
    assert followed.startswith("mailto:anna%2Btip@example.org?subject=")
    assert "+" not in followed and " " not in followed
    to, query = followed[len("mailto:") :].split("?")
    assert unquote(to) == ADDRESS
    fields = dict(pair.split("=") for pair in query.split("&"))
    assert unquote(fields["subject"]) == "Ein Tipp für dich"
    assert unquote(fields["body"]).split("\r\n") == [
        f"Hallo {FRIEND},",
        "",
        LINE,
        "",
        "diesen Shop kann ich dir empfehlen. Hier ist mein persönlicher Link:",
        link,
    ]
    wait_for(page, lambda: len(invites(setup)) == 1, "the invite was not stored")
    (invite,) = invites(setup)
    assert invite.channel == "email"
    assert invite.code_id == referral_codes(setup)[0].id
    # Nothing the visitor typed about their friend went anywhere.
    page.wait_for_load_state("networkidle")
    sent = recorder.to(setup.widget.url)
    assert any(u.endswith("/v1/events") for u, _ in sent)
    for url_sent, body in recorder.sent:
        for typed in (FRIEND, ADDRESS, LINE, "Anna", "anna", "Tassen"):
            assert typed not in unquote(url_sent) and typed not in body, (url_sent, typed)
    (event_body,) = [json.loads(b) for u, b in sent if u.endswith("/v1/events")]
    assert event_body == {
        "site": setup.site.key,
        "events": [{"type": "invite", "code": referral_codes(setup)[0].code, "channel": "email"}],
    }


def test_a_mail_without_a_friend_greets_everyone_and_an_invalid_address_is_not_used(setup, context):
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(setup.page("/p/mug", body=container()))
    link = get_link(page)
    box = widget(page)
    box.get_by_label("Your friend's e-mail address (optional)").fill("not an address")
    box.locator("[data-n=email]").click()
    assert page.evaluate("window.__followed") == []  # the browser says what is wrong
    box.get_by_label("Your friend's e-mail address (optional)").fill("")
    box.locator("[data-n=email]").click()
    (followed,) = page.evaluate("window.__followed")
    mail = {k: v[0] for k, v in parse_qs(urlsplit(followed).query).items()}
    assert followed.startswith("mailto:?subject=A%20tip%20for%20you&body=Hi%2C%0D%0A")
    assert mail["body"].split("\r\n") == [
        "Hi,",
        "",
        "I can recommend this shop to you. Here is my personal link:",
        link,
    ]


def test_whatsapp_and_the_sites_networks_carry_the_link_and_each_use_is_an_invite(setup, context):
    setup.configure(networks=["telegram", "email", "mastodon", "copy", "x"])
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(setup.page("/p/mug", body=container(token=token_for(setup), layout="labels")))
    link = get_link(page)
    box = widget(page)
    names = [el.get_attribute("data-n") for el in box.locator(".row [data-n]").all()]
    # Own channels first; then WhatsApp and the site's networks that take a link as it is.
    assert names == ["email", "copy", "whatsapp", "telegram", "x"]
    for name in ("whatsapp", "telegram", "x"):
        el = box.locator(f"[data-n={name}]")
        assert el.get_attribute("target") == "_blank"
        assert el.get_attribute("rel") == "noopener noreferrer"
        el.click()
    whatsapp, telegram, x = page.evaluate("window.__followed")
    tip = "I can recommend this shop:"
    assert whatsapp == f"https://wa.me/?text={quote(tip)}%20{quote(link)}"
    assert parse_qs(urlsplit(telegram).query) == {"url": [link], "text": [tip]}
    assert parse_qs(urlsplit(x).query) == {"url": [link], "text": [tip]}
    wait_for(page, lambda: len(invites(setup)) == 3, "not every invite was stored")
    assert sorted(e.channel for e in invites(setup)) == ["telegram", "whatsapp", "x"]
    assert box.get_by_role("link", name="Share on WhatsApp (opens in a new window)").count() == 1


def test_networks_it_draws_no_icon_for_are_offered_by_name(setup, context):
    setup.configure(networks=["xing", "pinterest", "mastodon", "linkedin"])
    page = context.new_page()
    page.add_init_script(CATCH_LINKS)
    page.goto(setup.page("/p/mug", body=container(token=token_for(setup))))
    link = get_link(page)
    box = widget(page)
    names = [el.get_attribute("data-n") for el in box.locator(".row [data-n]").all()]
    # Mastodon needs the visitor's own server, which only the share buttons ask for.
    assert names == ["email", "copy", "whatsapp", "xing", "pinterest", "linkedin"]
    xing = box.get_by_role("link", name="Share on XING (opens in a new window)")
    assert xing.inner_text() == "XING" and xing.locator("svg").count() == 0
    xing.click()
    (followed,) = page.evaluate("window.__followed")
    assert parse_qs(urlsplit(followed).query) == {"url": [link]}
    wait_for(page, lambda: len(invites(setup)) == 1, "the invite was not stored")
    assert invites(setup)[0].channel == "xing"


def quote(text: str) -> str:
    from urllib.parse import quote as q

    return q(text, safe="")


def test_copy_puts_the_link_on_the_clipboard_and_says_so(setup, chromium):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(token=token_for(setup))))
    link = get_link(page)
    widget(page).get_by_role("button", name="Copy link").click()
    page.locator("[data-swk] [role=status]").get_by_text("Link copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    wait_for(page, lambda: len(invites(setup)) == 1, "the invite was not stored")
    assert invites(setup)[0].channel == "copy"
    context.close()


def test_the_share_sheet_is_offered_where_the_browser_has_one(setup, chromium):
    context = chromium.new_context()
    context.add_init_script(SHARE_SHEET)
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(token=token_for(setup))))
    link = get_link(page)
    widget(page).get_by_role("button", name="More options").click()
    wait_for(page, lambda: len(invites(setup)) == 1, "the invite was not stored")
    assert page.evaluate("window.__shared") == [
        {"title": "I can recommend this shop:", "url": link}
    ]
    assert invites(setup)[0].channel == "native"
    context.close()


def test_without_a_share_sheet_there_is_no_share_sheet_button(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(token=token_for(setup))))
    get_link(page)
    assert widget(page).locator("[data-n=native]").count() == 0


# --- Refusals ----------------------------------------------------------------------------


def test_a_filled_in_honeypot_gets_no_link(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container()))
    box = widget(page)
    trap = box.locator(".hp input")
    assert trap.get_attribute("tabindex") == "-1"
    assert trap.get_attribute("autocomplete") == "off"
    assert box.locator(".hp").get_attribute("aria-hidden") == "true"
    hidden = box.locator(".hp").bounding_box()
    assert hidden["width"] <= 1 and hidden["height"] <= 1  # out of sight
    trap.fill("http://spam.example", force=True)
    box.get_by_role("button", name="Get my link").click()
    status = page.locator("[data-swk] [role=status]")
    status.get_by_text("no link could be made").wait_for()
    assert referral_codes(setup) == []
    assert box.get_by_label("Your personal link").count() == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, "Too many requests. Please try again in a minute."),
        (403, "No link could be made for you. Please reload the page."),
        (500, "No link could be made just now. Please try again later."),
    ],
)
def test_a_refusal_is_a_short_message_and_the_button_works_again(setup, context, status, message):
    page = context.new_page()
    page.route(
        "**/v1/referrals",
        lambda route: route.fulfill(
            status=status,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps({"error": "x", "message": "y"}),
        ),
    )
    page.goto(setup.page("/p/mug", body=container()))
    box = widget(page)
    button = box.get_by_role("button", name="Get my link")
    button.click()
    page.locator("[data-swk] [role=status]").get_by_text(message).wait_for()
    assert button.is_enabled()
    assert page.evaluate("document.title") == "/p/mug"  # the page is fine


def test_a_refused_token_says_so(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(token="not-a-token")))
    widget(page).get_by_role("button", name="Get my link").click()
    page.locator("[data-swk] [role=status]").get_by_text("Please reload the page").wait_for()
    assert referral_codes(setup) == []


# --- The owner's texts ---------------------------------------------------------------------

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def referral_texts(setup: Setup, texts: dict, friend_coupon: str = "none") -> None:
    """The owner's texts and coupon choice, as the site's settings keep them."""
    setup.configure(referral_texts=texts, friend_coupon=friend_coupon)


def texts_of(page) -> list[str]:
    widget(page)
    return page.locator("[data-swk] .hd, [data-swk] .t").all_inner_texts()


def test_without_owner_texts_the_widget_says_its_own_neutral_headline(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container()))
    assert texts_of(page) == ["Recommend us to a friend"]  # no promise nobody made


def test_hostile_owner_texts_are_shown_literally(setup, context):
    referral_texts(
        setup, {"en": {"headline": HOSTILE, "friend": "", "referrer": "You get 5 € & more"}}
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(setup.page("/p/mug", body=container()))
    assert texts_of(page) == [HOSTILE, "You get 5 € & more"]
    shadow = page.evaluate("document.querySelector('[data-swk]').shadowRoot.innerHTML")
    assert "<img" not in shadow and "<script" not in shadow
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_the_friends_gift_is_the_owners_text_else_a_neutral_default_where_there_is_one(
    setup, context
):
    referral_texts(setup, {"de": {"friend": "10 % auf die erste Bestellung"}}, "fixed")
    page = context.new_page()
    page.goto(setup.page("/p/mug", lang="de", body=container() + container(lang="fr")))
    page.locator("[data-swk-lang=fr] form").wait_for()
    german, french = (
        el.locator(".hd, .t").all_inner_texts() for el in page.locator("[data-swk]").all()
    )
    assert german == ["Empfehlen Sie uns weiter", "10 % auf die erste Bestellung"]
    assert french == ["Recommandez-nous à un ami", "Votre ami reçoit un cadeau de bienvenue."]


# --- Looks, layout shift, accessibility -------------------------------------------------------

#: The documented reserved heights (docs/widgets.md).
RESERVED = {"labels": 454, "icons": 454, "compact": 272}


@pytest.mark.parametrize("layout", ["labels", "compact"])
def test_no_layout_shift_when_the_container_has_its_documented_size(setup, context, layout):
    height = RESERVED[layout]
    reserved = f"<style>[data-swk] {{ min-height: {height}px; max-width: 480px }}</style>"
    url = setup.page(
        "/p/mug", head=reserved, body=container(layout=layout) + "<p>Below the form</p>"
    )
    page = context.new_page()
    page.goto(url)
    widget(page)
    assert page.locator("[data-swk]").bounding_box()["height"] == height
    assert page.evaluate(LAYOUT_SHIFT) == 0


def test_long_owner_texts_do_not_make_the_card_taller_than_reserved(setup, chromium):
    long = "A very long text of the owner that goes on and on " * 3  # 150 of 200
    referral_texts(setup, {"de": {"headline": long, "friend": long, "referrer": long}})
    context = chromium.new_context(viewport={"width": 340, "height": 900})
    page = context.new_page()
    page.goto(setup.page("/p/mug", lang="de", body=container(layout="labels")))
    widget(page)
    assert page.locator("[data-swk]").bounding_box()["height"] == RESERVED["labels"]
    context.close()


def test_without_the_reserved_size_the_page_would_jump(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container() + "<p>Below the form</p>"))
    widget(page)
    assert page.evaluate(LAYOUT_SHIFT) > 0  # the measurement above can fail


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_before_and_after_the_link(setup, chromium, scheme):
    context = chromium.new_context(color_scheme=scheme)
    context.add_init_script(SHARE_SHEET)
    body = "".join(
        f"<section style='background:{'#202124' if theme == 'dark' else '#fff'}'>"
        + container(layout=layout, theme=theme)
        + "</section>"
        for layout in ("icons", "labels", "compact")
        for theme in ("auto", "light", "dark")
    )
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=f"<main><h1>Thanks</h1>{body}</main>"))
    wait_for(page, lambda: page.locator("[data-swk] form").count() == 9, "not all rendered")
    results = Axe().run(page)
    assert results.violations_count == 0, violations(results)
    for el in page.locator("[data-swk]").all():
        el.get_by_role("button", name="Get my link").click()
    wait_for(
        page,
        lambda: page.locator("[data-swk] .out .row").count() == 9,
        page.locator("[data-swk] [role=status]").all_inner_texts(),
    )
    page.locator("[data-swk-layout=compact] summary").first.click()
    results = Axe().run(page)
    assert results.violations_count == 0, violations(results)
    context.close()


def violations(results) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


def test_every_field_has_a_label_and_focus_is_visible(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container()))
    box = widget(page)
    for label in (
        "Your friend's name (optional)",
        "Your friend's e-mail address (optional)",
        "A personal line (optional)",
    ):
        assert box.get_by_label(label).is_editable()
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const root = document.querySelector('[data-swk]').shadowRoot;"
        " const s = getComputedStyle(root.activeElement);"
        " return [root.activeElement.id, s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline == ["f1", "solid", "2px"]  # the first field, not the trap


def test_the_icons_layout_names_every_channel(setup, context):
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container(layout="icons", token=token_for(setup))))
    get_link(page)
    box = widget(page)
    for name in ("Your e-mail program", "Copy link"):
        el = box.get_by_role("button", name=name).or_(box.get_by_role("link", name=name))
        assert el.count() == 1
        assert el.bounding_box()["width"] == 40  # an icon button, named for screen readers
