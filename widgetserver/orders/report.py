"""An order report as a shop sends it: validated field by field into a ``Report``.

``parse_report`` checks a report body (signed by the shop's server, or sent by a thank-you
page) and names the first offending field in a ``DomainError`` with the reason
``invalid_field``; amounts become integer minor units of the report's currency. A browser
report may carry a token from the shop's server: ``vouched_status`` checks that the token's
claims match the report and says which status the shop vouches for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..core import fields
from ..core.errors import DomainError, reason
from . import money

#: Every status an order can have, in the order an order moves through them.
STATUSES = ("placed", "paid", "refunded", "cancelled")
MAX_ITEMS = 200
#: Orders may be reported late (a backlog after an outage), but not from the distant past.
MAX_AGE = timedelta(days=366)
#: ``occurred_at``: an RFC 3339 date-time with its offset, exactly the pattern the OpenAPI
#: document states (``datetime.fromisoformat`` alone also takes week and ordinal dates and the
#: basic format, ``2026-W48-1``, ``2026-335``, ``20261201T100000Z``).
OCCURRED_AT_MAX_LENGTH = 40
RFC3339 = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)

INVALID_FIELD = reason("invalid_field", "a field of an order report cannot be used")
TOKEN_MISMATCH = reason("token_mismatch", "a report differs from what the shop's token vouches")


@dataclass
class Report:
    order_id: str
    status: str
    currency: str
    amount_minor: int
    refunded_minor: int | None
    ref: str | None
    items: list[dict[str, Any]] | None
    occurred_at: datetime | None
    customer_ref: str | None
    verified: bool
    visitor_hash: int | None = None
    #: The shop says the buyer had not ordered before (True), had (False); None: not said.
    new_customer: bool | None = None
    #: The shop's server sent it (signed), not a browser.
    from_server: bool = False


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(INVALID_FIELD, f"{field}: {message}", {"field": field})


def parse_report(data: dict[str, Any], *, verified: bool, now: datetime, tolerance: int) -> Report:
    """Validate a report body; raises ``DomainError`` naming the first offending field.

    ``tolerance`` is how many seconds ``occurred_at`` may lie ahead of ``now`` (clock skew).
    """
    try:
        order_id = fields.text(data.get("order_id"), "order_id", 128)
    except fields.FieldError as exc:
        raise _invalid("order_id", exc.message) from None
    try:
        currency = money.parse_currency(data.get("currency"))
    except money.MoneyError as exc:
        raise _invalid("currency", str(exc)) from None
    amount = _amount(data, "amount", currency)
    assert amount is not None
    if not verified and amount > money.unverified_max_minor(currency):
        bound = money.to_decimal_string(money.unverified_max_minor(currency), currency)
        raise _invalid("amount", f"an unverified report may be at most {bound} {currency}")
    status = data.get("status")  # browser reports get theirs from the endpoint
    if status not in STATUSES:
        raise _invalid("status", f"must be one of {', '.join(STATUSES)}")
    refunded = _amount(data, "refunded_amount", currency, required=False)
    if refunded is not None and refunded > amount:
        raise _invalid("refunded_amount", "cannot be larger than amount")
    if status == "refunded":
        refunded = amount
    ref = data.get("ref")
    if ref is not None and not isinstance(ref, str):
        raise _invalid("ref", "must be a string or null")
    try:
        customer_ref = fields.optional_text(data.get("customer_ref"), "customer_ref", 128)
    except fields.FieldError as exc:
        raise _invalid("customer_ref", exc.message) from None
    new_customer = data.get("new_customer")
    if new_customer is not None and not isinstance(new_customer, bool):
        raise _invalid("new_customer", "must be true, false or null")
    return Report(
        order_id=order_id,
        status=status,
        currency=currency,
        amount_minor=amount,
        refunded_minor=refunded,
        ref=ref or None,
        items=_items(data.get("items"), currency),
        occurred_at=_occurred_at(data.get("occurred_at"), now, tolerance),
        customer_ref=customer_ref,
        verified=verified,
        new_customer=new_customer,
    )


def _amount(data: dict[str, Any], field: str, currency: str, required: bool = True) -> int | None:
    value = data.get(field)
    if value is None and not required:
        return None
    try:
        return money.to_minor(value, currency)
    except money.MoneyError as exc:
        raise _invalid(field, str(exc)) from None


def _items(value: Any, currency: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _invalid("items", f"must be a list of at most {MAX_ITEMS} items")
    items = []
    for n, item in enumerate(value):
        where = f"items[{n}]"
        if not isinstance(item, dict):
            raise _invalid(where, "must be an object with sku, quantity and amount")
        try:
            sku = fields.text(item.get("sku"), "sku", 128)
            name = fields.optional_text(item.get("name"), "name", 200)
        except fields.FieldError as exc:
            raise _invalid(f"{where}.{exc.reason}", exc.message) from None
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= 10**6:
            raise _invalid(f"{where}.quantity", "must be a whole number from 1 to 1000000")
        entry: dict[str, Any] = {"sku": sku, "quantity": quantity}
        if name is not None:
            entry["name"] = name
        if item.get("amount") is not None:
            minor = _amount(item, "amount", currency)
            entry["amount"] = money.to_decimal_string(minor or 0, currency)
        items.append(entry)
    return items


def _occurred_at(value: Any, now: datetime, tolerance: int) -> datetime | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or len(value) > OCCURRED_AT_MAX_LENGTH
        or not RFC3339.fullmatch(value)
    ):
        raise _invalid(
            "occurred_at",
            "must be an RFC 3339 date-time with its offset, such as 2026-05-01T12:00:00Z or "
            "2026-05-01T14:00:00+02:00",
        )
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:  # a day the month does not have
        raise _invalid("occurred_at", "is not a date-time of the calendar") from None
    if moment > now + timedelta(seconds=tolerance):
        raise _invalid("occurred_at", "lies in the future")
    if moment < now - MAX_AGE:
        raise _invalid("occurred_at", "lies more than a year in the past")
    return moment.astimezone(UTC)


#: Purpose of the site token a shop's backend gives its thank-you page to verify a browser
#: report (``core.signing.read_token``); the plugins make it with the site secret.
CONVERSION_TOKEN = "conversion"  # noqa: S105 - a purpose, not a secret
#: A thank-you page is shown right after the order; a day is generous.
CONVERSION_TOKEN_MAX_AGE = 24 * 3600


def vouched_status(claims: dict[str, Any], data: dict[str, Any]) -> str:
    """The status a shop's (verified) token vouches for, if it matches the reported order.

    The token names the order, its amount and currency; a report that differs in any of them
    is refused with ``token_mismatch``. A token without a status vouches for ``placed``.
    """
    for field in ("order_id", "amount", "currency"):
        if claims.get(field) != data.get(field):
            raise DomainError(
                TOKEN_MISMATCH, f"{field} differs from what the shop's token vouches for."
            )
    return claims.get("status", "placed")
