"""The ingest steps, one at a time."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from widgetserver.core.fields import FieldError
from widgetserver.ingest import pipeline
from widgetserver.ingest.pipeline import Batch, Refused

from ..conftest import BROWSER_UA, SHOP

ORIGINS = frozenset([SHOP])


def batch(body=None, origin=SHOP, user_agent=BROWSER_UA, **extra):
    raw = (
        body
        if isinstance(body, bytes)
        else json.dumps(body or {"site": "pk_x", "events": [{}]}).encode()
    )
    return Batch(
        body=raw,
        origin=origin,
        ip="203.0.113.7",
        user_agent=user_agent,
        now=datetime(2026, 5, 12, tzinfo=UTC),
        max_batch=3,
        **extra,
    )


def test_the_steps_run_in_the_documented_order():
    assert [s.__name__ for s in pipeline.REQUEST_STEPS] == [
        "parse",
        "resolve_site",
        "check_origin",
        "check_limits",
        "drop_bots",
    ]
    assert [s.__name__ for s in pipeline.EVENT_STEPS] == [
        "validate",
        "hash_visitor",
        "attribute",
        "store",
    ]


def test_parse_keeps_the_site_key_and_the_raw_events():
    b = batch({"site": "pk_x", "events": [{"type": "visit"}, 1]})
    pipeline.parse(b)
    assert (b.site_key, b.raw_events) == ("pk_x", [{"type": "visit"}, 1])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", "malformed_json"),
        (b"[]", "invalid_request"),
        ({"site": "k", "events": [{}] * 4}, "too_many_events"),
        ({"site": "k", "events": []}, "invalid_request"),
    ],
)
def test_parse_refuses_the_whole_request(body, error):
    with pytest.raises(Refused) as caught:
        pipeline.parse(batch(body))
    assert caught.value.error == error


def test_check_origin_compares_with_the_sites_registered_origins():
    allowed = batch(site=SimpleNamespace(origins=[SHOP]))
    pipeline.check_origin(allowed)
    with pytest.raises(Refused) as caught:
        pipeline.check_origin(
            batch(origin="https://evil.example", site=SimpleNamespace(origins=[SHOP]))
        )
    assert (caught.value.status, caught.value.error) == (403, "origin_not_allowed")


def test_drop_bots_rejects_every_event_of_a_crawler():
    b = batch(user_agent="Googlebot/2.1", raw_events=[{}, {}])
    pipeline.drop_bots(b)
    assert b.raw_events == []
    assert [(r.index, r.reason) for r in b.rejected] == [(0, "bot"), (1, "bot")]


def test_drop_bots_lets_browsers_through():
    b = batch(raw_events=[{}])
    pipeline.drop_bots(b)
    assert b.raw_events == [{}] and b.rejected == []


def test_validate_event_normalises_what_it_keeps():
    event = pipeline.validate_event(
        4,
        {
            "type": "share",
            "code": "abc-123",
            "channel": "x",
            "url": "HTTPS://Shop.Example/p?q=1#f",
            "product": "SKU",
            "parent": "par-ent1",
            "extra": "ignored",
        },
        ORIGINS,
    )
    assert (event.index, event.type, event.url, event.parent) == (
        4,
        "share",
        "https://shop.example/p",
        "par-ent1",
    )


def test_a_visit_has_no_channel_of_its_own():
    assert (
        pipeline.validate_event(
            0, {"type": "visit", "code": "abc-123", "channel": "x"}, ORIGINS
        ).channel
        is None
    )


def test_validate_event_names_the_first_problem():
    with pytest.raises(FieldError) as caught:
        pipeline.validate_event(0, {"type": "share", "code": "abc-123", "channel": "nope"}, ORIGINS)
    assert caught.value.reason == "invalid_channel"


def test_a_refused_origin_keeps_the_domain_reason_and_message():
    with pytest.raises(Refused) as caught:
        pipeline.check_origin(batch(origin=None, site=SimpleNamespace(origins=[SHOP])))
    assert caught.value.message == (
        "This page's origin is not one of the site's registered shop origins."
    )
    assert caught.value.details is None


def test_an_unknown_site_is_refused_as_a_whole_with_a_404(app):
    with app.app_context(), pytest.raises(Refused) as caught:
        pipeline.resolve_site(batch(site_key="pk_" + "c" * 20))
    assert (caught.value.status, caught.value.error) == (404, "unknown_site")
