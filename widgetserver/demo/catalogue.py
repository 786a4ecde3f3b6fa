"""What the demo shop sells and the orders it takes: products, orders, back-office actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

PARTIAL_REFUND = Decimal("10.00")


@dataclass(frozen=True)
class Product:
    slug: str
    sku: str
    name: str
    price: Decimal
    description: str


PRODUCTS: dict[str, Product] = {
    p.slug: p
    for p in (
        Product(
            "mug",
            "SWK-MUG",
            "Stoneware mug",
            Decimal("24.90"),
            "Hand-thrown in a small workshop, glazed in sea green, holds 350 ml.",
        ),
        Product(
            "tote",
            "SWK-TOTE",
            "Organic cotton tote bag",
            Decimal("14.50"),
            "Heavy canvas with long handles; carries a week's groceries for years.",
        ),
        Product(
            "tea",
            "SWK-TEA",
            "Loose-leaf tea sampler",
            Decimal("19.00"),
            "Six teas from family gardens, 50 g each, with brewing notes.",
        ),
    )
}


@dataclass
class Order:
    id: str
    name: str
    email: str
    lines: list[tuple[Product, int]]
    ref: str | None
    placed_at: datetime
    status: str = "placed"
    refunded: Decimal = Decimal("0.00")
    #: Whether the buyer had not ordered before, as far as the shop remembers.
    new_customer: bool | None = None
    #: The friend's coupon applied at checkout (the demo shows it; it takes nothing off).
    coupon: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((p.price * q for p, q in self.lines), Decimal("0.00"))


#: Back-office actions: which statuses they apply to, and what they do to the order.
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "paid": ("Mark paid", ("placed",)),
    "refund-partial": (f"Refund {PARTIAL_REFUND}", ("paid",)),
    "refund-all": ("Refund all", ("paid",)),
    "cancel": ("Cancel", ("placed",)),
}


def apply_action(order: Order, action: str) -> None:
    """Do a back-office action (a key of ``ACTIONS``) to the order."""
    if action == "paid":
        order.status = "paid"
    elif action == "refund-partial":
        order.refunded = min(order.refunded + PARTIAL_REFUND, order.total)
    elif action == "refund-all":
        order.refunded = order.total
    elif action == "cancel":
        order.status = "cancelled"
    if order.refunded == order.total and order.total > 0:
        order.status = "refunded"
