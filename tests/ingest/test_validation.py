"""One event's checks: bounded fields, and page addresses only on the site's shop origins."""

import pytest

from widgetserver.core.fields import FieldError
from widgetserver.ingest.validation import MAX_PATH, shop_page, validate_event

from ..conftest import SHOP

ORIGINS = frozenset([SHOP, "http://127.0.0.1:8080"])


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (f"{SHOP}/p/mug?email=a@b.c#top", f"{SHOP}/p/mug"),
        ("HTTPS://SHOP.example", f"{SHOP}/"),
        ("https://shop.example:443/p", f"{SHOP}/p"),
        ("http://127.0.0.1:8080/cart", "http://127.0.0.1:8080/cart"),
        (f"{SHOP}/" + "a" * (MAX_PATH - 1), f"{SHOP}/" + "a" * (MAX_PATH - 1)),
    ],
)
def test_a_page_of_the_shop_is_kept_as_origin_and_path(url, kept):
    assert shop_page(url, ORIGINS) == kept


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/p",
        "https://shop.example.evil.example/",
        "http://shop.example/p",
        "https://shop.example:8443/p",
        "http://127.0.0.1/cart",
    ],
)
def test_a_page_on_another_origin_is_not_allowed(url):
    with pytest.raises(FieldError) as caught:
        shop_page(url, ORIGINS)
    assert caught.value.reason == "url_not_allowed"


def test_a_path_longer_than_the_bound_is_refused():
    with pytest.raises(FieldError) as caught:
        shop_page(f"{SHOP}/" + "a" * MAX_PATH, ORIGINS)
    assert caught.value.reason == "invalid_url"
    assert str(MAX_PATH) in caught.value.message


def test_a_long_query_does_not_count_against_the_path():
    assert shop_page(f"{SHOP}/p?" + "q" * 1500, ORIGINS) == f"{SHOP}/p"


@pytest.mark.parametrize("kind", ["visit", "invite"])
def test_visits_and_invites_with_a_page_need_it_on_the_shop_too(kind):
    event = {"type": kind, "code": "abc-123", "channel": "x", "url": "https://evil.example/"}
    with pytest.raises(FieldError) as caught:
        validate_event(0, event, ORIGINS)
    assert caught.value.reason == "url_not_allowed"
    assert validate_event(0, {**event, "url": None}, ORIGINS).url is None
