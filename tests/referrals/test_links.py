"""Referral links from the browser (``POST /v1/referrals``) and from the shop's server."""

from __future__ import annotations

import json
import threading
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from widgetserver import referrals
from widgetserver.core import fields
from widgetserver.core.signing import make_token, signed_headers
from widgetserver.models import RefCode, ReferralClaim

from ..conftest import BROWSER_UA, SHOP, all_rows, database_text, drop_counts, make_site


class Recommender:
    """What the recommend-a-friend form posts: JSON as text/plain from the shop's page."""

    def __init__(self, client, site):
        self.client = client
        self.site = site
        self.origin = site.origin
        self.ip = "203.0.113.7"

    def ask(self, content_type="text/plain", raw=None, **body):
        data = raw if raw is not None else json.dumps({"site": self.site.key, **body})
        return self.client.post(
            "/v1/referrals",
            data=data,
            headers={"Origin": self.origin, "User-Agent": BROWSER_UA, "Content-Type": content_type},
            environ_base={"REMOTE_ADDR": self.ip},
        )


@pytest.fixture
def form(client, site):
    return Recommender(client, site)


def token_for(site, clock, lifetime=3600, purpose=referrals.REFERRER_TOKEN, secret=None, **claims):
    payload = {"customer_ref": "cust-42", **claims}
    expires = int(clock().timestamp()) + lifetime
    return make_token(secret or site.secret, purpose, payload, expires)


def referral_codes(app):
    return all_rows(app, RefCode, RefCode.kind == "referral")


# --- the customer's one link ------------------------------------------------------------


def test_a_customer_with_a_token_gets_a_personal_link_to_the_shop(app, form, site, clock):
    response = form.ask(token=token_for(site, clock))
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"code", "link"}
    assert fields.CODE.fullmatch(body["code"]) and len(body["code"]) == 21
    assert body["link"] == f"{SHOP}/?swk={body['code']}"
    [row] = referral_codes(app)
    assert (row.code, row.referrer, row.url) == (body["code"], "cust-42", f"{SHOP}/")
    assert row.visitor_hash is not None  # the referrer's own visits are told apart


def test_the_same_customer_always_gets_the_same_code(app, form, site, clock):
    first = form.ask(token=token_for(site, clock)).json
    again = form.ask(token=token_for(site, clock, lifetime=7200), url=f"{SHOP}/p/mug").json
    assert again["code"] == first["code"]
    assert again["link"] == f"{SHOP}/p/mug?swk={first['code']}"
    other = form.ask(token=token_for(site, clock, customer_ref="cust-43")).json
    assert other["code"] != first["code"]
    assert len(referral_codes(app)) == 2


def test_a_token_may_be_replayed_until_it_expires_and_gives_the_same_link(form, site, clock):
    token = token_for(site, clock, lifetime=600)
    codes = {form.ask(token=token).json["code"] for _ in range(3)}
    assert len(codes) == 1
    clock.advance(seconds=601)
    refused = form.ask(token=token)
    assert refused.status_code == 403
    assert refused.json["error"] == "token_expired"


def test_the_shops_order_id_may_come_with_the_token(form, site, clock):
    assert form.ask(token=token_for(site, clock, order_id="2026/1001")).status_code == 201


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda s, c: token_for(s, c, purpose="conversion"), "token_invalid"),
        (lambda s, c: token_for(s, c, secret="sk_another_sites_secret"), "token_invalid"),
        (lambda s, c: token_for(s, c, lifetime=-1), "token_expired"),
        (lambda s, c: token_for(s, c, lifetime=referrals.REFERRER_TOKEN_MAX_AGE + 1), "token_invalid"),
        (lambda s, c: token_for(s, c)[:-2] + "AA", "token_invalid"),
        (lambda s, c: "not a token", "token_invalid"),
        (lambda s, c: 12345, "token_invalid"),
        (lambda s, c: {"customer_ref": "cust-42"}, "token_invalid"),
        (lambda s, c: "x" * 5000, "token_invalid"),
    ],
    ids=["wrong_purpose", "other_sites_secret", "expired", "too_long_lived", "forged_mac",
         "garbage", "number", "object", "huge"],
)  # fmt: skip
def test_a_token_that_does_not_verify_is_refused_and_makes_nothing(
    app, form, site, clock, make, error
):
    response = form.ask(token=make(site, clock))
    assert response.status_code == 403
    assert response.json["error"] == error
    assert referral_codes(app) == []


def test_a_token_made_for_another_site_is_refused(app, form, site, clock):
    other = make_site(app, clock, email="other@shop.example", origin="https://other.example")
    response = form.ask(token=token_for(other, clock))
    assert response.status_code == 403
    assert response.json["error"] == "token_invalid"


