"""``widgetserver demo`` end to end: a real server process, the demo shop and real Chromium."""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, joinedload

from widgetserver.core.db import db
from widgetserver.demo.shop import create_shop
from widgetserver.models import Conversion, Event, FriendOffer, Owner, RefCode, Reward, Site

from ..live import WIDGETSERVER, free_port, serving, wait_ready

KNOWN_CODE = "demo-share-1"


def demo_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
    env["WIDGETSERVER_INSTANCE_PATH"] = str(instance)
    return env


@contextmanager
def database(instance: Path) -> Iterator[Session]:
    """The demo's SQLite database, opened read-only beside the running server."""
    path = instance / "widgetserver.sqlite3"
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@dataclass
class Demo:
    instance: Path
    summary: dict[str, Any]

    @property
    def shop(self) -> str:
        return self.summary["shop"]

    @property
    def widget_server(self) -> str:
        return self.summary["widget_server"]

    def order(self, order_id: str) -> tuple[Any, ...]:
        with database(self.instance) as session:
            c = session.scalars(
                select(Conversion)
                .options(joinedload(Conversion.code))
                .where(Conversion.order_id == order_id)
            ).one()
            code = c.code.code if c.code else None
            return (c.status, c.verified, c.amount_minor, c.refunded_minor, c.attribution, code)


def read_summary(process: subprocess.Popen[bytes], out: Path, err: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in out.read_text().splitlines():
            if line.startswith("{"):
                return json.loads(line)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"the demo printed no summary:\n{err.read_text()}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    instance, out, err = folder / "instance", folder / "stdout", folder / "stderr"
    ports = ["--port", str(free_port()), "--shop-port", str(free_port())]
    command = [WIDGETSERVER, "demo", "--json", *ports]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=demo_env(instance))
    try:
        summary = read_summary(process, out, err)
        wait_ready(summary["widget_server"])
        yield Demo(instance, summary)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Demo stopped." in err.read_text()


@dataclass
class Traffic:
    """Every request a browser context made, and every response it got."""

    requests: list[Any] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)

    def origins(self) -> set[str]:
        return {f"{urlsplit(r.url).scheme}://{urlsplit(r.url).netloc}" for r in self.requests}


@pytest.fixture
def context(chromium: Any) -> Iterator[tuple[Any, Traffic]]:
    context = chromium.new_context()
    traffic = Traffic()
    context.on("request", lambda request: traffic.requests.append(request))
    context.on("response", lambda response: traffic.responses.append(response))
    try:
        yield context, traffic
    finally:
        context.close()


def is_event_post(request: Any) -> bool:
    return request.method == "POST" and request.url.endswith("/v1/events")


def test_the_demo_summary_says_where_everything_is(demo):
    assert urlsplit(demo.shop).hostname != urlsplit(demo.widget_server).hostname
    assert demo.summary["login"] == {"email": "demo@example.com", "password": "demo-password"}
    assert demo.summary["try_url"] == f"{demo.shop}/products/mug?swk={KNOWN_CODE}"
    with urllib.request.urlopen(demo.shop) as response:
        page = response.read().decode()
    snippet = (
        f'<script async src="{demo.widget_server}/v1/loader.js" '
        f'data-site="{demo.summary["site_key"]}"></script>'
    )
    assert snippet in page


def test_a_visitor_through_a_shared_link_is_attributed_and_every_status_change_reported(
    demo, context
):
    context, traffic = context
    page = context.new_page()

    # Landing: the loader reports the visit and tidies the address bar.
    with page.expect_request(is_event_post) as landing:
        page.goto(demo.summary["try_url"])
    visit = landing.value
    assert json.loads(visit.post_data) == {
        "site": demo.summary["site_key"],
        "events": [{"type": "visit", "code": KNOWN_CODE, "url": f"{demo.shop}/products/mug"}],
    }
    assert visit.response().json() == {"accepted": 1, "rejected": []}
    page.wait_for_function("() => !location.search.includes('swk')")
    assert page.url == f"{demo.shop}/products/mug"

    # Buying: the shop kept the code in its own session and reports the order, signed.
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(f"{demo.shop}/thanks/*")
    order_id = page.locator("[data-order-id]").get_attribute("data-order-id")
    assert demo.order(order_id) == ("placed", True, 2490, 0, "attributed", KNOWN_CODE)

    # The back office reports every later status.
    page.goto(f"{demo.shop}/orders")
    row = page.locator(f"tr[data-order-id='{order_id}']")
    row.get_by_role("button", name="Mark paid").click()
    expect(row.locator(".status")).to_have_text("paid")
    assert demo.order(order_id) == ("paid", True, 2490, 0, "attributed", KNOWN_CODE)

    row.get_by_role("button", name="Refund 10.00").click()
    expect(row.locator("td").nth(3)).to_have_text("10.00 EUR")
    assert demo.order(order_id) == ("paid", True, 2490, 1000, "attributed", KNOWN_CODE)

    row.get_by_role("button", name="Refund all").click()
    expect(row.locator(".status")).to_have_text("refunded")
    assert demo.order(order_id) == ("refunded", True, 2490, 2490, "attributed", KNOWN_CODE)
    expect(page.locator("text=Empty: the widget server has every report.")).to_be_visible()

    # Privacy: no third party, no cookie from the widget server, the order never in the browser.
    assert traffic.origins() == {demo.shop, demo.widget_server}
    from_widgets = [r for r in traffic.responses if r.url.startswith(demo.widget_server)]
    assert {urlsplit(r.url).path for r in from_widgets} >= {
        "/v1/loader.js",
        f"/v1/sites/{demo.summary['site_key']}/config",
        "/v1/events",
    }
    assert not [r.url for r in from_widgets if "set-cookie" in r.all_headers()]
    assert not [r.url for r in traffic.requests if "/v1/conversions" in r.url]
    cookies = context.cookies()
    widget_host = urlsplit(demo.widget_server).hostname
    assert [c["domain"] for c in cookies if c["domain"].lstrip(".") == widget_host] == []
    assert {c["domain"] for c in cookies} == {urlsplit(demo.shop).hostname}


