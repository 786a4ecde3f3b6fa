"""Recommend-a-friend: personal referral links, who the referrer is, and claim links.

Domain code without HTTP, like ``orders``: ``token`` reads the shop's referrer token claims
(purpose ``referrer``); ``links`` says what a link is and where it leads; ``store`` writes a
customer's one personal link (race-safe, kept unique by the database) or a fresh anonymous
link on a short writer's cursor (``core.shortwrite``); ``claims`` keeps the private claim links of
anonymous links as keyed digests and reads a link's results. The HTTP surface is
``api/referrals.py`` (``POST /v1/referrals``, ``POST /v1/sites/{key}/referrals``) and
``api/claimpage.py`` (``GET /r/<claim>``).
"""

from . import claims, store
from .links import Link, new_code, target_page, tracked
from .store import Statements, anonymous_link, draft_anonymous, personal_link
from .token import (
    INVALID_REFERRER,
    REFERRER_TOKEN,
    REFERRER_TOKEN_MAX_AGE,
    Referrer,
    customer_ref,
    referrer_of,
)

__all__ = [
    "INVALID_REFERRER",
    "REFERRER_TOKEN",
    "REFERRER_TOKEN_MAX_AGE",
    "Link",
    "Referrer",
    "Statements",
    "anonymous_link",
    "claims",
    "customer_ref",
    "draft_anonymous",
    "new_code",
    "personal_link",
    "referrer_of",
    "store",
    "target_page",
    "tracked",
]
