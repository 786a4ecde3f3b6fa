"""The claim page ``/r/<claim>``: an anonymous link's results, private, in two languages."""

from __future__ import annotations

import pytest

from widgetserver.core.db import db
from widgetserver.core.signing import make_token
from widgetserver.models import Site

from ..conftest import SHOP, Browser, all_rows
from .test_links import Recommender

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@pytest.fixture
def made(client, site):
    """An anonymous link as the form gets it: code, link and the claim page's path."""
    body = Recommender(client, site).ask(url=f"{SHOP}/p/mug").json
    return {**body, "path": body["claim"].removeprefix("http://localhost")}


def test_the_claim_page_shows_the_link_privately_and_sets_no_cookie(client, made):
    page = client.get(made["path"])
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    for name, value in PRIVATE.items():
        assert page.headers[name] == value
    assert "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    assert f'href="{made["link"]}"' in html
    assert "Test Shop" in html


def test_the_results_count_a_friends_visits_and_invites_but_not_the_referrers_own(
    app, client, site, made
):
    referrer = Browser(client, site)  # the same browser that asked for the link
    assert referrer.visit(made["code"]).json["accepted"] == 1
    assert (
        referrer.send({"type": "invite", "code": made["code"], "channel": "email"}).status_code
        == 202
    )
    friend = Browser(app.test_client(), site)
    friend.ip = "198.51.100.20"
    friend.visit(made["code"])
    friend.visit(made["code"])
    html = client.get(made["path"]).get_data(as_text=True)
    assert _figure(html, "Visits through your link") == "2"
    assert _figure(html, "Invitations sent") == "1"


def test_the_results_count_attributed_orders_as_the_stats_do(app, client, site, shop, made):
    friend = Browser(app.test_client(), site)
    friend.ip = "198.51.100.20"
    friend.visit(made["code"])
    assert shop.conversion("1001", ref=made["code"]).json["attribution"]["decision"] == "attributed"
    shop.conversion("1002", ref=made["code"])
    shop.conversion("1002", ref=made["code"], status="cancelled")
    friend.convert(order_id="1003", amount="5.00", currency="EUR", ref=made["code"])
    html = client.get(made["path"]).get_data(as_text=True)
    assert _figure(html, "Orders confirmed by the shop") == "1"
    assert _figure(html, "Orders not yet confirmed by the shop") == "1"


def test_the_page_speaks_german_to_a_german_browser(client, made):
    html = client.get(made["path"], headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="de">' in html
    assert "Ihr Empfehlungslink" in html


@pytest.mark.parametrize(
    "claim",
    ["A" * 32, "short", "x" * 33, "%3Cscript%3E", "..%2F..%2Fadmin", "A" * 31 + "!"],
)
def test_an_unknown_claim_gets_a_private_404_page(client, made, claim):
    page = client.get(f"/r/{claim}")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    for name, value in PRIVATE.items():
        assert page.headers[name] == value
    assert "Set-Cookie" not in page.headers
    assert made["link"] not in page.get_data(as_text=True)


def test_a_claim_of_a_deactivated_site_is_not_found(app, client, site, made):
    with app.app_context(), db.writing() as session:
        session.get(Site, site.id).active = False
    assert client.get(made["path"]).status_code == 404


def test_hostile_values_are_escaped_on_the_claim_page(app, client, site, clock):
    hostile = '<img src=x onerror="alert(1)">'
    with app.app_context(), db.writing() as session:
        stored = session.get(Site, site.id)
        stored.name = hostile
        stored.settings = {"ref_param": "swk"}
    body = Recommender(client, site).ask().json
    html = client.get(body["claim"].removeprefix("http://localhost")).get_data(as_text=True)
    assert hostile not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_a_personal_link_made_with_a_token_has_no_claim_link(client, site, clock):
    token = make_token(
        site.secret, "referrer", {"customer_ref": "c-1"}, int(clock().timestamp()) + 60
    )
    body = Recommender(client, site).ask(token=token).json
    assert "claim" not in body


def test_a_friends_visit_through_the_link_is_a_referral_visit_in_the_stats(app, client, site, made):
    from datetime import date

    from widgetserver import stats

    friend = Browser(app.test_client(), site)
    friend.ip = "198.51.100.20"
    assert friend.visit(made["code"]).json == {"accepted": 1, "rejected": []}
    with app.app_context():
        site_row = db.session.get(Site, site.id)
        day = date(2026, 5, 12)
        period = stats.Period(day, day, "UTC")
        figures = stats.as_json(stats.report(db.session, site_row, period))
    assert figures["totals"]["visits"] == 1
    assert [(c["channel"], c["visits"]) for c in figures["channels"]] == [("referral", 1)]


def _figure(html: str, label: str) -> str:
    after = html.split(f"<dt>{label}</dt><dd>", 1)[1]
    return after.split("</dd>", 1)[0]


# --- rewards on the claim page ---------------------------------------------------------------


def _configure(app, site, **settings):
    from widgetserver.sites import by_key

    with app.app_context(), db.writing() as session:
        by_key(session, site.key).settings = settings


def test_the_claim_page_shows_the_reward_growing_and_the_coupon_once_due(
    app, client, site, shop, made, clock
):
    from widgetserver.models import Coupon
    from widgetserver.rewards import coupons

    _configure(
        app,
        site,
        reward_coupon="pool",
        referral_texts={"en": {"referrer": "A 10 EUR voucher <b>for you</b>"}},
    )
    with app.app_context(), db.writing() as session:
        coupons.add(session, site.id, "reward", "THANKS-1\nTHANKS-2", clock())
    friend = Browser(app.test_client(), site)
    friend.ip = "198.51.100.20"
    friend.visit(made["code"])
    shop.conversion("1001", ref=made["code"], amount="80.00")
    html = client.get(made["path"]).get_data(as_text=True)
    assert "A 10 EUR voucher &lt;b&gt;for you&lt;/b&gt;" in html
    assert "waiting until the order is paid" in html
    shop.conversion("1001", ref=made["code"], amount="80.00", status="paid")
    html = client.get(made["path"]).get_data(as_text=True)
    assert "your reward is due on" in html and "THANKS" not in html
    clock.advance(days=14)
    html = client.get(made["path"]).get_data(as_text=True)
    assert '<code class="coupon">THANKS-1</code>' in html
    again = client.get(made["path"]).get_data(as_text=True)
    assert '<code class="coupon">THANKS-1</code>' in again
    assert [c.code for c in all_rows(app, Coupon, Coupon.assigned_at.is_(None))] == ["THANKS-2"]


def test_a_refund_inside_the_hold_shows_no_reward_on_the_claim_page(
    app, client, site, shop, made, clock
):
    friend = Browser(app.test_client(), site)
    friend.ip = "198.51.100.20"
    friend.visit(made["code"])
    shop.conversion("1001", ref=made["code"], status="paid")
    clock.advance(days=3)
    shop.conversion("1001", ref=made["code"], status="refunded")
    clock.advance(days=20)
    html = client.get(made["path"]).get_data(as_text=True)
    assert "no reward: the order was cancelled or refunded" in html