@pytest.mark.parametrize(
    "customer_ref",
    ["", "   ", "a" * 129, "line\nbreak", "nul\x00", "bidi\u2028", 42, None, ["x"]],
)
def test_a_verified_token_with_an_unusable_customer_ref_is_refused(
    app, form, site, clock, customer_ref
):
    response = form.ask(token=token_for(site, clock, customer_ref=customer_ref))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_referrer"
    assert response.json["details"] == {"field": "customer_ref"}
    assert referral_codes(app) == []


def test_hostile_but_printable_customer_refs_are_kept_as_they_are(app, form, site, clock):
    hostile = '<script>alert("x")</script>\' OR 1=1 --'
    assert form.ask(token=token_for(site, clock, customer_ref=hostile)).status_code == 201
    assert [r.referrer for r in referral_codes(app)] == [hostile]


# --- anonymous links ---------------------------------------------------------------------


def test_without_a_token_each_request_makes_a_new_link_and_claim_link(app, form):
    first, second = form.ask().json, form.ask().json
    assert set(first) == {"code", "link", "claim"}
    assert first["code"] != second["code"]
    assert first["claim"] != second["claim"]
    assert first["claim"].startswith("http://localhost/r/")
    rows = referral_codes(app)
    assert len(rows) == 2 and {r.referrer for r in rows} == {None}


def test_only_a_keyed_hash_of_the_claim_secret_is_stored(app, form):
    claim = form.ask().json["claim"]
    secret = claim.rsplit("/", 1)[1]
    assert len(secret) == 32
    [stored] = all_rows(app, ReferralClaim)
    assert stored.digest == referrals.claims.digest("test-secret-key", secret)
    assert secret not in database_text(app)


def test_the_link_leads_to_the_page_asked_for_with_the_sites_parameter(app, client, clock):
    site = make_site(app, clock, email="utm@shop.example", ref_param="empfehlung", utm_enabled=True)
    form = Recommender(client, site)
    body = form.ask(url=f"{SHOP}/p/mug?session=secret#top").json
    parts = urlsplit(body["link"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{SHOP}/p/mug"
    assert parse_qs(parts.query) == {
        "empfehlung": [body["code"]],
        "utm_source": ["referral"],
        "utm_medium": ["referral"],
        "utm_campaign": ["social-widget-kit"],
    }


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/p/mug", "javascript:alert(1)", "https://shop.example.evil.example/",
     "http://shop.example/", "//shop.example/", 42, "https://shop.example/\u2028"],
)  # fmt: skip
def test_a_page_off_the_site_is_refused(app, form, url):
    response = form.ask(url=url)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_field"
    assert response.json["details"] == {"field": "url"}
    assert referral_codes(app) == []


# --- what the endpoint refuses -------------------------------------------------------------


def test_a_foreign_origin_is_refused(app, form):
    form.origin = "https://evil.example"
    response = form.ask()
    assert response.status_code == 403
    assert response.json["error"] == "origin_not_allowed"
    assert referral_codes(app) == []


def test_an_unknown_site_is_refused(app, form):
    response = form.ask(site="pk_" + "x" * 20)
    assert response.status_code == 404
    assert response.json["error"] == "unknown_site"


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "error"),
    [
        ("{", "text/plain", 400, "malformed_json"),
        ("[1, 2]", "text/plain", 400, "invalid_request"),
        ('{"site": 1, "site": 2}', "text/plain", 400, "malformed_json"),
        (b"\xff\xfe", "text/plain", 400, "malformed_json"),
        ("[" * 100_000, "text/plain", 413, "body_too_large"),
        ("{}", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ('{"site": ["pk_x"]}', "application/json", 404, "unknown_site"),
    ],
)
def test_bad_bodies_get_the_one_error_shape(app, form, raw, content_type, status, error):
    response = form.ask(raw=raw, content_type=content_type)
    assert response.status_code == status
    assert response.json["error"] == error
    assert set(response.json) <= {"error", "message", "details"}
    assert referral_codes(app) == []


def test_a_filled_honeypot_makes_nothing_and_is_counted(app, form, site):
    response = form.ask(hp="http://spam.example")
    assert response.status_code == 400
    assert response.json["error"] == "honeypot_filled"
    assert referral_codes(app) == []
    assert all_rows(app, ReferralClaim) == []
    assert drop_counts(app) == {(site.id, "referral_honeypot"): 1}
    assert form.ask(hp="").status_code == 201


@pytest.fixture
def few_links(app):
    app.config.update(REFERRALS_LIMIT_CLIENT=2, REFERRALS_LIMIT_SITE=3)
    return app


def test_links_over_the_clients_limit_get_429_and_are_counted(few_links, form, site, clock):
    assert [form.ask().status_code for _ in range(2)] == [201, 201]
    clock.advance(seconds=20)
    response = form.ask()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "40"
    assert response.json["error"] == "rate_limited"
    assert form.ask(token=token_for(site, clock)).status_code == 429
    assert len(referral_codes(few_links)) == 2
    assert drop_counts(few_links) == {(site.id, "referral_rate_limited"): 2}
    clock.advance(seconds=40)
    assert form.ask().status_code == 201


