"""A stored order as the API shows it: amounts as decimal strings, net revenue, attribution."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..models import Conversion
from . import money
from .lifecycle import FINAL, Outcome


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


def _money(minor: int, conversion: Conversion) -> str:
    return money.to_decimal_string(minor, conversion.currency)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
