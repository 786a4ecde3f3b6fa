"""Rewards for referrers and coupons for friends: earned honestly, handed out once.

Domain code without HTTP, like ``orders`` and ``referrals``:

- ``lifecycle`` keeps one reward per order attributed to a referral link in step with the
  order (``sync``, called in the transaction that records each report) and makes rewards due
  once their hold period has passed (``promote``);
- ``coupons`` reads an owner's upload of single-use codes into a pool and takes a code from
  a pool exactly once, also when hand-outs race;
- ``handout`` assigns a due reward its coupon, idempotently;
- ``offers`` gives a friend who came through a referral link the owner's coupon: one per
  link, visitor and day, within a daily cap per link.

The HTTP surfaces are ``api/rewards.py``, ``api/offers.py``, the conversion endpoints (which
call ``sync``), the claim page and the owners' pages.
"""

from . import coupons, handout, lifecycle, offers
from .handout import hand_out
from .lifecycle import STATUSES, VOID_REASONS, promote, sync

__all__ = [
    "STATUSES",
    "VOID_REASONS",
    "coupons",
    "hand_out",
    "handout",
    "lifecycle",
    "offers",
    "promote",
    "sync",
]
