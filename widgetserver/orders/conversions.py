"""Orders reported by shops: validated, stored once per (site, order id), updated by status.

Statuses only move forward: ``placed`` → ``paid`` → ``refunded`` or ``cancelled`` (the last two
are final). Reports may arrive in any order - a ``paid`` report for an unknown order creates it
as paid - and a late report for an earlier status is refused with 409 without changing
anything, which also makes a replayed request harmless. Partial refunds are reported as the
cumulative ``refunded_amount`` on a placed or paid order; it may only grow.

A verified (server-to-server) report always wins over an unverified browser report of the same
order; a browser report never changes a verified order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import fields
from ..models import Conversion
from ..sites.settings import effective
from ..web.errors import ApiError
from . import attribution, money

RANK = {"placed": 0, "paid": 1, "refunded": 2, "cancelled": 2}
STATUSES = tuple(RANK)
FINAL = ("refunded", "cancelled")
MAX_ITEMS = 200
#: Orders may be reported late (a backlog after an outage), but not from the distant past.
MAX_AGE = timedelta(days=366)


class SiteLike(Protocol):
    """A site as stored (``models.Site``) or as cached (``sites.PublicSite``)."""

    @property
    def id(self) -> int: ...

    @property
    def settings(self) -> dict[str, Any]: ...


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


@dataclass
class Outcome:
    conversion: Conversion
    created: bool
    repeat: bool


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_field", f"{field}: {message}", {"field": field})


def parse_report(data: dict[str, Any], *, verified: bool, now: datetime, tolerance: int) -> Report:
    """Validate a report body; raises ``ApiError`` naming the first offending field."""
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
    if not isinstance(value, str) or len(value) > 40:
        raise _invalid("occurred_at", "must be an RFC 3339 date-time such as 2026-05-01T12:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _invalid("occurred_at", "must be an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise _invalid("occurred_at", "needs a time zone offset, e.g. Z or +02:00")
    if moment > now + timedelta(seconds=tolerance):
        raise _invalid("occurred_at", "lies in the future")
    if moment < now - MAX_AGE:
        raise _invalid("occurred_at", "lies more than a year in the past")
    return moment.astimezone(UTC)


def record(session: Session, site: SiteLike, report: Report, now: datetime) -> Outcome:
    """Store the report: create the order, update it, or recognise a repeat."""
    existing = _find(session, site.id, report.order_id)
    if existing is None:
        conversion = _new(session, site, report, now)
        try:
            with session.begin_nested():
                session.add(conversion)
            return Outcome(conversion, created=True, repeat=False)
        except IntegrityError:
            # Another worker stored the same order a moment ago: treat this as an update.
            if conversion in session:
                session.expunge(conversion)
            existing = _find(session, site.id, report.order_id)
            assert existing is not None
    if existing.verified and not report.verified:
        # The shop's backend has spoken: a browser report changes nothing, attribution included.
        return Outcome(existing, created=False, repeat=True)
    changed = apply(existing, report, now)
    if _should_attribute(existing, report, changed):
        before = (existing.attribution, existing.code_id, existing.self_referral)
        _attribute(session, site, existing, report)
        if (existing.attribution, existing.code_id, existing.self_referral) != before:
            changed.add("attribution")
            existing.updated_at = now
    return Outcome(existing, created=False, repeat=not changed)


def _find(session: Session, site_id: int, order_id: str) -> Conversion | None:
    return session.scalar(
        select(Conversion)
        .where(Conversion.site_id == site_id, Conversion.order_id == order_id)
        .with_for_update()
    )


def _new(session: Session, site: SiteLike, report: Report, now: datetime) -> Conversion:
    conversion = Conversion(
        site_id=site.id,
        order_id=report.order_id,
        verified=report.verified,
        status=report.status,
        currency=report.currency,
        amount_minor=report.amount_minor,
        refunded_minor=report.refunded_minor or 0,
        items=report.items,
        customer_ref=report.customer_ref,
        visitor_hash=report.visitor_hash,
        occurred_at=report.occurred_at or now,
        status_at=now,
        created_at=now,
        updated_at=now,
    )
    _attribute(session, site, conversion, report)
    return conversion


def _should_attribute(conversion: Conversion, report: Report, changed: set[str]) -> bool:
    """Attribution is decided once per level of trust.

    When the shop's verified report takes over a browser-reported order, the verified
    report's own ``ref`` decides, even if it is null: a browser's claim never becomes a
    verified attribution. Otherwise a later report may only fill a missing attribution.
    """
    if "verified" in changed:
        return True
    return report.ref is not None and conversion.attribution == "no_ref"


def _attribute(session: Session, site: SiteLike, conversion: Conversion, report: Report) -> None:
    window = timedelta(days=effective(site.settings)["attribution_window_days"])
    decision = attribution.decide(
        session,
        site.id,
        report.ref,
        at=conversion.occurred_at,
        window=window,
        visitor_hash=report.visitor_hash or conversion.visitor_hash,
        customer_ref=conversion.customer_ref,
    )
    attributed = decision.reason == attribution.ATTRIBUTED
    conversion.attribution = decision.reason
    conversion.code = decision.code if attributed else None
    conversion.self_referral = decision.self_referral if attributed else False


def apply(conversion: Conversion, report: Report, now: datetime) -> set[str]:
    """Move a stored order to the reported state; returns the names of the changed columns."""
    if conversion.verified and not report.verified:
        return set()  # the shop's backend has spoken; a browser report adds nothing
    upgrade = report.verified and not conversion.verified
    if not upgrade:
        _check_forward(conversion, report)
    target: dict[str, Any] = {
        "status": report.status,
        "amount_minor": report.amount_minor,
        "refunded_minor": report.refunded_minor
        if report.refunded_minor is not None
        else min(conversion.refunded_minor, report.amount_minor),
    }
    if report.items is not None:
        target["items"] = report.items
    if report.customer_ref is not None:
        target["customer_ref"] = report.customer_ref
    if upgrade:
        target["verified"] = True
        target["currency"] = report.currency
        if report.occurred_at is not None:
            target["occurred_at"] = report.occurred_at
    changed = {key for key, value in target.items() if getattr(conversion, key) != value}
    for key in changed:
        setattr(conversion, key, target[key])
    if "status" in changed:
        conversion.status_at = now
    if changed:
        conversion.updated_at = now
    return changed


def _check_forward(conversion: Conversion, report: Report) -> None:
    current = {
        "status": conversion.status,
        "refunded_amount": _money(conversion.refunded_minor, conversion),
    }
    if report.currency != conversion.currency:
        raise ApiError(
            409,
            "currency_mismatch",
            f"Order {report.order_id} was reported in {conversion.currency}, "
            f"not {report.currency}.",
            current,
        )
    old, new = RANK[conversion.status], RANK[report.status]
    if new < old or (new == old and report.status != conversion.status):
        raise ApiError(
            409,
            "status_regression",
            f"Order {report.order_id} is already {conversion.status}; "
            f"it cannot become {report.status}.",
            current,
        )
    if report.refunded_minor is not None and report.refunded_minor < conversion.refunded_minor:
        raise ApiError(
            409,
            "refund_regression",
            "refunded_amount is the total refunded so far and cannot shrink.",
            current,
        )


def _money(minor: int, conversion: Conversion) -> str:
    return money.to_decimal_string(minor, conversion.currency)


def net_minor(conversion: Conversion) -> int:
    """Revenue the order still brings: nothing once refunded or cancelled."""
    if conversion.status in FINAL:
        return 0
    return conversion.amount_minor - conversion.refunded_minor


def state(outcome: Outcome) -> dict[str, Any]:
    """The stored order as the API returns it."""
    c = outcome.conversion
    code = c.code
    return {
        "order_id": c.order_id,
        "status": c.status,
        "verified": c.verified,
        "currency": c.currency,
        "amount": _money(c.amount_minor, c),
        "refunded_amount": _money(c.refunded_minor, c),
        "net_amount": _money(net_minor(c), c),
        "occurred_at": _iso(c.occurred_at),
        "updated_at": _iso(c.updated_at),
        "attribution": {
            "decision": c.attribution,
            "code": code.code if code else None,
            "kind": code.kind if code else None,
            "channel": code.channel if code else None,
            "self_referral": c.self_referral,
        },
        "created": outcome.created,
        "repeat": outcome.repeat,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
