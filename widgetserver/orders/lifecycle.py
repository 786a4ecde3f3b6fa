"""Orders stored once per (site, order id) and moved forward by later reports.

Statuses only move forward: ``placed`` → ``paid`` → ``refunded`` or ``cancelled`` (the last two
are final). Reports may arrive in any order - a ``paid`` report for an unknown order creates it
as paid - and a late report for an earlier status is refused (``status_regression``) without
changing anything, which also makes a replayed request harmless. Partial refunds are reported
as the cumulative ``refunded_amount`` on a placed or paid order; it may only grow
(``refund_regression``), and an order keeps its currency (``currency_mismatch``). Each refusal
is a ``DomainError`` whose ``details`` carry the stored status and refunded amount.

A verified (server-to-server) report always wins over an unverified browser report of the same
order; a browser report never changes a verified order. Attribution is decided when an order is
created, again when a verified report takes over a browser-reported order, and filled in when a
later report brings the reference code an earlier one lacked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.errors import DomainError, reason
from ..models import Conversion
from ..sites.settings import effective
from . import attribution, money
from .report import Report

#: How far along each status (of ``report.STATUSES``) is; the two final ones rank equal.
RANK = {"placed": 0, "paid": 1, "refunded": 2, "cancelled": 2}
FINAL = ("refunded", "cancelled")

CURRENCY_MISMATCH = reason("currency_mismatch", "a report names another currency than the order")
STATUS_REGRESSION = reason("status_regression", "a report for an earlier status than the order's")
REFUND_REGRESSION = reason("refund_regression", "a report with less refunded than reported before")


class SiteLike(Protocol):
    """A site as stored (``models.Site``) or as cached (``sites.PublicSite``)."""

    @property
    def id(self) -> int: ...

    @property
    def settings(self) -> dict[str, Any]: ...


@dataclass
class Outcome:
    conversion: Conversion
    created: bool
    repeat: bool


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
        server_reported=report.from_server,
        status=report.status,
        currency=report.currency,
        amount_minor=report.amount_minor,
        refunded_minor=report.refunded_minor or 0,
        items=report.items,
        customer_ref=report.customer_ref,
        new_customer=report.new_customer,
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
    if report.new_customer is not None:
        target["new_customer"] = report.new_customer
    if report.from_server:
        target["server_reported"] = True
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
        "refunded_amount": money.to_decimal_string(conversion.refunded_minor, conversion.currency),
    }
    if report.currency != conversion.currency:
        raise DomainError(
            CURRENCY_MISMATCH,
            f"Order {report.order_id} was reported in {conversion.currency}, "
            f"not {report.currency}.",
            current,
        )
    old, new = RANK[conversion.status], RANK[report.status]
    if new < old or (new == old and report.status != conversion.status):
        raise DomainError(
            STATUS_REGRESSION,
            f"Order {report.order_id} is already {conversion.status}; "
            f"it cannot become {report.status}.",
            current,
        )
    if report.refunded_minor is not None and report.refunded_minor < conversion.refunded_minor:
        raise DomainError(
            REFUND_REGRESSION,
            "refunded_amount is the total refunded so far and cannot shrink.",
            current,
        )
