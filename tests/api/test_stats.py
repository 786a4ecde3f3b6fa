"""GET /v1/sites/{key}/stats: the stats page's figures for plugins, signed like conversions."""

from datetime import UTC, datetime

import pytest

from widgetserver.core.signing import signed_headers

from ..conftest import make_site

PERIOD = "from=2026-05-11&to=2026-05-12"


class StatsClient:
    """A plugin asking for its site's figures: a signed GET with an empty body."""

    def __init__(self, client, site, clock):
        self.client = client
        self.site = site
        self.clock = clock

    def get(
        self, query=PERIOD, *, key=None, secret=None, timestamp=None, signed_path=None, headers=None
    ):
        path = f"/v1/sites/{key or self.site.key}/stats" + (f"?{query}" if query else "")
        ts = int(self.clock().timestamp()) if timestamp is None else timestamp
        signed = signed_headers(
            self.site.key, secret or self.site.secret, "GET", signed_path or path, b"", ts
        )
        return self.client.get(path, headers={**signed, **(headers or {})})


@pytest.fixture
def plugin(client, site, clock):
    return StatsClient(client, site, clock)


def assert_error(response, status, error):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"] == error and body["message"]
    assert set(body) <= {"error", "message", "details"}


def test_a_signed_request_gets_the_figures_and_no_cache_keeps_them(
    app, clock, browser, shop, plugin
):
    clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    browser.ip = "198.51.100.1"
    assert browser.share("shareA01", "whatsapp", product="MUG-1").status_code == 202
    browser.ip = "198.51.100.2"
    assert browser.visit("shareA01").status_code == 202
    assert shop.conversion("1001", amount="59.90", ref="shareA01", status="paid").status_code == 201
    assert shop.conversion("1002", amount="500", currency="JPY", ref="shareA01").status_code == 201
    clock.set(datetime(2026, 5, 12, 10, 30, tzinfo=UTC))

    response = plugin.get()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert body["site"] == plugin.site.key
    assert body["period"] == {
        "from": "2026-05-11",
        "to": "2026-05-12",
        "timezone": "UTC",
        "days": 2,
    }
    assert body["previous_period"] == {"from": "2026-05-09", "to": "2026-05-10"}
    totals = body["totals"]
    assert (totals["shares"], totals["visits"], totals["unique_visitors"]) == (1, 1, 1)
    assert (totals["orders_verified"], totals["orders_unverified"]) == (2, 0)
    assert totals["revenue"] == {"EUR": "59.90", "JPY": "500"}
    assert totals["average_order_value"] == {"EUR": "59.90", "JPY": "500"}
    assert totals["conversion_rate"] == 2.0 and totals["viral_factor"] == 0.0
    assert body["previous"]["conversion_rate"] is None
    assert [d["day"] for d in body["daily"]] == ["2026-05-11", "2026-05-12"]
    assert body["daily"][0]["revenue"] == {"EUR": "59.90", "JPY": "500"}
    assert body["channels"][0]["channel"] == "whatsapp"
    assert body["pages"][0]["page"] == "MUG-1"
    assert body["referrers"][0]["code"] == "shareA01"
    assert [c["order_id"] for c in body["recent"]] == ["1002", "1001"]
    assert body["recent"][0]["occurred_at"] == "2026-05-11T09:00:00+00:00"


def test_the_days_are_the_sites_days(app, clock):
    site = make_site(app, clock, timezone="Europe/Berlin")
    client = app.test_client()
    response = StatsClient(client, site, clock).get("from=2026-05-01&to=2026-05-31")
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"]["timezone"] == "Europe/Berlin" and len(body["daily"]) == 31


def test_a_wrong_secret_is_refused(plugin):
    assert_error(plugin.get(secret="sk_not_the_secret"), 401, "signature_invalid")


def test_a_stale_timestamp_is_refused(plugin, clock):
    stale = int(clock().timestamp()) - 301
    assert_error(plugin.get(timestamp=stale), 401, "timestamp_out_of_tolerance")


def test_the_signature_covers_the_query_string(plugin):
    signed_for = f"/v1/sites/{plugin.site.key}/stats?from=2026-01-01&to=2026-01-31"
    assert_error(plugin.get(signed_path=signed_for), 401, "signature_invalid")


def test_another_sites_figures_are_refused_even_with_a_valid_signature(app, clock, plugin):
    other = make_site(app, clock, email="other@shop.example")
    assert_error(plugin.get(key=other.key), 403, "site_mismatch")


def test_an_unknown_site_is_refused(plugin):
    response = plugin.get(headers={"X-SWK-Site": "pk_unknown_site_key_00000"})
    assert_error(response, 401, "unknown_site")


@pytest.mark.parametrize(
    ("missing", "error"),
    [
        ("X-SWK-Site", "unknown_site"),
        ("X-SWK-Signature", "signature_missing"),
        ("X-SWK-Timestamp", "signature_missing"),
    ],
)
def test_missing_headers_are_refused(client, site, missing, error):
    headers = signed_headers(
        site.key, site.secret, "GET", f"/v1/sites/{site.key}/stats?{PERIOD}", b"", 0
    )
    del headers[missing]
    response = client.get(f"/v1/sites/{site.key}/stats?{PERIOD}", headers=headers)
    assert_error(response, 401, error)


def test_an_unsigned_request_is_refused(client, site):
    assert_error(client.get(f"/v1/sites/{site.key}/stats?{PERIOD}"), 401, "unknown_site")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("", "from is missing"),
        ("from=2026-05-01", "to is missing"),
        ("from=2026-02-30&to=2026-03-01", "from must be a date"),
        ("from=yesterday&to=2026-03-01", "from must be a date"),
        ("from=2026-05-01&to=05/31/2026", "to must be a date"),
        ("from=2026-05-10&to=2026-05-01", "first day lies after the last"),
        ("from=2025-01-01&to=2026-01-02", "at most 366 days"),
        ("from=2026-W48-1&to=2026-12-01", "from must be a date such as 2026-05-01 (YYYY-MM-DD)"),
        ("from=2026-11-30&to=2026-W49-1", "to must be a date"),
        ("from=2026-335&to=2026-12-01", "from must be a date"),
        ("from=0503-06-26&to=4309-08-30", "from must lie in the years 2000 to 2100"),
    ],
)
def test_bad_dates_are_refused_with_a_clear_message(plugin, query, says):
    response = plugin.get(query)
    assert_error(response, 400, "invalid_period")
    assert says in response.get_json()["message"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_body_on_the_get_is_refused(plugin, site, clock):
    path = f"/v1/sites/{site.key}/stats?{PERIOD}"
    headers = signed_headers(site.key, site.secret, "GET", path, b"x", int(clock().timestamp()))
    response = plugin.client.get(path, headers=headers, data=b"x")
    assert_error(response, 413, "body_too_large")


@pytest.mark.parametrize(
    "query", ["from=0001-01-01&to=0001-01-02", "from=9999-12-30&to=9999-12-31"]
)
def test_dates_at_the_ends_of_the_calendar_are_refused(plugin, query):
    assert_error(plugin.get(query), 400, "invalid_period")
