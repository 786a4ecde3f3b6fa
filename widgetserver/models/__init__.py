"""The data model: owners, their sites, reference codes, events and conversions.

One module per context (``sites``, ``tracking``, ``orders``, ``rewards``, ``stats``,
``limits``), all on the one declarative ``Base`` of ``base``, so Alembic sees a single
metadata. Every model is importable from here: ``from widgetserver.models import Site``.

Money is stored in integer minor units beside its ISO 4217 currency. Times are UTC. No column
holds an IP address: visitors appear only as a keyed, daily rotating 64-bit hash.
"""

from __future__ import annotations

from .base import Base, BigId
from .limits import RateCounter
from .orders import Conversion
from .rewards import Coupon, FriendOffer, Reward
from .sites import LoginFailure, Owner, Site
from .stats import EventRetention, StatsDay, StatsSlice
from .tracking import Event, IngestDrop, RefCode, ReferralClaim, Salt, VisitorLink

__all__ = [
    "Base",
    "BigId",
    "Conversion",
    "Coupon",
    "Event",
    "EventRetention",
    "FriendOffer",
    "IngestDrop",
    "LoginFailure",
    "Owner",
    "RateCounter",
    "RefCode",
    "ReferralClaim",
    "Reward",
    "Salt",
    "Site",
    "StatsDay",
    "StatsSlice",
    "VisitorLink",
]
