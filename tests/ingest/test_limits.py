"""POST /v1/events under its rate limits, and page addresses only on the shop's origins."""

import pytest

from widgetserver.core.db import db
from widgetserver.models import Event, RateCounter, RefCode

from ..conftest import SHOP, Browser, all_rows, drop_counts, make_app


def share(n, url=f"{SHOP}/p/mug"):
    return {"type": "share", "code": f"code-{n:04d}", "channel": "x", "url": url}


@pytest.fixture
def limited(app):
    app.config.update(EVENTS_LIMIT_CLIENT=3, EVENTS_LIMIT_SITE=5)
    return app


def test_events_under_the_limits_are_received_as_always(limited, browser):
    for n in range(3):
        response = browser.send(share(n))
        assert (response.status_code, response.json) == (202, {"accepted": 1, "rejected": []})
        assert "Retry-After" not in response.headers


def test_a_client_over_its_limit_gets_429_with_retry_after_and_nothing_is_stored(
    limited, browser, site, clock
):
    browser.send(share(0), share(1))
    clock.advance(seconds=15)
    response = browser.send(share(2), share(3))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "45"
    assert response.json["error"] == "rate_limited"
    assert set(response.json) == {"error", "message"}
    assert "this client" in response.json["message"]
    assert [c.code for c in all_rows(limited, RefCode)] == ["code-0000", "code-0001"]
    assert drop_counts(limited) == {(site.id, "rate_limited"): 1}
    # The refused request took nothing of the limit: one more event still fits.
    assert browser.send(share(4)).json["accepted"] == 1


def test_a_known_full_client_is_refused_again_and_each_refusal_counted(limited, browser, site):
    browser.send(share(0), share(1), share(2))
    for n in range(3, 6):
        assert browser.send(share(n)).status_code == 429
    assert drop_counts(limited) == {(site.id, "rate_limited"): 3}
    assert len(all_rows(limited, Event)) == 3


def test_the_next_minute_accepts_the_client_again(limited, browser, clock):
    browser.send(share(0), share(1), share(2))
    assert browser.send(share(3)).status_code == 429
    clock.advance(seconds=60)
    assert browser.send(share(3)).json["accepted"] == 1


def test_other_clients_are_not_held_up_by_one_over_its_limit(limited, browser):
    browser.send(share(0), share(1), share(2))
    assert browser.send(share(3)).status_code == 429
    browser.ip = "198.51.100.1"
    assert browser.send(share(4)).json["accepted"] == 1


def test_a_site_over_its_limit_refuses_every_client(limited, browser):
    for n, ip in enumerate(["198.51.100.1", "198.51.100.2"]):
        browser.ip = ip
        assert browser.send(share(2 * n), share(2 * n + 1)).status_code == 202
    browser.ip = "198.51.100.3"
    assert browser.send(share(4)).status_code == 202
    response = browser.send(share(5))
    assert response.status_code == 429
    assert "this site" in response.json["message"]


def test_bots_and_bad_events_count_against_the_limit_too(limited, browser, site):
    browser.send({"type": "like"}, {"type": "like"})
    browser.user_agent = "curl/8.5.0"
    assert browser.send(share(0)).json["rejected"][0]["reason"] == "bot"
    assert browser.send(share(1)).status_code == 429


def test_the_limits_hold_across_two_servers_on_one_database(
    limited, database_url, tmp_path, clock, site
):
    other = make_app(database_url, tmp_path / "second-instance", clock)
    other.config.update(EVENTS_LIMIT_CLIENT=3, EVENTS_LIMIT_SITE=5)
    try:
        first = Browser(limited.test_client(), site)
        second = Browser(other.test_client(), site)
        assert first.send(share(0), share(1)).status_code == 202
        assert second.send(share(2), share(3)).status_code == 429
        assert second.send(share(2)).status_code == 202
        assert first.send(share(3)).status_code == 429
    finally:
        db.dispose(other)
    assert len(all_rows(limited, Event)) == 3


def test_counters_hold_no_address(limited, browser):
    browser.send(share(0))
    keys = [r.key for r in all_rows(limited, RateCounter)]
    assert len(keys) == 2 and not any("203.0.113.7" in k for k in keys)


@pytest.mark.parametrize(
    "event",
    [
        share(0, "https://evil.example/p/mug"),
        share(0, "http://shop.example/p/mug"),
        {"type": "visit", "code": "code-0009", "url": "https://evil.example/"},
    ],
    ids=["other-host", "other-scheme", "visit"],
)
def test_pages_outside_the_shops_origins_are_rejected_and_counted(app, browser, site, event):
    browser.send(share(9))
    response = browser.send(event, share(1))
    assert response.status_code == 202
    assert response.json["accepted"] == 1
    assert [(r["index"], r["reason"]) for r in response.json["rejected"]] == [
        (0, "url_not_allowed")
    ]
    assert drop_counts(app) == {(site.id, "url_not_allowed"): 1}
    assert all("evil" not in (e.url or "") for e in all_rows(app, Event))


def test_a_page_of_a_second_registered_origin_is_accepted(app, browser, site):
    from widgetserver.models import Site

    with app.app_context(), db.writing() as session:
        session.get(Site, site.id).origins = [SHOP, "https://www.shop.example"]
    assert browser.send(share(0, "https://www.shop.example/p/mug")).json["accepted"] == 1


def test_a_path_over_1024_characters_is_rejected(app, browser, site):
    response = browser.send(share(0, f"{SHOP}/" + "a" * 1024), share(1, f"{SHOP}/" + "a" * 1023))
    assert response.json["accepted"] == 1
    assert [r["reason"] for r in response.json["rejected"]] == ["invalid_url"]
