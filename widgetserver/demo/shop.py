"""The demo shop: the reference integration for a hand-made shop without a plugin.

A shop integrates in four places, each marked "Integration point" below:

1. Every page embeds the loader (``templates/base.html``) and places widget containers.
2. A landing URL's reference code (``?swk=CODE``) is kept in the shop's own session, as a
   plugin does in storage mode ``none``, and travels with the order.
3. The order and every later change of its status are reported server-to-server, signed.
4. Reporting never blocks checkout: what does not arrive waits in an outbox and is retried.

Everything lives in memory; restarting the shop forgets its orders (the widget server does not).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import deque
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

from ..web.client import DeliveryError, SignedClient, customer_ref, encode

log = logging.getLogger("widgetserver.demo")

CURRENCY = "EUR"
REF_PARAM = "swk"  # the site's ``ref_param`` setting (default)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[A-Za-z]{2,63}$")
DELIVERY_TIMEOUT = 2.0
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


def _apply(order: Order, action: str) -> None:
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
        "occurred_at": order.placed_at.isoformat().replace("+00:00", "Z"),
    }


@dataclass
class Report:
    order_id: str
    body: bytes
    queued_at: float
    attempts: int = 0
    state: str = "waiting"  # then "delivered" or "refused"
    error: str = ""


class Outbox:
    """Integration point 4: reports that did not arrive, retried in order per order id.

    A report is tried at once with a short timeout. If the widget server cannot be reached (or
    fails), the report waits here and a background thread retries it every ``interval``
    seconds; later reports of the same order queue behind it so the server sees the statuses in
    the order they happened. The body stays the same; it is signed anew at every attempt. A 4xx
    answer is final: retrying would get the same answer (409: the server already knows a later
    state of the order).
    """

    PATH = "/v1/conversions"

    def __init__(self, client: SignedClient, interval: float) -> None:
        self.client = client
        self.interval = interval
        self._queues: dict[str, deque[Report]] = {}
        self._sending: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refused: deque[Report] = deque(maxlen=20)

    def send(self, order_id: str, body: dict[str, Any]) -> Report:
        report = Report(order_id, encode(body), time.time())
        with self._lock:
            self._queues.setdefault(order_id, deque()).append(report)
        self._drain(order_id)
        return report

    def flush(self) -> None:
        """Retry every waiting report now."""
        with self._lock:
            waiting = list(self._queues)
        for order_id in waiting:
            self._drain(order_id)

    def pending(self) -> list[Report]:
        with self._lock:
            return [r for queue in self._queues.values() for r in queue]

    def _drain(self, order_id: str) -> None:
        with self._lock:
            sending = self._sending.setdefault(order_id, threading.Lock())
        with sending:  # one sender per order, so reports of an order never overtake each other
            while True:
                with self._lock:
                    queue = self._queues.get(order_id)
                    if not queue:
                        self._queues.pop(order_id, None)
                        return
                    report = queue[0]
                report.attempts += 1
                try:
                    status, answer = self.client.post(self.PATH, report.body)
                except DeliveryError as exc:
                    if not report.error:
                        log.warning("order %s: report kept in the outbox (%s)", order_id, exc)
                    report.error = str(exc)
                    return
                if status >= 400:
                    report.state, report.error = "refused", _describe(status, answer)
                    self.refused.append(report)
                    # 409: the widget server already knows a later state of the order.
                    level = logging.INFO if status == 409 else logging.WARNING
                    log.log(
                        level, "order %s: report refused, not retried: %s", order_id, report.error
                    )
                else:
                    report.state, report.error = "delivered", ""
                with self._lock:
                    queue.popleft()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="shop-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # keep retrying whatever happened to one attempt
                log.exception("outbox retry failed")


def _describe(status: int, answer: Any) -> str:
    if isinstance(answer, dict) and "error" in answer:
        return f"{status} {answer['error']}: {answer.get('message', '')}"
    return str(status)


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
        form = {"name": name, "email": email}
        return render_template(
            "checkout.html", lines=lines, total=total, form=form, error=error
        ), 400

    shop = _shop()
    placed_at = datetime.fromtimestamp(shop.now(), UTC).replace(microsecond=0)
    order = Order(
        id=f"{placed_at:%Y%m%d}-{secrets.token_hex(3).upper()}",
        name=name,
        email=email,
        lines=lines,
        ref=session.get("ref"),
        placed_at=placed_at,
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
    return render_template("thanks.html", order=order)


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
        _apply(order, action)
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
    outbox.start()
    return app
