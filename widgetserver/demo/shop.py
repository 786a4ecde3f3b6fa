"""The demo shop: the reference integration for a hand-made shop without a plugin.

A shop integrates in four places, each marked "Integration point" in the code:

1. Every page embeds the loader (``templates/base.html``) and places widget containers.
2. A landing URL's reference code (``?swk=CODE``) is kept in the shop's own session, as a
   plugin does in storage mode ``none``, and travels with the order.
3. The order and every later change of its status are reported server-to-server, signed.
4. Reporting never blocks checkout: what does not arrive waits in an outbox and is retried
   (``outbox.py``: the pattern a plugin copies).

Recommend-a-friend adds two more: the buyer's referrer token for the recommend widget
(``friends.py``), and rewards handed out from the back office (``backoffice.py``).

What the shop sells and what its back office does to orders is in ``catalogue.py``. Everything
lives in memory; restarting the shop forgets its orders (the widget server does not).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..web.client import SignedClient, customer_ref
from . import backoffice, friends
from .catalogue import ACTIONS, PRODUCTS, Order, Product, apply_action
from .outbox import Outbox

CURRENCY = "EUR"
REF_PARAM = "swk"  # the site's ``ref_param`` setting (default)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[A-Za-z]{2,63}$")
DELIVERY_TIMEOUT = 2.0


def conversion_report(order: Order, site_secret: str) -> dict[str, Any]:
    """Integration point 3: the body of ``POST /v1/conversions`` for the order as it is now."""
    return {
        "order_id": order.id,
        "amount": str(order.total),  # a decimal string, never a float
        "currency": CURRENCY,
        "status": order.status,
        # Partial refunds: the order stays paid; the total refunded so far only grows.
        "refunded_amount": str(order.refunded),
        "ref": order.ref,  # the code the buyer arrived with, or None
        "items": [
            {"sku": p.sku, "name": p.name, "quantity": q, "amount": str(p.price * q)}
            for p, q in order.lines
        ],
        # Lets the widget server spot a referrer buying through their own link, pseudonymously.
        "customer_ref": customer_ref(site_secret, order.email),
        # Whether the buyer had ordered before, as far as the shop knows (None: it cannot say).
        "new_customer": order.new_customer,
        "occurred_at": order.placed_at.isoformat().replace("+00:00", "Z"),
    }


@dataclass
class Shop:
    """The shop's state: its link to the widget server, and its orders."""

    widget_url: str
    site_key: str
    site_secret: str
    outbox: Outbox
    now: Callable[[], float]
    orders: dict[str, Order] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


bp = Blueprint("shop", __name__)


def _shop() -> Shop:
    return current_app.extensions["shop"]


@bp.before_app_request
def keep_reference_code() -> None:
    """Integration point 2: a landing URL's code is kept in the shop's session for the order."""
    code = request.args.get(REF_PARAM, "").strip()
    # Only "a short string": the widget server decides whether it is a real, current code.
    if code and len(code) <= 128 and code.isprintable():
        session["ref"] = code  # the latest link wins: last-click attribution


@bp.app_context_processor
def page_globals() -> dict[str, Any]:
    shop = _shop()
    cart = session.get("cart", {})
    return {
        "widget_url": shop.widget_url,
        "site_key": shop.site_key,
        "cart_count": sum(cart.values()),
        "currency": CURRENCY,
    }


@bp.get("/")
def index() -> str:
    return render_template("index.html", products=PRODUCTS.values())


#: The gallery: every layout, theme and colour scheme of the share buttons, side by side.
GALLERY_LAYOUTS = ("icons", "labels", "compact")
GALLERY_THEMES = ("light", "dark", "auto")
GALLERY_COLOURS = ("brand", "mono")
GALLERY_NETWORKS = {
    "icons": "whatsapp facebook x linkedin xing pinterest telegram reddit threads bluesky "
    "mastodon email copy native",
    # Labels that do not fit become icons: a row of labels that fits the page.
    "labels": "whatsapp facebook x email copy",
    "compact": "whatsapp facebook x linkedin xing pinterest telegram reddit threads bluesky "
    "mastodon email copy native",
}


@bp.get("/widgets")
def gallery() -> str:
    return render_template(
        "widgets.html",
        layouts=GALLERY_LAYOUTS,
        themes=GALLERY_THEMES,
        colours=GALLERY_COLOURS,
        networks=GALLERY_NETWORKS,
    )


@bp.get("/products/<slug>")
def product(slug: str) -> str:
    item = PRODUCTS.get(slug) or abort(404)
    return render_template("product.html", product=item)


def _cart_lines() -> list[tuple[Product, int]]:
    cart: dict[str, int] = session.get("cart", {})
    return [(PRODUCTS[slug], qty) for slug, qty in cart.items() if slug in PRODUCTS]


