"""Recommend-a-friend in the demo shop: the buyer's referrer token and the friend's coupon.

Integration point 5: the thank-you page places the recommend widget with a **referrer token**
the shop makes with its site secret (``referrer_token``). The buyer is named only by the
pseudonymous ``customer_ref`` the shop already sends with its orders, so the buyer's link and
the rewards it earns are theirs, and the widget server never learns a name or an address.

A friend who lands through the link is shown the owner's coupon by the loader's offer notice
(the site's ``referral_offer`` setting); the demo's checkout takes the code (``coupon_code``)
and keeps it with the order. A shop that applies the coupon by itself would ask
``POST /v1/sites/{key}/offers`` (signed) for the code it captured from the landing URL.
"""

from __future__ import annotations

import re

from ..core.signing import make_token
from ..referrals.token import REFERRER_TOKEN
from ..web.client import customer_ref

#: A thank-you page may stay open for days; the server accepts at most 30.
TOKEN_DAYS = 30
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def referrer_token(site_secret: str, email: str, order_id: str, now: float) -> str:
    """The token of the recommend widget on the buyer's thank-you page."""
    claims = {"customer_ref": customer_ref(site_secret, email), "order_id": order_id}
    return make_token(site_secret, REFERRER_TOKEN, claims, int(now) + TOKEN_DAYS * 86400)


def coupon_code(value: str) -> str | None:
    """A coupon code typed at checkout, if it looks like one (the shop checks it itself)."""
    value = value.strip()
    return value if CODE.fullmatch(value) else None