def run_seed_only(instance: Path, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [WIDGETSERVER, "demo", "--seed-only", "--json", *args],
        env=demo_env(instance),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def counts(instance: Path) -> dict[str, int]:
    with database(instance) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Owner, Site, RefCode, Event, Conversion)
        }


def test_setting_up_the_demo_twice_duplicates_nothing(tmp_path):
    instance = tmp_path / "instance"
    first = run_seed_only(instance)
    before = counts(instance)
    second = run_seed_only(instance)
    assert (first["seeded"], second["seeded"]) == (True, False)
    assert second["site_key"] == first["site_key"]
    assert counts(instance) == before
    assert before["owners"] == before["sites"] == 1
    assert before["events"] > 100 and before["conversions"] >= 10

    run_seed_only(instance, "--shop-port", "9001")
    assert counts(instance) == before
    with database(instance) as session:
        site = session.scalars(select(Site)).one()
        assert site.origins == [
            "http://localhost:8001",
            "http://127.0.0.1:8001",
            "http://localhost:9001",
            "http://127.0.0.1:9001",
        ]


def test_the_seeded_history_lets_the_known_code_attribute_today(tmp_path):
    instance = tmp_path / "instance"
    run_seed_only(instance)
    with database(instance) as session:
        code = session.scalars(select(RefCode).where(RefCode.code == KNOWN_CODE)).one()
        visits = session.scalars(
            select(Event.occurred_at).where(Event.code_id == code.id, Event.type == "visit")
        ).all()
        conversions = session.scalars(select(Conversion)).all()
    assert (code.kind, code.product) == ("share", "SWK-MUG")
    assert time.time() - max(visits).timestamp() < 86400
    assert {c.status for c in conversions} == {"placed", "paid", "refunded", "cancelled"}
    assert any(c.refunded_minor and c.status == "paid" for c in conversions)
    assert {c.currency for c in conversions} == {"EUR", "CHF"}
    assert {c.attribution for c in conversions} == {"attributed", "no_ref"}


def test_the_seeded_history_has_referrals_and_rewards_in_every_state(tmp_path):
    instance = tmp_path / "instance"
    started = time.monotonic()
    summary = run_seed_only(instance)
    assert time.monotonic() - started < 60
    with database(instance) as session:
        links = session.scalars(select(RefCode).where(RefCode.kind == "referral")).all()
        events = session.execute(
            select(Event.type, Event.channel).join(RefCode, RefCode.id == Event.code_id)
            .where(RefCode.kind == "referral")
        ).all()  # fmt: skip
        states = session.execute(
            select(Reward.status, Reward.void_reason, Reward.refunded_after_handout)
        ).all()
        offers = session.scalar(select(func.count()).select_from(FriendOffer))
        site = session.scalars(select(Site)).one()
    assert {link.referrer is None for link in links} == {True, False}  # anonymous and personal
    assert {channel for kind, channel in events if kind == "invite"} >= {"whatsapp", "email"}
    assert sum(kind == "visit" for kind, _ in events) >= 10 and offers >= 10
    assert {status for status, _, _ in states} == {
        "pending", "earned", "due", "handed_out", "void"
    }  # fmt: skip
    assert {why for status, why, _ in states if status == "void"} >= {
        "refunded", "cancelled", "self_referral", "unverified_order", "below_minimum"
    }  # fmt: skip
    assert any(status == "handed_out" and after for status, _, after in states)
    assert site.settings["referral_offer"] == "notice"
    assert set(site.settings["referral_texts"]) == {"de", "en"}
    assert summary["claim_url"].startswith(f"{summary['widget_server']}/r/")
    assert run_seed_only(tmp_path / "again")["claim_url"] != summary["claim_url"]


