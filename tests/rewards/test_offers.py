"""The friend's coupon: for a real referral link only, one per visitor and day, within a cap."""

from __future__ import annotations

import json

import pytest

from widgetserver.core.db import db
from widgetserver.models import Coupon, FriendOffer
from widgetserver.rewards import coupons

from ..conftest import BROWSER_UA, SHOP, all_rows, drop_counts
from .conftest import CODE, configure, offer


def pool(app, site, clock, *codes):
    with app.app_context(), db.writing() as session:
        coupons.add(session, site.id, "friend", "\n".join(codes), clock())


def test_a_friend_gets_the_owners_fixed_coupon(app, client, site, friend):
    configure(app, site, friend_coupon="fixed", friend_coupon_code="WELCOME10")
    response = offer(client, site)
    assert response.status_code == 200
    assert response.json == {"coupon": "WELCOME10"}
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers


def test_the_same_friend_gets_the_same_pool_code_all_day_and_another_gets_the_next(
    app, client, site, friend, clock
):
    configure(app, site, friend_coupon="pool")
    pool(app, site, clock, "F-1", "F-2", "F-3")
    first = offer(client, site).json["coupon"]
    assert offer(client, site).json["coupon"] == first == "F-1"
    assert offer(client, site, ip="198.51.100.10").json["coupon"] == "F-2"
    clock.advance(days=1)
    assert offer(client, site).json["coupon"] == "F-3"
    assert offer(client, site, ip="198.51.100.11").json["error"] == "offer_exhausted"
    assert len({o.coupon for o in all_rows(app, FriendOffer)}) == 3


def test_a_link_gives_at_most_its_daily_cap(app, client, site, friend, clock):
    configure(app, site, friend_coupon="fixed", friend_coupon_code="W10", friend_coupon_daily_cap=2)
    assert offer(client, site, ip="198.51.100.1").status_code == 200
    assert offer(client, site, ip="198.51.100.2").status_code == 200
    third = offer(client, site, ip="198.51.100.3")
    assert third.status_code == 409 and third.json["error"] == "offer_exhausted"
    assert offer(client, site, ip="198.51.100.1").status_code == 200  # already given today
    clock.advance(days=1)
    assert offer(client, site, ip="198.51.100.3").status_code == 200


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"friend_coupon": "none"}, CODE),
        ({"friend_coupon": "fixed", "friend_coupon_code": ""}, CODE),
        ({"friend_coupon": "fixed", "friend_coupon_code": "W10"}, "sharecode000000000001"),
        ({"friend_coupon": "fixed", "friend_coupon_code": "W10"}, "nosuchcode0000000001"),
    ],
)
def test_no_offer_without_a_coupon_or_a_referral_link(
    app, client, site, friend, browser, settings, code
):
    browser.share("sharecode000000000001")
    configure(app, site, **settings)
    response = offer(client, site, code=code)
    assert response.status_code == 404 and response.json["error"] == "no_offer"
    assert all_rows(app, FriendOffer) == []


def test_the_referrer_visiting_their_own_link_gets_no_friends_coupon(app, client, site, clock):
    configure(app, site, friend_coupon="fixed", friend_coupon_code="W10")
    made = client.post(
        "/v1/referrals",
        data=json.dumps({"site": site.key}),
        headers={"Origin": SHOP, "User-Agent": BROWSER_UA, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": "198.51.100.50"},
    ).json
    own = offer(client, site, code=made["code"], ip="198.51.100.50")
    assert own.status_code == 404
    assert offer(client, site, code=made["code"], ip="198.51.100.51").status_code == 200


@pytest.mark.parametrize(
    ("raw", "origin", "status", "error"),
    [
        (b"{", SHOP, 400, "malformed_json"),
        (b"[]", SHOP, 400, "invalid_request"),
        (json.dumps({"site": "pk_nobody", "code": CODE}).encode(), SHOP, 404, "unknown_site"),
        (None, "https://evil.example", 403, "origin_not_allowed"),
        (json.dumps({"code": "<script>"}).encode(), SHOP, 404, "unknown_site"),
        (b"x" * 3000, SHOP, 413, "body_too_large"),
    ],
)
def test_bad_requests_get_the_one_error_shape(
    app, client, site, friend, raw, origin, status, error
):
    body = raw if raw is not None else json.dumps({"site": site.key, "code": CODE}).encode()
    response = client.post(
        "/v1/offers",
        data=body,
        headers={"Origin": origin, "User-Agent": BROWSER_UA, "Content-Type": "text/plain"},
    )
    assert response.status_code == status
    assert response.json["error"] == error and response.json["message"]


def test_a_malformed_code_is_refused(app, client, site, friend):
    response = offer(client, site, code="<img src=x>")
    assert response.status_code == 400 and response.json["error"] == "invalid_field"


def test_offers_over_the_clients_limit_get_429_and_are_counted(app, client, site, clock):
    app.config["OFFERS_LIMIT_CLIENT"] = 2
    configure(app, site, friend_coupon="fixed", friend_coupon_code="W10")
    answers = [offer(client, site, code="anycode0000000000001").status_code for _ in range(3)]
    assert answers == [404, 404, 429]
    refused = offer(client, site)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert drop_counts(app)[(site.id, "offer_rate_limited")] == 2


def test_a_shops_server_reads_the_friends_coupon_for_a_captured_code(
    app, shop, site, friend, clock
):
    configure(app, site, friend_coupon="pool")
    pool(app, site, clock, "S-1", "S-2")
    path = f"/v1/sites/{site.key}/offers"
    first = shop.post(path, {"ref": CODE, "visitor": "session-abc"})
    assert first.status_code == 200 and first.json == {"coupon": "S-1"}
    assert shop.post(path, {"ref": CODE, "visitor": "session-abc"}).json == {"coupon": "S-1"}
    assert shop.post(path, {"ref": CODE, "visitor": "session-xyz"}).json == {"coupon": "S-2"}
    assert "session-abc" not in str([o.visitor_hash for o in all_rows(app, FriendOffer)])
    assert shop.post(path, {"ref": CODE}).status_code == 400
    assert shop.post(path, {"ref": CODE, "visitor": "v"}, secret="forged").status_code == 401
    assert len(all_rows(app, Coupon, Coupon.assigned_at.is_not(None))) == 2
