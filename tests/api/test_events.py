"""POST /v1/events: what the widgets report, and everything that must be refused."""

import json

import pytest

from widgetserver.models import Event, RefCode

from ..conftest import BROWSER_UA, SHOP, all_rows, database_text, drop_counts, make_referral


def test_a_share_registers_its_code_with_channel_page_and_product(app, browser):
    response = browser.share(
        "Abc123_-xy",
        channel="mastodon",
        url=f"{SHOP}/p/mug?colour=red&email=a@b.c#reviews",
        product="SKU-1",
    )
    assert response.status_code == 202
    assert response.json == {"accepted": 1, "rejected": []}
    (code,) = all_rows(app, RefCode)
    assert (code.code, code.kind, code.channel, code.product) == (
        "Abc123_-xy",
        "share",
        "mastodon",
        "SKU-1",
    )
    # Query strings and fragments often carry personal data: only origin and path are kept.
    assert code.url == f"{SHOP}/p/mug"
    (event,) = all_rows(app, Event)
    assert (event.type, event.code_id, event.channel, event.url) == (
        "share",
        code.id,
        "mastodon",
        f"{SHOP}/p/mug",
    )


def test_a_share_by_someone_who_arrived_through_a_share_records_the_chain(app, browser):
    browser.share("parent-code")
    browser.ip = "198.51.100.1"
    assert browser.share("child-code", parent="parent-code").json["accepted"] == 1
    codes = {c.code: c for c in all_rows(app, RefCode)}
    assert codes["child-code"].parent_id == codes["parent-code"].id


def test_an_unknown_parent_does_not_cost_the_share(app, browser):
    assert browser.share("child-code", parent="gone-code").json["accepted"] == 1
    assert all_rows(app, RefCode)[0].parent_id is None


def test_a_visit_through_a_code_is_linked_to_it_and_its_channel(app, browser):
    browser.share("share-code", channel="telegram")
    browser.ip = "198.51.100.20"
    response = browser.visit("share-code")
    assert response.json == {"accepted": 1, "rejected": []}
    visit = all_rows(app, Event, Event.type == "visit")[0]
    code = all_rows(app, RefCode)[0]
    assert (visit.code_id, visit.channel, visit.is_self) == (code.id, "telegram", False)


def test_the_sharer_opening_their_own_link_is_flagged_as_self(app, browser):
    browser.share("share-code")
    browser.visit("share-code")
    visit = all_rows(app, Event, Event.type == "visit")[0]
    assert visit.is_self is True


def test_invites_need_a_referral_code(app, browser, site, clock):

    make_referral(app, site, "friend-link", "cust-1", clock)
    browser.share("share-code")
    response = browser.send(
        {"type": "invite", "code": "friend-link", "channel": "whatsapp"},
        {"type": "invite", "code": "share-code", "channel": "email"},
        {"type": "invite", "code": "friend-link"},
    )
    assert response.json["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in response.json["rejected"]] == [
        (1, "not_a_referral"),
        (2, "invalid_channel"),
    ]
    (invite,) = all_rows(app, Event, Event.type == "invite")
    assert invite.channel == "whatsapp"


def test_json_and_text_plain_bodies_are_both_accepted(client, site):
    body = json.dumps(
        {
            "site": site.key,
            "events": [{"type": "share", "code": "c0de-one", "channel": "x", "url": f"{SHOP}/"}],
        }
    )
    for content_type in ("text/plain;charset=UTF-8", "application/json"):
        response = client.post(
            "/v1/events",
            data=body.replace("one", content_type[:4]),
            headers={"Origin": SHOP, "Content-Type": content_type},
        )
        assert response.status_code == 202, response.json
        assert response.json["accepted"] == 1


def test_other_media_types_are_refused_with_415(app, client, site):
    response = client.post(
        "/v1/events",
        data="site=x",
        headers={"Origin": SHOP},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"
    assert drop_counts(app) == {(0, "unsupported_media_type"): 1}


def test_a_json_preflight_from_a_shop_is_answered(client):
    response = client.options(
        "/v1/events",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", SHOP)
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (None, 403),
        ("https://evil.example", 403),
        ("null", 403),
        ("http://shop.example", 403),
        ("https://shop.example.evil.example", 403),
        ("https://SHOP.example", 202),
    ],
)
def test_only_registered_shop_origins_may_post(app, browser, site, origin, expected):
    browser.origin = origin
    response = browser.share("share-code")
    assert response.status_code == expected
    if expected == 403:
        assert response.json["error"] == "origin_not_allowed"
        assert all_rows(app, RefCode) == []
        assert drop_counts(app) == {(site.id, "origin_not_allowed"): 1}