class Recording:
    """A widget server in front of which every conversion report is written down."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.reports: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/v1/conversions":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            self.reports.append(json.loads(body))
        return self.app(environ, start_response)


def stored(app: Any, order_id: str) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.scalars(select(Conversion).where(Conversion.order_id == order_id))
        return [(c.status, c.verified, c.amount_minor) for c in rows]


@contextmanager
def offline_shop(
    site: Any, clock: Any, *, outbox_interval: float
) -> Iterator[tuple[Any, Any, int]]:
    """The demo shop pointed at a port where no widget server listens (yet)."""
    port = free_port()
    shop = create_shop(
        f"http://127.0.0.1:{port}",
        site.key,
        site.secret,
        outbox_interval=outbox_interval,
        now=lambda: clock().timestamp(),
    )
    outbox = shop.extensions["outbox"]
    try:
        yield shop, outbox, port
    finally:
        outbox.stop()


def test_checkout_does_not_wait_for_an_unreachable_widget_server_and_the_outbox_delivers_later(
    app, site, clock
):
    with offline_shop(site, clock, outbox_interval=3600) as (shop, outbox, port):
        client = shop.test_client()
        client.post("/cart", data={"product": "tea"})
        started = time.monotonic()
        response = client.post("/checkout", data={"name": "Ada", "email": "ada@example.org"})
        assert time.monotonic() - started < 2.5
        assert response.status_code == 302
        order_id = response.location.rsplit("/", 1)[1]
        assert client.get(response.location).status_code == 200

        [waiting] = outbox.pending()
        assert waiting.order_id == order_id
        assert b"ada@example.org" not in waiting.body
        assert "report waiting" in client.get("/orders").text

        # A later status queues behind the first report instead of overtaking it.
        client.post(f"/orders/{order_id}/paid")
        assert [json.loads(r.body)["status"] for r in outbox.pending()] == ["placed", "paid"]

        clock.advance(minutes=10)  # the first attempt's signature would be stale by now
        recording = Recording(app)
        with serving(recording, port=port):
            outbox.flush()
            outbox.flush()
        assert outbox.pending() == []
        assert [r["status"] for r in recording.reports] == ["placed", "paid"]
        assert stored(app, order_id) == [("paid", True, 1900)]
        assert "Empty: the widget server has every report." in client.get("/orders").text


def test_the_outbox_retries_by_itself_and_a_refusal_is_final(app, site, clock):
    with offline_shop(site, clock, outbox_interval=0.05) as (shop, outbox, port):
        client = shop.test_client()
        client.post("/cart", data={"product": "mug"})
        response = client.post("/checkout", data={"name": "Ada", "email": "ada@example.org"})
        order_id = response.location.rsplit("/", 1)[1]
        assert len(outbox.pending()) == 1
        recording = Recording(app)
        with serving(recording, port=port):
            deadline = time.monotonic() + 30
            while outbox.pending() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert outbox.pending() == []

            # The widget server knows the order is paid; a stale "placed" is refused for good.
            body = recording.reports[0]
            outbox.send(order_id, {**body, "status": "paid"})
            report = outbox.send(order_id, body)
            assert (report.state, report.error.split(":")[0]) == (
                "refused",
                "409 status_regression",
            )
            assert outbox.pending() == []
        assert stored(app, order_id) == [("paid", True, 2490)]


def test_the_demo_refuses_to_seed_a_production_database(tmp_path):
    env = {
        **os.environ,
        "WIDGETSERVER_INSTANCE_PATH": str(tmp_path),
        "WIDGETSERVER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/production",
    }
    result = subprocess.run(
        [WIDGETSERVER, "demo", "--seed-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "own SQLite database" in result.stderr


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_widget_gallery_shows_every_layout_theme_and_colour_scheme(demo, context):
    context, traffic = context
    page = context.new_page()
    page.set_viewport_size({"width": 900, "height": 800})
    page.goto(f"{demo.shop}/widgets")
    containers = page.locator("[data-swk='share']")
    expected = {
        (layout, theme, colours)
        for layout in ("icons", "labels", "compact")
        for theme in ("light", "dark", "auto")
        for colours in ("brand", "mono")
    }
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-swk]')]"
        ".filter(c => c.shadowRoot && c.shadowRoot.querySelector('.swk')).length === n",
        arg=len(expected) + 1,
    )
    rendered = {
        tuple(c.evaluate("c => c.shadowRoot.querySelector('.swk').className").split()[1:])
        for c in containers.all()
    }
    assert rendered >= expected
    assert traffic.origins() == {demo.shop, demo.widget_server}
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(".gallery").screenshot(path=SCREENSHOTS / "share-buttons.png")
