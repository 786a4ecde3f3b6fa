"""Recommend-a-friend from end to end in real Chromium: the demo shop on one host, the widget
server on another. A buyer passes their link on, a friend lands with the owner's coupon and
orders, the shop reports the order signed, the hold passes on the server's clock and the
reward is handed out once - shown in the shop's back office as the shop would mail it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from playwright.sync_api import expect

from widgetserver import rewards, sites
from widgetserver.core.db import db
from widgetserver.demo.shop import create_shop
from widgetserver.models import RefCode, Reward
from widgetserver.sites.settings import validate
from widgetserver.web.client import SignedClient, customer_ref

from ..conftest import SiteInfo, all_rows, make_site
from ..live import LiveServer, free_port, serving
from .conftest import Setup, wait_for
from .test_recommend import CATCH_LINKS, container, get_link, widget

BUYER, BUYER_EMAIL = "Ada Lovelace", "ada@example.org"
FRIEND, FRIEND_EMAIL, LINE = "Grace Hopper", "grace+tip@example.org", "The mugs are lovely"
GIFT = "10 % off your first order"
#: The friend's own device: on this machine every browser has the buyer's address.
FRIENDS_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class Clock:
    """The widget server's and the shop's clock: the real time, moved on by the test."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        return time.time() + self.offset.total_seconds()

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Demo:
    app: Any
    widget: LiveServer
    shop: LiveServer
    shop_app: Any
    site: SiteInfo
    clock: Clock

    def client(self) -> SignedClient:
        return SignedClient(
            self.widget.url, self.site.key, self.site.secret, now=self.clock.timestamp
        )

    def rewards(self) -> list[Reward]:
        return all_rows(self.app, Reward)


def refer(app: Any, key: str, **settings: Any) -> None:
    """The owner's referral settings and coupon pools, as the settings page saves them."""
    now = datetime.now(UTC)
    with app.app_context(), db.writing() as session:
        site = sites.by_key(session, key)
        site.settings = validate(settings)
        friends = "\n".join(f"FRIEND-{n}" for n in range(1, 6))
        rewards.coupons.add(session, site.id, "friend", friends, now)
        thanks = "\n".join(f"THANKS-{n}" for n in range(1, 6))
        rewards.coupons.add(session, site.id, "reward", thanks, now)


SETTINGS = {
    "referral_offer": "notice",
    "friend_coupon": "pool",
    "reward_coupon": "pool",
    "reward_hold_days": 14,
    "referral_texts": {"en": {"friend": GIFT}},
}


@pytest.fixture
def demo(live_app) -> Iterator[Demo]:
    clock = Clock()
    live_app.config["CLOCK"] = clock.now
    port = free_port()
    site = make_site(live_app, origin=f"http://localhost:{port}")
    refer(live_app, site.key, **SETTINGS)
    with serving(live_app) as widget:
        shop_app = create_shop(
            widget.url, site.key, site.secret, outbox_interval=3600, now=clock.timestamp
        )
        try:
            with serving(shop_app, host="localhost", port=port) as shop:
                yield Demo(live_app, widget, shop, shop_app, site, clock)
        finally:
            shop_app.extensions["outbox"].stop()