def test_an_unknown_site_is_refused_and_counted(app, browser):
    response = browser.send({"type": "visit", "code": "abcdefgh"}, site="pk_nobody")
    assert response.status_code == 404
    assert response.json == {
        "error": "unknown_site",
        "message": "No active site has this public key.",
    }
    assert drop_counts(app) == {(0, "unknown_site"): 1}


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"",
        b"[]",
        b'"events"',
        b"null",
        b'{"site": "k", "events": [NaN]}',
        b'{"site": "k", "site": "k2", "events": []}',
        b"\xff\xfe{}",
        b"[" * 100000 + b"]" * 100000,
    ],
    ids=[
        "truncated",
        "empty",
        "array",
        "string",
        "null",
        "nan",
        "duplicate-keys",
        "not-utf8",
        "deep",
    ],
)
def test_malformed_json_is_refused_with_400_and_nothing_stored(app, client, body):
    response = client.post(
        "/v1/events", data=body[:60000], headers={"Origin": SHOP, "Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json["error"] in ("malformed_json", "invalid_request")
    assert set(response.json) == {"error", "message"}
    assert all_rows(app, Event) == []


@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"site": 5, "events": []},
        {"site": "k"},
        {"site": "k", "events": {}},
        {"site": "k", "events": []},
    ],
)
def test_a_batch_needs_a_site_key_and_a_list_of_events(client, body):
    response = client.post("/v1/events", json=body, headers={"Origin": SHOP})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_the_batch_limit_is_enforced(app, browser, site):
    visits = [
        {"type": "share", "code": f"code-{n:04d}", "channel": "x", "url": f"{SHOP}/"}
        for n in range(101)
    ]
    response = browser.send(*visits)
    assert response.status_code == 400
    assert response.json["error"] == "too_many_events"
    assert all_rows(app, RefCode) == []
    assert browser.send(*visits[:100]).json["accepted"] == 100


def test_bodies_over_the_limit_are_refused_with_413(app, client, site):
    body = json.dumps({"site": site.key, "events": [{"type": "visit", "code": "x" * 70000}]})
    response = client.post(
        "/v1/events", data=body, headers={"Origin": SHOP, "Content-Type": "text/plain"}
    )
    assert response.status_code == 413
    assert response.json["error"] == "body_too_large"
    assert drop_counts(app) == {(0, "body_too_large"): 1}


def test_chunked_bodies_without_a_length_are_cut_off_at_the_limit_too(app, site):
    import http.client

    from ..live import serving

    def chunks():
        yield b'{"site": "%s", "events": [' % site.key.encode()
        for _ in range(400):
            yield b'{"type": "visit", "code": "aaaaaaaaaaaa"},' * 10
        yield b"]}"

    with serving(app) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            connection.request(
                "POST",
                "/v1/events",
                body=chunks(),
                encode_chunked=True,
                headers={"Origin": SHOP, "Content-Type": "text/plain"},
            )
            response = connection.getresponse()
            assert response.status == 413
            assert json.loads(response.read())["error"] == "body_too_large"
        finally:
            connection.close()
    assert all_rows(app, Event) == []


HOSTILE = [
    ({"type": "like", "code": "good-code"}, "invalid_type"),
    ({"type": "share", "code": "<script>", "channel": "x", "url": f"{SHOP}/"}, "invalid_code"),
    ({"type": "share", "code": "short", "channel": "x", "url": f"{SHOP}/"}, "invalid_code"),
    ({"type": "share", "code": "a" * 33, "channel": "x", "url": f"{SHOP}/"}, "invalid_code"),
    ({"type": "share", "code": 12345678, "channel": "x", "url": f"{SHOP}/"}, "invalid_code"),
    (
        {"type": "share", "code": "good-code", "channel": "myspace", "url": f"{SHOP}/"},
        "invalid_channel",
    ),
    (
        {"type": "share", "code": "good-code", "channel": "x", "url": "javascript:alert(1)"},
        "invalid_url",
    ),
    (
        {"type": "share", "code": "good-code", "channel": "x", "url": f"{SHOP}/" + "a" * 2100},
        "invalid_url",
    ),
    (
        {
            "type": "share",
            "code": "good-code",
            "channel": "x",
            "url": f"{SHOP}/\r\nSet-Cookie: a=b",
        },
        "invalid_url",
    ),
    ({"type": "share", "code": "good-code", "channel": "x"}, "invalid_url"),
    (
        {
            "type": "share",
            "code": "good-code",
            "channel": "x",
            "url": f"{SHOP}/",
            "product": "a\x00b",
        },
        "invalid_product",
    ),
    (
        {
            "type": "share",
            "code": "good-code",
            "channel": "x",
            "url": f"{SHOP}/",
            "product": "p" * 129,
        },
        "invalid_product",
    ),
    (
        {
            "type": "share",
            "code": "good-code",
            "channel": "x",
            "url": f"{SHOP}/",
            "product": ["SKU"],
        },
        "invalid_product",
    ),
    (
        {
            "type": "share",
            "code": "good-code",
            "channel": "x",
            "url": f"{SHOP}/",
            "parent": "<b>x</b>",
        },
        "invalid_parent",
    ),
    ({"type": "visit", "code": "never-shared"}, "unknown_code"),
    ("visit", "invalid_event"),
    (None, "invalid_event"),
]


