"""The demo's recommend-a-friend history: links, invites, friends' visits and orders, rewards.

The site's referral settings (the owner's texts in German and English, a friend's offer shown
as a notice with a pool of friends' coupons, a pool of referrers' coupons, a minimum order for
a reward) are set first. Then customers' personal links and anonymous links are made, passed
on by channel, followed by friends, who get the owner's coupon (``rewards.offers``) and order.
Every order and every later status is recorded as the API records a report - ``orders.record``
and ``rewards.sync`` in the same transaction, each at its own moment - and some due rewards are
handed out (``rewards.hand_out``), so each reward's state is the lifecycle's honest result:
pending, earned, due, handed out (one refunded after), and void for each common reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import orders, rewards
from ..models import Conversion, Event, RefCode, ReferralClaim, Reward
from ..referrals import claims
from ..sites.settings import validate
from ..web.client import customer_ref
from .catalogue import PRODUCTS

if TYPE_CHECKING:
    from .seed import History

SETTINGS: dict[str, Any] = {
    "referral_texts": {
        "de": {
            "headline": "Empfehlen Sie uns weiter",
            "friend": "Ihre Freundin oder Ihr Freund erhält 10 % auf die erste Bestellung.",
            "referrer": "Sie erhalten einen 5-€-Gutschein, sobald die Bestellung bleibt.",
        },
        "en": {
            "headline": "Recommend us to a friend",
            "friend": "Your friend gets 10 % off their first order.",
            "referrer": "You get a 5 € coupon once their order is kept.",
        },
    },
    "referral_offer": "notice",
    "friend_coupon": "pool",
    "friend_coupon_daily_cap": 20,
    "reward_coupon": "pool",
    "reward_hold_days": 14,
    "reward_min_amount": "15",
}
FRIEND_COUPONS = 60
#: The pools were filled the day before the first link.
POOLS_FILLED = 29
REWARD_COUPONS = 40
#: The referrers: three customers with personal links, and two anonymous links.
LINKS: tuple[tuple[str, str | None, int, tuple[str, ...]], ...] = (
    # (name, customer's e-mail or None for anonymous, days ago, invite channels)
    ("ada", "customer2001@example.org", 28, ("whatsapp", "email", "copy")),
    ("ben", "customer2002@example.org", 26, ("email", "native")),
    ("cleo", "customer2003@example.org", 12, ("whatsapp",)),
    ("anon", None, 27, ("copy", "whatsapp")),
    ("anon2", None, 5, ("email",)),
)


@dataclass(frozen=True)
class FriendOrder:
    link: str
    #: The statuses the shop reports, each with its days before now.
    steps: tuple[tuple[str, float], ...]
    product: str = "mug"
    quantity: int = 1
    verified: bool = True
    #: The buyer is the referrer themselves.
    self_referral: bool = False
    #: Days before now the reward is handed out.
    handed_out: float | None = None


FRIEND_ORDERS: tuple[FriendOrder, ...] = (
    FriendOrder("ada", (("placed", 27), ("paid", 26))),  # due
    FriendOrder("ben", (("placed", 24), ("paid", 23.9)), "tea", 2),  # due
    FriendOrder("anon", (("placed", 22), ("paid", 21.8))),  # due (the claim page's)
    FriendOrder("ada", (("placed", 25), ("paid", 25)), handed_out=10),
    FriendOrder("ben", (("placed", 23), ("paid", 22.5), ("partial", 5)), "tote", 2, handed_out=8),
    FriendOrder("cleo", (("placed", 8), ("paid", 7)), "tea"),  # earned
    FriendOrder("anon2", (("placed", 1),)),  # pending
    FriendOrder("ada", (("placed", 20), ("paid", 20), ("refunded", 15))),
    FriendOrder("cleo", (("placed", 9), ("cancelled", 8.8)), "tea"),
    FriendOrder("ben", (("placed", 12), ("paid", 11.5)), self_referral=True),
    FriendOrder("ada", (("placed", 3),), verified=False),
    FriendOrder("anon", (("placed", 18), ("paid", 17.9)), "tote"),  # below the minimum
)


def set_up(site: Any) -> None:
    """The demo site's referral settings (checked as the settings page checks them)."""
    site.settings = {**(site.settings or {}), **validate(SETTINGS)}


