"""POST /v1/conversions: signed, idempotent order reports with forward-only statuses."""

import itertools
import json
import threading
from datetime import timedelta

import pytest

from widgetserver.core.db import db
from widgetserver.models import Conversion, RefCode

from ..conftest import SHOP, Shop, all_rows, make_referral, make_site


def stored(app):
    return all_rows(app, Conversion)


# --- signatures -------------------------------------------------------------------------


def test_a_signed_report_is_stored_as_verified(app, shop):
    response = shop.conversion(
        "1001", amount="59.90", items=[{"sku": "MUG", "quantity": 2, "amount": "59.90"}]
    )
    assert response.status_code == 201
    body = response.json
    assert body["verified"] is True and body["created"] is True and body["repeat"] is False
    assert (body["amount"], body["net_amount"], body["refunded_amount"]) == (
        "59.90",
        "59.90",
        "0.00",
    )
    (order,) = stored(app)
    assert (order.amount_minor, order.currency, order.status) == (5990, "EUR", "placed")
    assert order.items == [{"sku": "MUG", "quantity": 2, "amount": "59.90"}]


def test_the_signature_covers_the_query_string(shop):
    body = {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "placed"}
    assert shop.post("/v1/conversions?source=plugin%2F1", body).status_code == 201


def _unsigned(shop, headers):
    return shop.client.post(
        "/v1/conversions",
        data=b'{"order_id": "1"}',
        headers={"Content-Type": "application/json", **headers},
    )


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (
            lambda shop, body: shop.post("/v1/conversions", body, secret="sk_wrong"),
            "signature_invalid",
        ),
        (
            lambda shop, body: shop.post(
                "/v1/conversions", body, timestamp=int(shop.clock().timestamp()) - 301
            ),
            "timestamp_out_of_tolerance",
        ),
        (
            lambda shop, body: shop.post(
                "/v1/conversions", body, timestamp=int(shop.clock().timestamp()) + 301
            ),
            "timestamp_out_of_tolerance",
        ),
        (
            lambda shop, body: shop.post(
                "/v1/conversions", body, headers={"X-SWK-Signature": "sha256=" + "ab" * 32}
            ),
            "signature_invalid",
        ),
        (
            lambda shop, body: shop.post(
                "/v1/conversions", body, headers={"X-SWK-Site": "pk_nobody"}
            ),
            "unknown_site",
        ),
        (lambda shop, body: _unsigned(shop, {}), "unknown_site"),
        (lambda shop, body: _unsigned(shop, {"X-SWK-Site": shop.site.key}), "signature_missing"),
        (
            lambda shop, body: _unsigned(
                shop,
                {
                    "X-SWK-Site": shop.site.key,
                    "X-SWK-Timestamp": "1",
                    "X-SWK-Signature": "sha256=00",
                },
            ),
            "timestamp_out_of_tolerance",
        ),
    ],
    ids=[
        "wrong-secret",
        "replayed-old",
        "from-the-future",
        "forged",
        "unknown-site",
        "no-headers",
        "no-signature",
        "ancient-timestamp",
    ],
)
def test_unsigned_forged_or_replayed_reports_are_refused_and_change_nothing(
    app, shop, mutate, reason
):
    body = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "placed"}
    response = mutate(shop, body)
    assert response.status_code == 401
    assert response.json["error"] == reason
    assert set(response.json) == {"error", "message"}
    assert stored(app) == []


