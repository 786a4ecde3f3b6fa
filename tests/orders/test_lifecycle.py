"""Moving a stored order forward: refusals are domain errors with the stored state."""

from datetime import UTC, datetime

import pytest

from widgetserver.core.errors import DomainError
from widgetserver.models import Conversion
from widgetserver.orders.lifecycle import apply
from widgetserver.orders.report import parse_report

NOW = datetime(2026, 5, 12, 10, 30, tzinfo=UTC)


def order(**values):
    fields = {
        "order_id": "1001",
        "verified": True,
        "status": "paid",
        "currency": "EUR",
        "amount_minor": 5990,
        "refunded_minor": 1000,
        "items": None,
        "customer_ref": None,
    }
    return Conversion(**{**fields, **values})


def report(**change):
    body = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid", **change}
    return parse_report(body, verified=True, now=NOW, tolerance=300)


def test_a_later_status_moves_the_order_forward():
    stored = order()
    assert apply(stored, report(status="refunded"), NOW) >= {"status", "refunded_minor"}
    assert (stored.status, stored.status_at, stored.updated_at) == ("refunded", NOW, NOW)


def test_the_same_report_again_changes_nothing():
    stored = order(refunded_minor=0)
    assert apply(stored, report(), NOW) == set()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "placed"}, "status_regression"),
        ({"currency": "USD"}, "currency_mismatch"),
        ({"refunded_amount": "5.00"}, "refund_regression"),
    ],
)
def test_a_report_against_the_stored_order_is_refused_outside_any_request(change, reason):
    stored = order()
    with pytest.raises(DomainError) as caught:
        apply(stored, report(**change), NOW)
    assert caught.value.reason == reason
    assert caught.value.details == {"status": "paid", "refunded_amount": "10.00"}
    assert (stored.status, stored.refunded_minor) == ("paid", 1000)


def test_a_browser_report_adds_nothing_to_a_verified_order():
    body = {"order_id": "1001", "amount": "1.00", "currency": "EUR", "status": "placed"}
    browser = parse_report(body, verified=False, now=NOW, tolerance=300)
    assert apply(order(), browser, NOW) == set()