def claim_secret(site_secret: str, name: str) -> str:
    """An anonymous link's claim secret: the same for a demo site, unguessable without it."""
    mac = hmac.new(site_secret.encode(), f"demo-claim:{name}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:24]).decode()


class FriendsHistory:
    def __init__(self, history: History, claim_key: str | None) -> None:
        self.h = history
        self.session = history.session
        self.site = history.site
        self.claim_key = claim_key
        self.links: dict[str, RefCode] = {}

    def at(self, days: float) -> datetime:
        return (self.h.now - timedelta(days=days)).replace(microsecond=0)

    def create(self) -> None:
        now = self.h.now
        coupons = rewards.coupons
        friends = "\n".join(f"FRIEND-{n:04d}" for n in range(1, FRIEND_COUPONS + 1))
        thanks = "\n".join(f"THANKS-{n:04d}" for n in range(1, REWARD_COUPONS + 1))
        coupons.add(self.session, self.site.id, "friend", friends, self.at(POOLS_FILLED))
        coupons.add(self.session, self.site.id, "reward", thanks, self.at(POOLS_FILLED))
        for name, email, days, channels in LINKS:
            self.links[name] = self._link(name, email, self.at(days), channels)
        moments = sorted(
            ((days, n, step) for n, o in enumerate(FRIEND_ORDERS) for step, days in o.steps),
            key=lambda m: (-m[0], m[1]),
        )
        handouts = sorted(
            ((o.handed_out, n) for n, o in enumerate(FRIEND_ORDERS) if o.handed_out is not None),
            reverse=True,
        )
        for days, number, step in moments:
            while handouts and handouts[0][0] > days:
                self._hand_out(*handouts.pop(0))
            self._report(number, step, self.at(days))
        for days, number in handouts:
            self._hand_out(days, number)
        rewards.promote(self.session, self.site.id, now)

    def _link(
        self, name: str, email: str | None, at: datetime, channels: tuple[str, ...]
    ) -> RefCode:
        person = self.h.rng.choice(self.h.people[:100])  # friends are the others
        ref = RefCode(
            site_id=self.site.id,
            code=f"demo-{name}-{self.h._code()[:6]}",
            kind="referral",
            url=f"{self.h.shop_url}/",
            referrer=customer_ref(self.site.secret, email) if email else None,
            visitor_hash=self.h.visitor(person, at),
            created_at=at,
        )
        self.session.add(ref)
        self.session.flush()
        if email is None and self.claim_key:
            secret = claim_secret(self.site.secret, name)
            digest = claims.digest(self.claim_key, secret)
            self.session.add(ReferralClaim(digest=digest, code_id=ref.id))
        for n, channel in enumerate(channels):
            moment = at + timedelta(minutes=3 + 7 * n)
            self.session.add(
                Event(
                    site_id=self.site.id,
                    type="invite",
                    occurred_at=moment,
                    code_id=ref.id,
                    channel=channel,
                    visitor_hash=self.h.visitor(person, moment),
                )
            )
        return ref

    def _visit(self, link: RefCode, at: datetime, person: tuple[str, str]) -> int:
        """A friend's visit through a link, and the owner's coupon the friend is offered."""
        self.h._visit(link, at, person)
        visitor = self.h.visitor(person, at)
        rewards.offers.friend_coupon(self.session, self.site, link.code, visitor, at)
        return visitor

    def _report(self, number: int, step: str, at: datetime) -> None:
        order = FRIEND_ORDERS[number]
        link = self.links[order.link]
        order_id = _order_id(number)
        product = PRODUCTS[order.product]
        amount = product.price * order.quantity
        if step == "placed":
            friend = self.h.people[100 + number]
            self._visit(link, at - timedelta(minutes=20 + number), friend)
        email = f"friend{2001 + number}@example.org"
        buyer = customer_ref(self.site.secret, email)
        data = {
            "order_id": order_id,
            "amount": str(amount),
            "currency": "EUR",
            "status": "paid" if step == "partial" else step,
            "refunded_amount": {"partial": "5.00", "refunded": str(amount)}.get(step, "0"),
            "ref": link.code,
            "items": [{"sku": product.sku, "quantity": order.quantity, "amount": str(amount)}],
            "customer_ref": link.referrer if order.self_referral else buyer,
            "new_customer": True,
            "occurred_at": at.isoformat().replace("+00:00", "Z"),
        }
        if not order.verified:
            data = {k: data[k] for k in ("order_id", "amount", "currency", "status", "ref")}
        report = orders.parse_report(data, verified=order.verified, now=at, tolerance=300)
        outcome = orders.record(self.session, self.site, report, at)
        rewards.sync(self.session, self.site, outcome.conversion, at)

    def _hand_out(self, days: float, number: int) -> None:
        at = self.at(days)
        reward_id = self._reward_id(number)
        rewards.hand_out(self.session, self.site, reward_id, at)

    def _reward_id(self, number: int) -> int:
        reward_id = self.session.scalar(
            select(Reward.id)
            .join(Conversion, Conversion.id == Reward.conversion_id)
            .where(Conversion.site_id == self.site.id, Conversion.order_id == _order_id(number))
        )
        assert reward_id is not None
        return reward_id


def _order_id(number: int) -> str:
    return f"DEMO-{2001 + number}"
