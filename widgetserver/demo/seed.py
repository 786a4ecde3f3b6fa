"""The demo's owner, site and a month of plausible history, created once and never twice.

The history is made with a fixed random seed, so every demo shows the same shapes: shares of
the demo products over several channels, visits through them that trail off over the days
after a share, and a dozen orders in every status, some attributed to a link and some not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import sites
from ..core import signing
from ..models import Conversion, Event, RefCode, Site
from ..orders import money
from ..web.client import customer_ref
from . import seedfriends
from .catalogue import PRODUCTS

OWNER_EMAIL = "demo@example.com"
OWNER_PASSWORD = "demo-password"  # noqa: S105 - printed on purpose: it is a demo
SITE_NAME = "Demo Shop"
#: A code with recent visits, for trying attribution by hand (``?swk=demo-share-1``).
KNOWN_CODE = "demo-share-1"
KNOWN_PRODUCT = "mug"
DAYS = 30

#: How often each channel is used to share, and how many visits a share brings on average.
CHANNELS = {
    "whatsapp": (8, 4.0),
    "facebook": (4, 3.0),
    "email": (3, 1.5),
    "copy": (3, 2.5),
    "x": (2, 2.0),
    "linkedin": (1, 1.5),
    "native": (2, 2.0),
}
USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36",
)
#: (status, currency, attributed, lines as (product slug, quantity), verified)
ORDERS = (
    ("paid", "EUR", True, (("mug", 2),), True),
    ("paid", "EUR", True, (("tea", 1), ("tote", 1)), True),
    ("paid", "EUR", False, (("tote", 3),), True),
    ("placed", "EUR", True, (("tea", 2),), True),
    ("placed", "EUR", False, (("mug", 1),), False),
    ("paid", "EUR", True, (("mug", 1), ("tea", 1)), True),
    ("partial", "EUR", True, (("tote", 2), ("mug", 1)), True),
    ("refunded", "EUR", True, (("tea", 1),), True),
    ("cancelled", "EUR", False, (("mug", 4),), True),
    ("paid", "CHF", True, (("mug", 1), ("tote", 1)), True),
    ("paid", "EUR", False, (("tea", 3),), True),
    ("placed", "EUR", True, (("tote", 1),), True),
)
#: Rough prices of the demo products in Swiss francs.
CHF_PRICES = {"mug": Decimal("26.50"), "tote": Decimal("15.50"), "tea": Decimal("20.00")}


@dataclass
class Setup:
    site: Site
    owner_created: bool
    site_created: bool
    seeded: bool


def set_up(
    session: Session,
    shop_origins: list[str],
    shop_url: str,
    now: datetime,
    claim_key: str | None = None,
) -> Setup:
    """The demo owner and site (created if missing, origins added) and, once, the history.

    ``claim_key`` (the server's ``SECRET_KEY``) opens claim pages for the anonymous links.
    """
    owner = sites.find_owner(session, OWNER_EMAIL)
    owner_created = owner is None
    if owner is None:
        owner = sites.create_owner(
            session, OWNER_EMAIL, password=OWNER_PASSWORD, is_admin=False, now=now
        )
    site = session.scalar(
        select(Site).where(Site.owner_id == owner.id, Site.name == SITE_NAME).order_by(Site.id)
    )
    site_created = site is None
    if site is None:
        site = sites.create_site(session, owner, SITE_NAME, shop_origins, now=now)
    else:
        wanted = [sites.normalise_origin(o) for o in shop_origins]
        missing = [o for o in wanted if o not in site.origins]
        if missing:
            site.origins = [*site.origins, *missing]  # a new list, so the change is saved
            site.updated_at = now
    has_events = session.scalar(select(func.count(Event.id)).where(Event.site_id == site.id))
    seeded = not has_events
    if seeded:
        seedfriends.set_up(site)
        history = History(session, site, shop_url, now)
        history.create()
        seedfriends.FriendsHistory(history, claim_key).create()
    session.flush()
    return Setup(site, owner_created, site_created, seeded)


class History:
    def __init__(self, session: Session, site: Site, shop_url: str, now: datetime) -> None:
        self.session = session
        self.site = site
        self.shop_url = shop_url.rstrip("/")
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.rng = random.Random(42)  # noqa: S311 - made-up data, the same every time
        self.salts: dict[date, bytes] = {}
        # Visitors as (IP, user agent) from the documentation address ranges.
        self.people = [
            (f"{self.rng.choice(('198.51.100', '203.0.113'))}.{n}", self.rng.choice(USER_AGENTS))
            for n in range(1, 160)
        ]
        self.visits: list[tuple[RefCode, datetime]] = []

    def visitor(self, person: tuple[str, str], at: datetime) -> int:
        # Like the server: one salt per UTC day, so a visitor is only the same visitor that day.
        day = at.date()
        if day not in self.salts:
            self.salts[day] = self.rng.randbytes(32)
        salt = self.salts[day]
        return signing.visitor_hash(salt, self.site.id, *person)

    def create(self) -> None:
        start = self.now - timedelta(days=DAYS)
        for day in range(DAYS):
            for _ in range(self.rng.choice((0, 1, 1, 2, 2, 3))):
                moment = start + timedelta(days=day, seconds=self.rng.randrange(86400))
                channel = self.rng.choices(list(CHANNELS), [w for w, _ in CHANNELS.values()])[0]
                slug = self.rng.choice(list(PRODUCTS))
                self.share(self._code(), channel, slug, moment)
        known = self.share(KNOWN_CODE, "whatsapp", KNOWN_PRODUCT, self.now - timedelta(days=6))
        # Its latest visit is recent, so an order through it today is attributed.
        self._visit(known, self.now - timedelta(hours=3), self.rng.choice(self.people))
        self.session.flush()
        self.orders()

    def _code(self) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
        return "".join(self.rng.choice(alphabet) for _ in range(10))

    def share(self, code: str, channel: str, slug: str, at: datetime) -> RefCode:
        product = PRODUCTS[slug]
        url = f"{self.shop_url}/products/{slug}"
        sharer = self.rng.choice(self.people)
        sharer_hash = self.visitor(sharer, at)
        ref = RefCode(
            site_id=self.site.id,
            code=code,
            kind="share",
            channel=channel,
            url=url,
            product=product.sku,
            visitor_hash=sharer_hash,
            created_at=at,
        )
        self.session.add(ref)
        self.session.flush()
        self.session.add(
            Event(
                site_id=self.site.id,
                type="share",
                occurred_at=at,
                code_id=ref.id,
                channel=channel,
                url=url,
                product=product.sku,
                visitor_hash=sharer_hash,
            )
        )
        # Most visits come within hours of the share, a few days later, then it is forgotten.
        average = CHANNELS[channel][1]
        for _ in range(self.rng.randint(0, round(2 * average))):
            moment = at + timedelta(hours=self.rng.expovariate(1 / 10))
            if moment < self.now:
                person = sharer if self.rng.random() < 0.05 else self.rng.choice(self.people)
                self._visit(ref, moment, person)
        return ref

    def _visit(self, ref: RefCode, at: datetime, person: tuple[str, str]) -> None:
        at = at.replace(microsecond=0)
        visitor = self.visitor(person, at)
        self.session.add(
            Event(
                site_id=self.site.id,
                type="visit",
                occurred_at=at,
                code_id=ref.id,
                channel=ref.channel,
                url=ref.url,
                product=ref.product,
                visitor_hash=visitor,
                is_self=visitor == ref.visitor_hash,  # the sharer following their own link
                from_share=ref.kind == "share",
            )
        )
        self.visits.append((ref, at))

    def orders(self) -> None:
        visits = sorted(
            ((ref, at) for ref, at in self.visits if at < self.now - timedelta(hours=4)),
            key=lambda v: v[1],
        )
        for n, (status, currency, attributed, lines, verified) in enumerate(ORDERS, 1001):
            if attributed:
                ref, visited = self.rng.choice(visits)
                placed = visited + timedelta(minutes=self.rng.randint(4, 240))
            else:
                ref = None
                placed = self.now - timedelta(days=self.rng.uniform(0.3, DAYS - 1))
            placed = min(placed, self.now - timedelta(hours=1)).replace(microsecond=0)
            self.session.add(self._order(n, status, currency, lines, verified, ref, placed))

    def _order(
        self,
        number: int,
        status: str,
        currency: str,
        lines: tuple[tuple[str, int], ...],
        verified: bool,
        ref: RefCode | None,
        placed: datetime,
    ) -> Conversion:
        items = []
        total = Decimal(0)
        for slug, quantity in lines:
            product = PRODUCTS[slug]
            price = CHF_PRICES[slug] if currency == "CHF" else product.price
            total += price * quantity
            line = str(price * quantity)
            items.append(
                {"sku": product.sku, "name": product.name, "quantity": quantity, "amount": line}
            )
        amount = money.to_minor(str(total), currency)
        refunded = {"partial": money.to_minor("10.00", currency), "refunded": amount}.get(status, 0)
        changed = min(placed + timedelta(hours=self.rng.randint(1, 72)), self.now)
        email = f"customer{number}@example.org"
        return Conversion(
            site_id=self.site.id,
            order_id=f"DEMO-{number}",
            verified=verified,
            status="paid" if status == "partial" else status,
            currency=currency,
            amount_minor=amount,
            refunded_minor=refunded,
            code_id=ref.id if ref else None,
            attribution="attributed" if ref else "no_ref",
            self_referral=False,
            customer_ref=customer_ref(self.site.secret, email) if verified else None,
            items=items,
            occurred_at=placed,
            status_at=placed if status == "placed" else changed,
            created_at=placed,
            updated_at=placed if status == "placed" else changed,
        )
