"""Parsing a report: plain functions that refuse with a domain reason, no request needed."""

from datetime import UTC, datetime, timedelta

import pytest

from widgetserver.core.errors import DomainError
from widgetserver.orders import lifecycle, report
from widgetserver.orders.report import parse_report, vouched_status

NOW = datetime(2026, 5, 12, 10, 30, tzinfo=UTC)
BODY = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"}


def parse(**change):
    return parse_report({**BODY, **change}, verified=True, now=NOW, tolerance=300)


def test_a_report_is_parsed_into_minor_units_outside_any_request():
    parsed = parse(occurred_at="2026-05-12T12:00:00+02:00", ref="share-code")
    assert (parsed.order_id, parsed.status, parsed.currency, parsed.amount_minor) == (
        "1001",
        "paid",
        "EUR",
        5990,
    )
    assert parsed.occurred_at == datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
    assert (parsed.ref, parsed.refunded_minor, parsed.verified) == ("share-code", None, True)


def test_a_refunded_report_has_refunded_everything():
    assert parse(status="refunded").refunded_minor == 5990


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_id": ""}, "order_id"),
        ({"currency": "EURO"}, "currency"),
        ({"amount": 59.9}, "amount"),
        ({"status": "shipped"}, "status"),
        ({"refunded_amount": "60.00"}, "refunded_amount"),
        ({"items": [{"sku": "MUG", "quantity": 0}]}, "items[0].quantity"),
        ({"occurred_at": (NOW + timedelta(hours=1)).isoformat()}, "occurred_at"),
    ],
)
def test_a_bad_field_is_a_domain_error_naming_it(change, field):
    with pytest.raises(DomainError) as caught:
        parse(**change)
    assert caught.value.reason == "invalid_field"
    assert caught.value.details == {"field": field}
    assert caught.value.message.startswith(f"{field}: ")
    assert str(caught.value) == caught.value.message


#: What ``datetime.fromisoformat`` takes but RFC 3339 (and the OpenAPI document) does not.
NOT_RFC3339 = [
    "2026-W20-2T10:00:00Z",  # ISO week date (the Tuesday of week 20 is 12 May)
    "2026-132T10:00:00Z",  # ordinal date
    "20260512T100000Z",  # basic format
    "2026-05-12T10:00:00",  # no offset
    "2026-05-12 10:00:00Z",  # a space for the T
    "2026-05-12T10:00Z",  # no seconds
    "2026-05-12T12:00:00+0200",  # basic offset
    "2026-05-12T10:00:00+00:00:00",  # an offset with seconds
    "2026-05-12",  # a date alone
    "2026-05-12T10:00:00,5Z",  # a decimal comma
    "2026-05-12T10:00:00Z\n",
    "\u0662\u0660\u0662\u0666-05-12T10:00:00Z",  # digits that are not ASCII
]


@pytest.mark.parametrize("value", NOT_RFC3339)
def test_occurred_at_is_strictly_rfc_3339_with_an_offset(value):
    with pytest.raises(DomainError) as caught:
        parse(occurred_at=value)
    assert caught.value.details == {"field": "occurred_at"}
    assert "RFC 3339" in caught.value.message


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2026-05-12T10:00:00Z", datetime(2026, 5, 12, 10, 0, tzinfo=UTC)),
        ("2026-05-12t10:00:00z", datetime(2026, 5, 12, 10, 0, tzinfo=UTC)),
        ("2026-05-12T12:00:00.25+02:00", datetime(2026, 5, 12, 10, 0, 0, 250000, tzinfo=UTC)),
        ("2026-05-12T05:30:00-04:30", datetime(2026, 5, 12, 10, 0, tzinfo=UTC)),
        ("2026-05-12T10:00:00-00:00", datetime(2026, 5, 12, 10, 0, tzinfo=UTC)),
    ],
)
def test_every_rfc_3339_spelling_is_taken(value, moment):
    assert parse(occurred_at=value).occurred_at == moment


def test_a_day_the_month_does_not_have_is_refused():
    with pytest.raises(DomainError, match="occurred_at: is not a date-time of the calendar"):
        parse(occurred_at="2026-02-30T10:00:00Z")


def test_a_token_vouches_for_its_status_when_the_report_matches():
    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"}
    assert vouched_status(claims, BODY) == "paid"
    assert vouched_status({k: v for k, v in claims.items() if k != "status"}, BODY) == "placed"


def test_a_report_that_differs_from_its_token_is_a_token_mismatch():
    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR"}
    with pytest.raises(DomainError) as caught:
        vouched_status(claims, {**BODY, "amount": "0.01"})
    assert (caught.value.reason, caught.value.details) == ("token_mismatch", None)
    assert caught.value.message == "amount differs from what the shop's token vouches for."


def test_every_status_a_report_may_name_has_a_rank():
    assert tuple(lifecycle.RANK) == report.STATUSES
    assert set(lifecycle.FINAL) <= set(report.STATUSES)


@pytest.mark.parametrize(
    ("amount", "currency", "verified", "accepted"),
    [
        ("1000000.00", "EUR", False, True),
        ("1000000.01", "EUR", False, False),
        ("10000000000000.00", "EUR", False, False),
        ("5000000.00", "EUR", True, True),  # the shop's own report may be larger
        ("100000000000.00", "EUR", True, True),
        ("100000000000.01", "EUR", True, False),
        ("999999999", "JPY", False, True),
        ("1000000001", "JPY", False, False),
    ],
)
def test_amounts_are_bounded_and_unverified_reports_more_tightly(
    amount, currency, verified, accepted
):
    body = {**BODY, "amount": amount, "currency": currency, "status": "placed"}
    if accepted:
        assert parse_report(body, verified=verified, now=NOW, tolerance=300).amount_minor > 0
        return
    with pytest.raises(DomainError) as caught:
        parse_report(body, verified=verified, now=NOW, tolerance=300)
    assert caught.value.details == {"field": "amount"}