@pytest.mark.parametrize(("event", "reason"), HOSTILE)
def test_each_bad_event_is_rejected_with_its_reason_and_the_rest_is_kept(
    app, browser, site, event, reason
):
    good = {"type": "share", "code": "fine-code", "channel": "x", "url": f"{SHOP}/"}
    response = browser.send(event, good)
    assert response.status_code == 202
    assert response.json["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in response.json["rejected"]] == [(0, reason)]
    assert [c.code for c in all_rows(app, RefCode)] == ["fine-code"]
    assert drop_counts(app) == {(site.id, reason): 1}


def test_html_in_a_product_is_stored_verbatim_for_escaping_on_output(app, browser):
    product = '<img src=x onerror="alert(1)">'
    assert browser.share("share-code", product=product).json["accepted"] == 1
    assert all_rows(app, RefCode)[0].product == product


def test_a_taken_code_is_refused_and_the_first_share_keeps_it(app, browser):
    browser.share("share-code", channel="x")
    response = browser.send(
        {"type": "share", "code": "share-code", "channel": "facebook", "url": f"{SHOP}/other"},
        {"type": "share", "code": "new-code-1", "channel": "facebook", "url": f"{SHOP}/a"},
        {"type": "share", "code": "new-code-1", "channel": "facebook", "url": f"{SHOP}/b"},
    )
    assert response.json["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in response.json["rejected"]] == [
        (0, "duplicate_code"),
        (2, "duplicate_code"),
    ]
    codes = {c.code: c for c in all_rows(app, RefCode)}
    assert codes["share-code"].channel == "x"
    assert codes["new-code-1"].url == f"{SHOP}/a"
    assert len(all_rows(app, Event)) == 2


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "WhatsApp/2.23.20.0",
        "curl/8.5.0",
        "python-requests/2.31",
        "",
    ],
)
def test_crawlers_and_scripts_are_not_counted(app, browser, site, user_agent):
    browser.user_agent = user_agent
    response = browser.share("share-code")
    assert response.status_code == 202
    assert response.json["accepted"] == 0
    assert response.json["rejected"][0]["reason"] == "bot"
    assert all_rows(app, RefCode) == []
    assert drop_counts(app) == {(site.id, "bot"): 1}


def test_the_widget_server_sets_no_cookie_and_stores_no_ip_address(app, browser, site):
    responses = [
        browser.share("share-code"),
        browser.visit("share-code"),
        browser.client.get(f"/v1/sites/{site.key}/config"),
    ]
    assert all("Set-Cookie" not in r.headers for r in responses)
    stored = database_text(app)
    assert "203.0.113.7" not in stored
    assert BROWSER_UA not in stored


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (
            {
                "type": "share",
                "code": "good-code",
                "channel": "x",
                "url": f"{SHOP}/",
                "product": "\ud800",
            },
            "invalid_product",
        ),
        (
            {"type": "share", "code": "good-code", "channel": "x", "url": f"{SHOP}/\ud800"},
            "invalid_url",
        ),
        (
            {"type": "share", "code": "good-code", "channel": "x", "url": f"{SHOP}/\u2028"},
            "invalid_url",
        ),
    ],
)
def test_text_no_encoding_can_store_is_rejected_not_a_500(app, browser, site, event, reason):
    response = browser.send(event)
    assert response.status_code == 202
    assert [r["reason"] for r in response.json["rejected"]] == [reason]


@pytest.mark.parametrize(
    "key", ["\ud800abcd", "\u0000abcd", "pk_" + "\u0000" * 20, "pk_" + "é" * 20]
)
def test_malformed_site_keys_are_unknown_sites_not_a_500(app, client, key):
    body = json.dumps({"site": key, "events": [{"type": "visit", "code": "abcdefgh"}]})
    response = client.post(
        "/v1/events", data=body, headers={"Origin": SHOP, "Content-Type": "text/plain"}
    )
    assert (response.status_code, response.json["error"]) == (404, "unknown_site")
    assert client.get("/v1/sites/%00abcd/config").status_code == 404
    assert client.get("/v1/sites/%F0%9F%92%A9/config").status_code == 404
