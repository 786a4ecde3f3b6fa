"""The referrer token: who a referrer is, as the shop's backend vouches for it.

A site token (``core.signing.make_token``) with the purpose ``referrer`` and the payload
``{"customer_ref": ..., "exp": ...}``, optionally with ``"order_id"`` (the order after which
the link was asked for). The shop makes it with the site secret and hands it to the
recommend-a-friend form; the server reads it in ``api/referrals.py`` and checks its claims
here. A token may be used again and again until it expires: the customer gets the same link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import fields
from ..core.errors import DomainError, reason

#: Purpose of the referrer token (``core.signing.read_token``).
REFERRER_TOKEN = "referrer"  # noqa: S105 - a purpose, not a secret
#: A thank-you or account page may stay open for days; a month bounds what a leaked token
#: (a page in a shared cache, a forwarded page) can do: ask for that customer's link.
REFERRER_TOKEN_MAX_AGE = 30 * 24 * 3600
#: ``customer_ref`` and ``order_id`` fit the columns that keep them.
CUSTOMER_REF_MAX_LENGTH = 128
ORDER_ID_MAX_LENGTH = 128

INVALID_REFERRER = reason("invalid_referrer", "a referrer token's claims cannot be used")
INVALID_FIELD = reason("invalid_field", "a field of a request for a referral link cannot be used")


@dataclass(frozen=True)
class Referrer:
    """The customer the shop vouches for (a pseudonymous reference, never a name)."""

    customer_ref: str
    order_id: str | None = None


def customer_ref(value: object) -> str:
    """A shop's pseudonymous customer reference: printable, at most 128 characters.

    Refused with ``invalid_field`` (naming ``customer_ref``), as in an order report.
    """
    try:
        return fields.text(value, "customer_ref", CUSTOMER_REF_MAX_LENGTH)
    except fields.FieldError as exc:
        raise DomainError(
            INVALID_FIELD, f"customer_ref: {exc.message}", {"field": "customer_ref"}
        ) from None


def referrer_of(claims: dict[str, Any]) -> Referrer:
    """The referrer a verified token's claims name; ``invalid_referrer`` if they cannot be used.

    The signature proves the shop made the claims, not that they are sound: a shop's bug
    must not become a stored customer reference with control characters in it.
    """
    try:
        ref = fields.text(claims.get("customer_ref"), "customer_ref", CUSTOMER_REF_MAX_LENGTH)
        order_id = fields.optional_text(claims.get("order_id"), "order_id", ORDER_ID_MAX_LENGTH)
    except fields.FieldError as exc:
        raise DomainError(
            INVALID_REFERRER, f"The token's {exc.reason} {exc.message}.", {"field": exc.reason}
        ) from None
    return Referrer(ref, order_id)