@bp.get("/cart")
def cart() -> str:
    lines = _cart_lines()
    total = sum((p.price * q for p, q in lines), Decimal("0.00"))
    return render_template("cart.html", lines=lines, total=total)


@bp.post("/cart")
def add_to_cart() -> Response:
    slug = request.form.get("product", "")
    if slug not in PRODUCTS:
        abort(400)
    cart = dict(session.get("cart", {}))
    cart[slug] = min(cart.get(slug, 0) + 1, 99)
    session["cart"] = cart
    return redirect(url_for("shop.cart"))


@bp.route("/checkout", methods=["GET", "POST"])
def checkout() -> Response | str | tuple[str, int]:
    lines = _cart_lines()
    if not lines:
        return redirect(url_for("shop.cart"))
    total = sum((p.price * q for p, q in lines), Decimal("0.00"))
    if request.method == "GET":
        return render_template("checkout.html", lines=lines, total=total, form={})
    name = request.form.get("name", "").strip()
    email = request.form.get("email", "").strip()
    if not name or len(name) > 100 or not EMAIL.fullmatch(email):
        error = "Please give your name and a valid e-mail address."
        form = {"name": name, "email": email, "coupon": request.form.get("coupon", "")}
        return render_template(
            "checkout.html", lines=lines, total=total, form=form, error=error
        ), 400

    shop = _shop()
    placed_at = datetime.fromtimestamp(shop.now(), UTC).replace(microsecond=0)
    with shop.lock:
        known = any(o.email.lower() == email.lower() for o in shop.orders.values())
    order = Order(
        id=f"{placed_at:%Y%m%d}-{secrets.token_hex(3).upper()}",
        name=name,
        email=email,
        lines=lines,
        ref=session.get("ref"),
        placed_at=placed_at,
        new_customer=not known,
        coupon=friends.coupon_code(request.form.get("coupon", "")),
    )
    with shop.lock:
        shop.orders[order.id] = order
    shop.outbox.send(order.id, conversion_report(order, shop.site_secret))
    session["cart"] = {}
    session["orders"] = [*session.get("orders", []), order.id][-10:]
    return redirect(url_for("shop.thanks", order_id=order.id))


@bp.get("/thanks/<order_id>")
def thanks(order_id: str) -> str:
    order = _shop().orders.get(order_id)
    if order is None or order_id not in session.get("orders", []):
        abort(404)
    shop = _shop()
    token = friends.referrer_token(shop.site_secret, order.email, order.id, shop.now())
    return render_template("thanks.html", order=order, referrer_token=token)


@bp.get("/orders")
def orders() -> str:
    """The back office: orders, their status, and reports still waiting in the outbox."""
    shop = _shop()
    with shop.lock:
        listed = sorted(shop.orders.values(), key=lambda o: o.placed_at, reverse=True)
    pending = shop.outbox.pending()
    return render_template(
        "orders.html",
        orders=listed,
        actions=ACTIONS,
        pending=pending,
        waiting={r.order_id for r in pending},
        refused=list(shop.outbox.refused),
    )


@bp.post("/orders/<order_id>/<action>")
def change_order(order_id: str, action: str) -> Response:
    shop = _shop()
    if action not in ACTIONS:
        abort(404)
    with shop.lock:
        order = shop.orders.get(order_id) or abort(404)
        if order.status not in ACTIONS[action][1]:
            flash(f"Order {order_id} is {order.status}; that does not apply.")
            return redirect(url_for("shop.orders"))
        apply_action(order, action)
        body = conversion_report(order, shop.site_secret)
    report = shop.outbox.send(order_id, body)  # Integration point 3: every later status, too
    flash(
        {
            "delivered": f"Order {order_id} is {order.status}; the widget server knows.",
            "waiting": f"Order {order_id} is {order.status}; the report waits in the outbox.",
            "refused": f"Order {order_id} is {order.status}; the widget server refused the "
            f"report ({report.error}).",
        }[report.state]
    )
    return redirect(url_for("shop.orders"))


def create_shop(
    widget_url: str,
    site_key: str,
    site_secret: str,
    *,
    outbox_interval: float = 10.0,
    now: Callable[[], float] = time.time,
) -> Flask:
    """The demo shop for one site of the widget server at ``widget_url``.

    ``now`` is the shop's clock (order times and request signatures); tests pass their own.
    The outbox's retry thread runs until ``app.extensions["outbox"].stop()``.
    """
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(32)
    widget_url = widget_url.rstrip("/")
    client = SignedClient(widget_url, site_key, site_secret, DELIVERY_TIMEOUT, now=now)
    outbox = Outbox(client, outbox_interval)
    app.extensions["shop"] = Shop(widget_url, site_key, site_secret, outbox, now)
    app.extensions["outbox"] = outbox
    app.register_blueprint(bp)
    app.register_blueprint(backoffice.bp)
    outbox.start()
    return app