def test_a_body_changed_after_signing_is_refused(app, shop, site):
    from widgetserver.core.signing import signed_headers

    signed = signed_headers(
        site.key,
        site.secret,
        "POST",
        "/v1/conversions",
        b'{"amount": "1.00"}',
        int(shop.clock().timestamp()),
    )
    body = b'{"order_id": "1", "amount": "999.00", "currency": "EUR", "status": "placed"}'
    response = shop.client.post(
        "/v1/conversions", data=body, headers={**signed, "Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert stored(app) == []


def test_a_signature_for_another_path_is_refused(app, shop, site):
    from widgetserver.core.signing import signed_headers

    raw = json.dumps(
        {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "paid"}
    ).encode()
    signed = signed_headers(
        site.key, site.secret, "POST", "/v1/conversions/browser", raw, int(shop.clock().timestamp())
    )
    response = shop.client.post(
        "/v1/conversions", data=raw, headers={**signed, "Content-Type": "application/json"}
    )
    assert response.json["error"] == "signature_invalid"


def test_another_sites_secret_cannot_report_for_this_site(app, shop, clock):
    other = make_site(app, clock, email="other@shop.example")
    body = {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "paid"}
    response = shop.post("/v1/conversions", body, secret=other.secret)
    assert response.status_code == 401
    assert stored(app) == []


def test_after_a_rotation_the_old_secret_works_only_during_the_grace_period(app, shop, site, clock):
    from widgetserver import sites

    body = {"order_id": "1", "amount": "1.00", "currency": "EUR", "status": "placed"}
    with app.app_context(), db.writing() as session:
        sites.rotate_secret(
            session, sites.by_key(session, site.key), grace=timedelta(hours=1), now=clock()
        )
    assert shop.post("/v1/conversions", body).status_code == 201
    clock.advance(hours=1, seconds=1)
    assert (
        shop.post("/v1/conversions", {**body, "order_id": "2"}).json["error"] == "signature_invalid"
    )


def test_only_json_is_accepted(shop):
    response = shop.post("/v1/conversions", b"order_id=1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_huge_bodies_are_refused_with_413(app, shop):
    body = {
        "order_id": "1",
        "amount": "1.00",
        "currency": "EUR",
        "status": "placed",
        "pad": "x" * 300_000,
    }
    response = shop.post("/v1/conversions", body)
    assert response.status_code == 413
    assert response.json["error"] in ("body_too_large", "request_entity_too_large")
    assert stored(app) == []


# --- validation --------------------------------------------------------------------------


def test_malformed_json_with_a_valid_signature_is_a_400(app, shop):
    response = shop.post("/v1/conversions", b'{"order_id": "1", "amount": ')
    assert response.status_code == 400
    assert response.json["error"] == "malformed_json"
    assert shop.post("/v1/conversions", b"[1, 2]").json["error"] == "invalid_request"


BAD_FIELDS = [
    ({"order_id": None}, "order_id"),
    ({"order_id": 1001}, "order_id"),
    ({"order_id": ""}, "order_id"),
    ({"order_id": "x" * 129}, "order_id"),
    ({"order_id": "10\r\n01"}, "order_id"),
    ({"amount": 59.9}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "59.999"}, "amount"),
    ({"amount": None}, "amount"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "eur"}, "currency"),
    ({"currency": "XXX"}, "currency"),
    ({"status": "shipped"}, "status"),
    ({"status": None}, "status"),
    ({"refunded_amount": "60.00"}, "refunded_amount"),
    ({"refunded_amount": 10}, "refunded_amount"),
    ({"ref": 12345}, "ref"),
    ({"ref": ["a"]}, "ref"),
    ({"customer_ref": "a\x07b"}, "customer_ref"),
    ({"items": "MUG"}, "items"),
    ({"items": [{"sku": "A"}] * 201}, "items"),
    ({"items": ["MUG"]}, "items[0]"),
    ({"items": [{"quantity": 1}]}, "items[0].sku"),
    ({"items": [{"sku": "A", "quantity": "2"}]}, "items[0].quantity"),
    ({"items": [{"sku": "A", "quantity": 0}]}, "items[0].quantity"),
    ({"items": [{"sku": "A", "amount": 5}]}, "amount"),
    ({"items": [{"sku": "A", "name": "x" * 201}]}, "items[0].name"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2026-05-12T10:00:00"}, "occurred_at"),
    ({"occurred_at": "2026-05-12T11:00:00Z"}, "occurred_at"),
    ({"occurred_at": "2025-01-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": 1747000000}, "occurred_at"),
    ({"occurred_at": "2026-W20-2T10:00:00Z"}, "occurred_at"),  # an ISO week date
    ({"occurred_at": "2026-132T10:00:00Z"}, "occurred_at"),  # an ordinal date
    ({"occurred_at": "20260512T100000Z"}, "occurred_at"),  # the basic format
]


@pytest.mark.parametrize(("change", "field"), BAD_FIELDS)
def test_invalid_fields_are_refused_naming_the_field(app, shop, change, field):
    response = shop.conversion(**{"order_id": "1001", **change})
    assert response.status_code == 400, response.json
    assert response.json["error"] == "invalid_field"
    assert response.json["details"]["field"] == field
    assert response.json["message"].startswith(field)
    assert stored(app) == []


def test_hostile_text_is_kept_verbatim_never_interpreted(app, shop):
    order_id = '<script>alert("x")</script>'
    name = "Mug'); DROP TABLE conversions; --"
    response = shop.conversion(order_id, items=[{"sku": "<b>", "name": name}])
    assert response.status_code == 201
    assert response.json["order_id"] == order_id
    (order,) = stored(app)
    assert order.items[0]["name"] == name


def test_a_reported_order_time_is_kept(app, shop, clock):
    response = shop.conversion("1001", occurred_at="2026-05-11T08:00:00+02:00")
    assert response.json["occurred_at"] == "2026-05-11T06:00:00Z"


# --- idempotency and statuses ------------------------------------------------------------


def test_a_repeated_report_is_recognised_and_counted_once(app, shop):
    first = shop.conversion("1001")
    again = shop.conversion("1001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["repeat"] is True and again.json["created"] is False
    assert len(stored(app)) == 1


def test_the_same_order_id_on_two_sites_is_two_orders(app, shop, client, clock):
    other = Shop(client, make_site(app, clock, email="b@shop.example"), clock)
    assert shop.conversion("1001").status_code == 201
    assert other.conversion("1001").status_code == 201
    assert len(stored(app)) == 2


def test_an_order_moves_from_placed_to_paid_to_refunded(app, shop, clock):
    shop.conversion("1001", status="placed")
    clock.advance(minutes=5)
    paid = shop.conversion("1001", status="paid")
    assert (paid.status_code, paid.json["status"], paid.json["repeat"]) == (200, "paid", False)
    clock.advance(days=3)
    refunded = shop.conversion("1001", status="refunded")
    assert refunded.json["status"] == "refunded"
    assert (refunded.json["refunded_amount"], refunded.json["net_amount"]) == ("59.90", "0.00")
    (order,) = stored(app)
    assert order.status_at == clock()


@pytest.mark.parametrize("order", list(itertools.permutations(["placed", "paid", "refunded"])))
def test_status_reports_in_any_arrival_order_end_in_the_same_state(app, shop, order):
    answers = [shop.conversion("1001", status=status).status_code for status in order]
    assert answers[0] == 201
    (stored_order,) = stored(app)
    assert stored_order.status == "refunded"
    assert stored_order.refunded_minor == stored_order.amount_minor


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("paid", "placed"),
        ("refunded", "paid"),
        ("refunded", "placed"),
        ("cancelled", "paid"),
        ("cancelled", "refunded"),
        ("refunded", "cancelled"),
    ],
)
def test_a_status_going_backwards_is_refused_with_409_and_changes_nothing(app, shop, first, then):
    shop.conversion("1001", status=first)
    before = stored(app)[0]
    response = shop.conversion("1001", status=then)
    assert response.status_code == 409
    assert response.json["error"] == "status_regression"
    assert response.json["details"]["status"] == first
    after = stored(app)[0]
    assert (after.status, after.updated_at, after.refunded_minor) == (
        before.status,
        before.updated_at,
        before.refunded_minor,
    )


def test_partial_refunds_reduce_revenue_and_only_ever_grow(app, shop):
    shop.conversion("1001", status="paid")
    first = shop.conversion("1001", status="paid", refunded_amount="10.00")
    assert (first.json["refunded_amount"], first.json["net_amount"]) == ("10.00", "49.90")
    second = shop.conversion("1001", status="paid", refunded_amount="20.00")
    assert second.json["net_amount"] == "39.90"
    shrink = shop.conversion("1001", status="paid", refunded_amount="15.00")
    assert (shrink.status_code, shrink.json["error"]) == (409, "refund_regression")
    # A later report that does not mention refunds leaves them as they are.
    assert shop.conversion("1001", status="paid").json["repeat"] is True
    assert stored(app)[0].refunded_minor == 2000


def test_the_amount_of_an_open_order_may_be_corrected(app, shop):
    shop.conversion("1001", amount="59.90")
    response = shop.conversion("1001", amount="49.90")
    assert (response.status_code, response.json["amount"], response.json["repeat"]) == (
        200,
        "49.90",
        False,
    )


def test_the_currency_of_an_order_cannot_change(app, shop):
    shop.conversion("1001", currency="EUR")
    response = shop.conversion("1001", currency="CHF")
    assert (response.status_code, response.json["error"]) == (409, "currency_mismatch")
    assert stored(app)[0].currency == "EUR"


def test_an_exact_replay_of_an_earlier_report_cannot_undo_a_refund(app, shop, site):
    body = json.dumps(
        {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"}
    ).encode()
    from widgetserver.core.signing import signed_headers

    captured = {
        **signed_headers(
            site.key, site.secret, "POST", "/v1/conversions", body, int(shop.clock().timestamp())
        ),
        "Content-Type": "application/json",
    }
    assert shop.client.post("/v1/conversions", data=body, headers=captured).status_code == 201
    shop.conversion("1001", status="refunded")
    replay = shop.client.post("/v1/conversions", data=body, headers=captured)
    assert replay.status_code == 409
    assert stored(app)[0].status == "refunded"


def test_concurrent_reports_of_a_new_order_store_it_exactly_once(app, site, clock):
    from widgetserver.core.signing import signed_headers

    from ..live import serving

    body = json.dumps(
        {"order_id": "race-1", "amount": "10.00", "currency": "EUR", "status": "paid"}
    ).encode()
    headers = {
        **signed_headers(
            site.key, site.secret, "POST", "/v1/conversions", body, int(clock().timestamp())
        ),
        "Content-Type": "application/json",
    }
    import urllib.request

    results: list[int] = []

    def report() -> None:
        request = urllib.request.Request(f"{server.url}/v1/conversions", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            results.append(response.status)

    with serving(app) as server:
        threads = [threading.Thread(target=report) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [200] * 7 + [201]
    assert len(stored(app)) == 1


# --- attribution -------------------------------------------------------------------------


def test_an_order_without_a_ref_is_unattributed(shop):
    attribution = shop.conversion("1001").json["attribution"]
    assert attribution == {
        "decision": "no_ref",
        "code": None,
        "kind": None,
        "channel": None,
        "self_referral": False,
    }


def test_an_order_through_a_shared_link_is_attributed_to_its_code(app, shop, browser, clock):
    browser.share("share-code", channel="whatsapp")
    browser.ip = "198.51.100.9"
    clock.advance(days=2)
    browser.visit("share-code")
    clock.advance(hours=1)
    response = shop.conversion("1001", ref="share-code")
    assert response.json["attribution"] == {
        "decision": "attributed",
        "code": "share-code",
        "kind": "share",
        "channel": "whatsapp",
        "self_referral": False,
    }
    code = all_rows(app, RefCode)[0]
    assert stored(app)[0].code_id == code.id


@pytest.mark.parametrize(
    ("ref", "decision"),
    [
        ("never-seen", "unknown_code"),
        ("<script>", "invalid_ref"),
        ("x" * 200, "invalid_ref"),
        ("", "no_ref"),
    ],
)
def test_a_bad_ref_never_costs_the_order(app, shop, ref, decision):
    response = shop.conversion("1001", ref=ref)
    assert response.status_code == 201
    assert response.json["attribution"]["decision"] == decision
    assert stored(app)[0].code_id is None


def test_another_sites_code_is_unknown_here(app, shop, client, clock):
    from ..conftest import Browser

    other = make_site(app, clock, email="b@shop.example")
    Browser(client, other).share("their-code")
    assert (
        shop.conversion("1001", ref="their-code").json["attribution"]["decision"] == "unknown_code"
    )


def test_the_attribution_window_counts_from_the_last_visit(app, shop, browser, site, clock):
    from widgetserver import sites

    with app.app_context(), db.writing() as session:
        sites.by_key(session, site.key).settings = {"attribution_window_days": 7}
    browser.share("share-code")
    browser.ip = "198.51.100.9"
    browser.visit("share-code")
    clock.advance(days=6)
    browser.visit("share-code")
    clock.advance(days=6, hours=23)
    assert shop.conversion("1001", ref="share-code").json["attribution"]["decision"] == "attributed"
    clock.advance(hours=2)
    assert (
        shop.conversion("1002", ref="share-code").json["attribution"]["decision"]
        == "outside_window"
    )
    assert [o.code_id is not None for o in sorted(stored(app), key=lambda o: o.order_id)] == [
        True,
        False,
    ]


def test_without_a_recorded_visit_the_share_itself_bounds_the_window(shop, browser, clock):
    browser.share("share-code")
    clock.advance(days=29)
    assert shop.conversion("1001", ref="share-code").json["attribution"]["decision"] == "attributed"
    clock.advance(days=2)
    assert (
        shop.conversion("1002", ref="share-code").json["attribution"]["decision"]
        == "outside_window"
    )


def test_a_referrer_buying_through_their_own_link_is_flagged_as_self_referral(
    app, shop, site, clock
):
    make_referral(app, site, "friend-link", "cust-42", clock)
    own = shop.conversion("1001", ref="friend-link", customer_ref="cust-42").json["attribution"]
    friend = shop.conversion("1002", ref="friend-link", customer_ref="cust-77").json["attribution"]
    assert (own["decision"], own["kind"], own["self_referral"]) == ("attributed", "referral", True)
    assert (friend["decision"], friend["self_referral"]) == ("attributed", False)


def test_attribution_is_decided_once_and_a_late_ref_fills_a_gap(app, shop, browser):
    browser.share("code-one-1")
    browser.share("code-two-2")
    shop.conversion("1001", ref="code-one-1")
    assert (
        shop.conversion("1001", status="paid", ref="code-two-2").json["attribution"]["code"]
        == "code-one-1"
    )
    shop.conversion("1002")
    assert (
        shop.conversion("1002", status="paid", ref="code-two-2").json["attribution"]["code"]
        == "code-two-2"
    )


# --- browser conversions -----------------------------------------------------------------


def test_a_thank_you_page_report_is_stored_unverified(app, browser):
    response = browser.convert(order_id="1001", amount="59.90", currency="EUR", ref=None)
    assert response.status_code == 201
    assert (response.json["verified"], response.json["status"]) == (False, "placed")
    assert "Set-Cookie" not in response.headers


def test_a_browser_cannot_claim_an_order_is_paid(app, browser):
    response = browser.convert(order_id="1001", amount="59.90", currency="EUR", status="paid")
    assert response.json["status"] == "placed"


def test_the_sharer_buying_through_their_own_link_in_the_browser_is_self_referral(browser):
    browser.share("share-code")
    response = browser.convert(order_id="1001", amount="5.00", currency="EUR", ref="share-code")
    assert response.json["attribution"]["self_referral"] is True


@pytest.mark.parametrize(
    ("origin", "key", "status"), [("https://evil.example", None, 403), (SHOP, "pk_nobody", 404)]
)
def test_browser_reports_need_the_sites_origin(app, browser, origin, key, status):
    browser.origin = origin
    payload = {"order_id": "1001", "amount": "59.90", "currency": "EUR"}
    if key:
        payload["site"] = key
    response = browser.convert(**payload)
    assert response.status_code == status
    assert stored(app) == []


def test_a_browser_report_never_changes_a_verified_order(app, shop, browser):
    shop.conversion("1001", status="paid", amount="59.90")
    response = browser.convert(order_id="1001", amount="0.01", currency="EUR", ref=None)
    assert (response.status_code, response.json["repeat"], response.json["amount"]) == (
        200,
        True,
        "59.90",
    )
    assert stored(app)[0].verified is True


def test_the_shops_report_upgrades_a_browser_report_and_decides_attribution_itself(
    app, shop, browser
):
    browser.share("share-code")
    browser.ip = "198.51.100.30"
    browser.visit("share-code")
    claimed = browser.convert(order_id="1001", amount="59.90", currency="EUR", ref="share-code")
    assert claimed.json["attribution"]["code"] == "share-code"
    # The shop's server knows no code for the order: a browser's claim is not carried over.
    response = shop.conversion("1001", status="paid", amount="61.90")
    body = response.json
    assert (body["verified"], body["status"], body["amount"], body["repeat"]) == (
        True,
        "paid",
        "61.90",
        False,
    )
    assert body["attribution"]["decision"] == "no_ref"
    assert len(stored(app)) == 1


def test_a_verified_upgrade_with_the_code_keeps_the_browsers_self_referral_evidence(
    app, shop, browser
):
    browser.share("share-code")
    browser.convert(order_id="1001", amount="5.00", currency="EUR", ref="share-code")  # the sharer
    response = shop.conversion("1001", amount="5.00", ref="share-code")
    assert response.json["attribution"]["code"] == "share-code"
    assert response.json["attribution"]["self_referral"] is True


def test_a_browser_report_cannot_attribute_a_verified_order(app, shop, browser):
    browser.share("attacker-1")
    shop.conversion("1001", status="paid", ref=None)
    forged = browser.convert(order_id="1001", amount="59.90", currency="EUR", ref="attacker-1")
    assert (forged.status_code, forged.json["repeat"]) == (200, True)
    assert forged.json["attribution"]["decision"] == "no_ref"
    assert shop.conversion("1001", status="paid").json["attribution"]["decision"] == "no_ref"
    (order,) = stored(app)
    assert order.code_id is None


def test_an_unknown_site_is_a_401_to_signed_requests_and_a_404_to_browsers(shop, browser):
    body = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "placed"}
    signed = shop.post("/v1/conversions", body, headers={"X-SWK-Site": "pk_" + "n" * 20})
    assert (signed.status_code, signed.json) == (
        401,
        {"error": "unknown_site", "message": "X-SWK-Site does not name an active site."},
    )
    page = browser.convert(site="pk_" + "n" * 20, order_id="1", amount="1.00", currency="EUR")
    assert (page.status_code, page.json) == (
        404,
        {"error": "unknown_site", "message": "No active site has this public key."},
    )


def test_a_foreign_page_gets_the_origin_refusal_in_the_error_shape(browser):
    browser.origin = "https://evil.example"
    response = browser.convert(order_id="1001", amount="59.90", currency="EUR")
    assert (response.status_code, response.json) == (
        403,
        {
            "error": "origin_not_allowed",
            "message": "This page's origin is not one of the site's registered shop origins.",
        },
    )


def test_a_signed_token_from_the_shop_makes_a_browser_report_verified(app, browser, site, clock):
    from widgetserver.core.signing import make_token

    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"}
    token = make_token(site.secret, "conversion", claims, int(clock().timestamp()) + 3600)
    response = browser.convert(**{k: v for k, v in claims.items() if k != "status"}, token=token)
    assert (response.status_code, response.json["verified"], response.json["status"]) == (
        201,
        True,
        "paid",
    )


@pytest.mark.parametrize(
    ("tamper", "status", "error"),
    [
        ("amount", 400, "token_mismatch"),
        ("forged", 403, "token_invalid"),
        ("expired", 403, "token_expired"),
        ("purpose", 403, "token_invalid"),
    ],
)
def test_a_wrong_token_is_refused_and_nothing_stored(
    app, browser, site, clock, tamper, status, error
):
    from widgetserver.core.signing import make_token

    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR"}
    secret = "sk_guess" if tamper == "forged" else site.secret
    purpose = "vote" if tamper == "purpose" else "conversion"
    expires = int(clock().timestamp()) + (-1 if tamper == "expired" else 3600)
    token = make_token(secret, purpose, claims, expires)
    body = {**claims, "amount": "0.01"} if tamper == "amount" else claims
    response = browser.convert(**body, token=token)
    assert (response.status_code, response.json["error"]) == (status, error)
    assert stored(app) == []


def test_a_report_against_its_token_names_the_field_without_details(browser, site, clock):
    from widgetserver.core.signing import make_token

    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR"}
    token = make_token(site.secret, "conversion", claims, int(clock().timestamp()) + 3600)
    response = browser.convert(**{**claims, "currency": "USD"}, token=token)
    assert (response.status_code, response.json) == (
        400,
        {
            "error": "token_mismatch",
            "message": "currency differs from what the shop's token vouches for.",
        },
    )


@pytest.mark.parametrize(
    "change", [{"order_id": "\ud800x"}, {"customer_ref": "\ud800"}, {"items": [{"sku": "\udfff"}]}]
)
def test_text_no_encoding_can_store_is_a_400_not_a_500(app, shop, change):
    response = shop.conversion(**{"order_id": "1001", **change})
    assert (response.status_code, response.json["error"]) == (400, "invalid_field")
    assert stored(app) == []


def test_a_browser_report_for_a_malformed_site_key_is_a_404(browser):
    response = browser.convert(site="\ud800abcd", order_id="1", amount="1.00", currency="EUR")
    assert response.status_code == 404


def test_a_chunked_signed_body_over_the_limit_is_a_413_not_a_bad_signature(app, site, clock):
    import http.client

    from widgetserver.core.signing import signed_headers

    from ..live import serving

    body = json.dumps(
        {
            "order_id": "1",
            "amount": "1.00",
            "currency": "EUR",
            "status": "placed",
            "pad": "x" * 300_000,
        }
    ).encode()
    headers = signed_headers(
        site.key, site.secret, "POST", "/v1/conversions", body, int(clock().timestamp())
    )
    with serving(app) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
            connection.request(
                "POST",
                "/v1/conversions",
                body=chunks,
                encode_chunked=True,
                headers={**headers, "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            assert (response.status, json.loads(response.read())["error"]) == (
                413,
                "body_too_large",
            )
        finally:
            connection.close()
    assert stored(app) == []


def test_a_slow_signed_request_does_not_hold_up_other_writers(app, site, browser):
    import socket
    import time

    from ..live import serving

    browser.share("share-code")
    with serving(app) as server:
        slow = socket.create_connection((server.host, server.port))
        try:
            slow.sendall(
                b"POST /v1/conversions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"X-SWK-Site: " + site.key.encode() + b"\r\nContent-Length: 100\r\n\r\n{"
            )
            time.sleep(0.2)  # the server is now waiting for the rest of that body
            started = time.monotonic()
            import urllib.request

            request = urllib.request.Request(
                f"{server.url}/v1/events",
                data=json.dumps(
                    {"site": site.key, "events": [{"type": "visit", "code": "share-code"}]}
                ).encode(),
                headers={**browser.headers()},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
            assert time.monotonic() - started < 3
        finally:
            slow.close()


@pytest.fixture
def few_reports(app):
    app.config.update(BROWSER_CONVERSIONS_LIMIT_CLIENT=2, BROWSER_CONVERSIONS_LIMIT_SITE=3)
    return app


def test_browser_reports_over_the_clients_limit_get_429_and_are_counted(
    few_reports, browser, site, clock
):
    from ..conftest import drop_counts

    for order in ("1001", "1002"):
        assert browser.convert(order_id=order, amount="5.00", currency="EUR").status_code == 201
    clock.advance(seconds=20)
    response = browser.convert(order_id="1003", amount="5.00", currency="EUR")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "40"
    assert response.json["error"] == "rate_limited"
    assert set(response.json) == {"error", "message"}
    assert [c.order_id for c in all_rows(few_reports, Conversion)] == ["1001", "1002"]
    assert browser.convert(order_id="1004", amount="5.00", currency="EUR").status_code == 429
    assert drop_counts(few_reports) == {(site.id, "conversion_rate_limited"): 2}
    clock.advance(seconds=40)
    assert browser.convert(order_id="1003", amount="5.00", currency="EUR").status_code == 201


def test_browser_reports_over_the_sites_limit_are_refused_for_every_client(few_reports, browser):
    for n, ip in enumerate(["198.51.100.1", "198.51.100.2", "198.51.100.3"]):
        browser.ip = ip
        assert browser.convert(order_id=f"10{n}", amount="5.00", currency="EUR").status_code == 201
    browser.ip = "198.51.100.4"
    response = browser.convert(order_id="1099", amount="5.00", currency="EUR")
    assert response.status_code == 429
    assert "this site" in response.json["message"]


def test_a_browser_report_refused_for_its_fields_uses_no_part_of_the_limit(few_reports, browser):
    for _ in range(3):
        refused = browser.convert(order_id="1001", amount="19.999", currency="EUR")
        assert refused.status_code == 400
    assert browser.convert(order_id="1001", amount="5.00", currency="EUR").status_code == 201


@pytest.mark.parametrize(
    ("amount", "currency", "status"),
    [
        ("1000000.00", "EUR", 201),
        ("1000000.01", "EUR", 400),
        ("10000000000000.00", "EUR", 400),  # the forged orders of the attack run
        ("1000000000", "JPY", 201),
        ("1000000001", "JPY", 400),
    ],
)
def test_unverified_amounts_are_bounded(app, browser, amount, currency, status):
    response = browser.convert(order_id="1001", amount=amount, currency=currency)
    assert response.status_code == status
    if status == 400:
        assert response.json["details"] == {"field": "amount"}
        assert all_rows(app, Conversion) == []


@pytest.mark.parametrize(
    ("amount", "status"),
    [("5000000.00", 201), ("100000000000.00", 201), ("100000000000.01", 400)],
)
def test_the_shops_signed_reports_may_be_larger_within_the_absolute_bound(shop, amount, status):
    response = shop.conversion(amount=amount)
    assert response.status_code == status
    if status == 400:
        assert response.json["details"] == {"field": "amount"}