def buy(page, shop: str, name: str, email: str, coupon: str = "") -> str:
    """Buy a mug in the demo shop; the order id."""
    page.goto(f"{shop}/products/mug")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Coupon code (optional)").fill(coupon)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(f"{shop}/thanks/*")
    return page.locator("[data-order-id]").get_attribute("data-order-id")


def sent_to(sent: list[tuple[str, str]], host: str) -> list[tuple[str, str]]:
    return [(url, body) for url, body in sent if url.startswith(host)]


def recording(context) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []
    context.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    return sent


def test_a_buyers_recommendation_becomes_a_reward_handed_out_once(demo, chromium):
    shop = demo.shop.url
    # The buyer orders; the thank-you page has the recommend widget with the shop's token.
    buyer = chromium.new_context()
    buyer_sent = recording(buyer)
    page = buyer.new_page()
    buy(page, shop, BUYER, BUYER_EMAIL)
    page.add_init_script(CATCH_LINKS)  # from now on, links clicked are caught, not followed
    page.reload()
    box = widget(page)
    box.get_by_label("Your friend's name (optional)").fill(FRIEND)
    box.get_by_label("Your friend's e-mail address (optional)").fill(FRIEND_EMAIL)
    box.get_by_label("A personal line (optional)").fill(LINE)
    link = get_link(page)
    (code,) = all_rows(demo.app, RefCode, RefCode.kind == "referral")
    assert code.referrer == customer_ref(demo.site.secret, BUYER_EMAIL)
    assert link == f"{shop}/?swk={code.code}"

    # By e-mail: the buyer's own mail program, to the friend, with the link.
    box.locator("[data-n=email]").click()
    (mailto,) = page.evaluate("window.__followed")
    to, query = mailto[len("mailto:") :].split("?")
    assert unquote(to) == FRIEND_EMAIL
    mail = {k: unquote(v) for k, v in (pair.split("=") for pair in query.split("&"))}
    assert mail["subject"] == "A tip for you"
    lines = mail["body"].split("\r\n")
    assert lines[0] == f"Hi {FRIEND}," and LINE in lines and lines[-1] == link
    # By WhatsApp: the link in the message.
    whatsapp = box.locator("[data-n=whatsapp]").get_attribute("href")
    assert whatsapp.startswith("https://wa.me/?text=") and quote(link, safe="") in whatsapp

    # A friend, in a browser of their own, lands through the link and sees the coupon.
    friend = chromium.new_context(user_agent=FRIENDS_PHONE)  # the buyer's own visit gets none
    friend_sent = recording(friend)
    landing = friend.new_page()
    landing.goto(link)
    offer = landing.locator("[data-swk=offer][data-swk-notice]")
    offer.locator(".swk").wait_for()
    assert offer.locator(".t").inner_text() == GIFT
    coupon = offer.locator("strong").inner_text()
    assert coupon.startswith("FRIEND-")
    # The friend orders with it; the shop reports the order, signed, and later that it is paid.
    order_id = buy(landing, shop, FRIEND, "grace@example.org", coupon)
    assert landing.locator(".coupon").inner_text() == coupon
    wait_for(landing, lambda: len(demo.rewards()) == 1, "no reward for the friend's order")
    assert demo.rewards()[0].status == "pending"
    back_office = friend.new_page()
    back_office.goto(f"{shop}/orders")
    row = back_office.locator(f"tr[data-order-id='{order_id}']")
    expect(row.locator(".coupon")).to_have_text(coupon)
    row.get_by_role("button", name="Mark paid").click()
    expect(row.locator(".status")).to_have_text("paid")
    (reward,) = demo.rewards()
    assert (reward.status, reward.referrer) == ("earned", code.referrer)

    # Inside the hold nothing is due; after it, the back office hands the reward out.
    back_office.goto(f"{shop}/rewards")
    expect(back_office.get_by_text("No reward is due.")).to_be_visible()
    demo.clock.advance(days=14, minutes=1)
    back_office.reload()
    line = back_office.locator(f"tr[data-reward-id='{reward.id}']")
    expect(line).to_contain_text(BUYER_EMAIL)
    line.get_by_role("button", name="Hand out").click()
    expect(back_office.locator(".mail-to")).to_have_text(BUYER_EMAIL)
    body = back_office.locator(".mail-body").inner_text()
    assert "Your coupon: THANKS-1" in body and order_id in body
    expect(back_office.get_by_text("No reward is due.")).to_be_visible()
    back_office.screenshot(path=SCREENSHOTS / "demo-rewards.png", full_page=True)

    # Handed out once: asked again, the same coupon with 200; the signed list says so.
    client = demo.client()
    status, again = client.post(f"/v1/sites/{demo.site.key}/rewards/{reward.id}/handout", {})
    assert (status, again["coupon"], again["status"]) == (200, "THANKS-1", "handed_out")
    status, listed = client.get(f"/v1/sites/{demo.site.key}/rewards?status=handed_out")
    assert status == 200
    assert [(r["id"], r["coupon"]) for r in listed["rewards"]] == [(reward.id, "THANKS-1")]

    # Nothing typed about the friend, nor the buyer's or friend's identity, reached the server.
    for url, body in sent_to(buyer_sent + friend_sent, demo.widget.url):
        for secret in (FRIEND, FRIEND_EMAIL, LINE, BUYER, BUYER_EMAIL, "Grace", "grace"):
            assert secret not in unquote(url) and secret not in body, (url, secret)
    assert [c for c in buyer.cookies() + friend.cookies() if c["domain"] == "127.0.0.1"] == []
    buyer.close()
    friend.close()


def test_a_refund_inside_the_hold_voids_the_reward(demo):
    client = demo.client()
    status, made = client.post(
        f"/v1/sites/{demo.site.key}/referrals", {"customer_ref": "cust-refund"}
    )
    assert status == 201
    shop = demo.shop_app.test_client()
    shop.get(f"/?swk={made['code']}")
    shop.post("/cart", data={"product": "tea"})
    order_id = shop.post("/checkout", data={"name": "Bo", "email": "bo@example.org"}).location
    order_id = order_id.rsplit("/", 1)[1]
    shop.post(f"/orders/{order_id}/paid")
    assert [r.status for r in demo.rewards()] == ["earned"]
    demo.clock.advance(days=3)
    shop.post(f"/orders/{order_id}/refund-all")
    (reward,) = demo.rewards()
    assert (reward.status, reward.void_reason) == ("void", "refunded")
    demo.clock.advance(days=20)
    status, listed = client.get(f"/v1/sites/{demo.site.key}/rewards?status=due")
    assert (status, listed["rewards"]) == (200, [])


def test_an_anonymous_link_earns_a_reward_its_claim_page_knows_of(setup: Setup, chromium):
    """Without a token the link is anonymous; with no hold its reward is due once paid."""
    refer(setup.app, setup.site.key, **{**SETTINGS, "reward_hold_days": 0})
    context = chromium.new_context()
    page = context.new_page()
    page.goto(setup.page("/p/mug", body=container()))
    setup.page("/", body="<main><h1>The shop</h1></main>")  # where the link leads
    link = get_link(page)
    claim = widget(page).get_by_label("Your private link").input_value()
    code = urlsplit(link).query.split("=")[1]

    friend = chromium.new_context(user_agent=FRIENDS_PHONE)  # the buyer's own visit gets none
    landing = friend.new_page()
    landing.goto(link)
    offer = landing.locator("[data-swk=offer][data-swk-notice]")
    offer.locator(".swk").wait_for()
    assert offer.locator("strong").inner_text().startswith("FRIEND-")

    client = SignedClient(setup.widget.url, setup.site.key, setup.site.secret)
    report = {
        "order_id": "A-1",
        "amount": "24.90",
        "currency": "EUR",
        "ref": code,
        "customer_ref": "friend-1",
        "new_customer": True,
    }
    for status in ("placed", "paid"):
        answered, body = client.post("/v1/conversions", {**report, "status": status})
        assert answered in (200, 201), body
    assert body["reward"]["status"] == "due"

    # The anonymous referrer has no shop account: the claim page is where the coupon shows.
    claim_page = context.new_page()
    claim_page.goto(claim)
    assert claim_page.locator("code.coupon").inner_text() == "THANKS-1"
    results = json.dumps(claim_page.locator("dl").inner_text())
    assert "Orders confirmed by the shop" in results
    claim_page.reload()
    assert claim_page.locator("code.coupon").inner_text() == "THANKS-1"  # once, kept
    handed, reward = client.post(
        f"/v1/sites/{setup.site.key}/rewards/{body['reward']['id']}/handout", {}
    )
    assert (handed, reward["customer_ref"], reward["coupon"]) == (200, None, "THANKS-1")
    context.close()
    friend.close()