def test_links_over_the_sites_limit_are_refused_for_every_client(few_links, form):
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        form.ip = ip
        assert form.ask().status_code == 201
    form.ip = "198.51.100.4"
    response = form.ask()
    assert response.status_code == 429
    assert "this site" in response.json["message"]


def test_the_browser_endpoint_allows_any_shop_page_by_cors_but_sets_no_cookie(form):
    response = form.ask()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers


# --- server to server ----------------------------------------------------------------------


def test_the_shops_server_gets_the_customers_one_link(app, shop, form, site, clock):
    path = f"/v1/sites/{site.key}/referrals"
    made = shop.post(path, {"customer_ref": "cust-42", "url": f"{SHOP}/account"})
    assert made.status_code == 201
    assert made.json == {
        "code": made.json["code"],
        "link": f"{SHOP}/account?swk={made.json['code']}",
    }
    again = shop.post(path, {"customer_ref": "cust-42"})
    assert again.status_code == 200
    assert again.json["code"] == made.json["code"]
    assert again.json["link"] == f"{SHOP}/account?swk={made.json['code']}"
    assert form.ask(token=token_for(site, clock)).json["code"] == made.json["code"]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({}, 400, "invalid_field"),
        ({"customer_ref": "a\tb"}, 400, "invalid_field"),
        ({"customer_ref": "c", "url": "https://evil.example/"}, 400, "invalid_field"),
        (b"{nope", 400, "malformed_json"),
        (b"x" * 9000, 413, "body_too_large"),
    ],
)
def test_the_signed_endpoint_refuses_bad_bodies(app, shop, site, body, status, error):
    response = shop.post(f"/v1/sites/{site.key}/referrals", body)
    assert response.status_code == status
    assert response.json["error"] == error
    assert referral_codes(app) == []


def test_the_signed_endpoint_refuses_a_wrong_signature_and_another_sites_path(
    app, shop, site, clock
):
    path = f"/v1/sites/{site.key}/referrals"
    forged = shop.post(path, {"customer_ref": "c"}, secret="sk_wrong")
    assert (forged.status_code, forged.json["error"]) == (401, "signature_invalid")
    other = make_site(app, clock, email="other@shop.example", origin="https://other.example")
    mismatch = shop.post(f"/v1/sites/{other.key}/referrals", {"customer_ref": "c"})
    assert (mismatch.status_code, mismatch.json["error"]) == (403, "site_mismatch")
    assert referral_codes(app) == []


# --- races ---------------------------------------------------------------------------------


def test_parallel_requests_for_one_customer_make_one_code(app, site, clock):
    from ..live import serving

    path = f"/v1/sites/{site.key}/referrals"
    body = json.dumps({"customer_ref": "cust-race"}).encode()
    headers = {
        **signed_headers(site.key, site.secret, "POST", path, body, int(clock().timestamp())),
        "Content-Type": "application/json",
    }
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        request = urllib.request.Request(f"{server.url}{path}", data=body, headers=headers)
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            answers.append((response.status, json.load(response)["code"]))

    with serving(app) as server:
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(status for status, _ in answers) == [200] * 7 + [201]
    assert len({code for _, code in answers}) == 1
    assert len(referral_codes(app)) == 1


def test_the_database_refuses_a_second_link_for_a_customer(app, site, clock):
    from sqlalchemy.exc import IntegrityError

    from widgetserver.core.db import db

    with app.app_context(), pytest.raises(IntegrityError), db.writing() as session:
        for code in ("aaaaaaaaaaaa", "bbbbbbbbbbbb"):
            session.add(
                RefCode(
                    site_id=site.id, code=code, kind="referral", referrer="c", created_at=clock()
                )
            )
            session.flush()


def test_parallel_forms_with_one_customers_token_give_one_code(app, site, clock):
    from ..live import serving

    body = json.dumps({"site": site.key, "token": token_for(site, clock)}).encode()
    headers = {"Origin": SHOP, "User-Agent": BROWSER_UA, "Content-Type": "text/plain"}
    codes: list[str] = []
    barrier = threading.Barrier(6)

    def ask() -> None:
        request = urllib.request.Request(f"{server.url}/v1/referrals", data=body, headers=headers)
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            codes.append(json.load(response)["code"])

    with serving(app) as server:
        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(codes) == 6 and len(set(codes)) == 1
    assert len(referral_codes(app)) == 1


def test_the_referrer_buying_through_their_own_link_is_a_self_referral(form, shop, site, clock):
    code = form.ask(token=token_for(site, clock)).json["code"]
    own = shop.conversion("1001", ref=code, customer_ref="cust-42").json["attribution"]
    assert (own["decision"], own["self_referral"]) == ("attributed", True)
    friend = shop.conversion("1002", ref=code, customer_ref="cust-77").json["attribution"]
    assert (friend["kind"], friend["self_referral"]) == ("referral", False)
