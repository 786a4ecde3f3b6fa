"""The owners' pages in real Chromium: log in, read, change, export, only the keyboard, axe.

The server is seeded with the demo's owner and its month of history; the screenshots of the
dashboard in the README are taken here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from widgetserver.core.db import db
from widgetserver.demo import seed

from ..live import LiveServer, serving

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Demo:
    server: LiveServer
    site_id: int
    site_key: str

    def url(self, path: str) -> str:
        return self.server.url + path


@pytest.fixture
def demo(live_app) -> Iterator[Demo]:
    with live_app.app_context(), db.writing() as session:
        setup = seed.set_up(
            session, ["http://localhost:8001"], "http://localhost:8001", datetime.now(UTC)
        )
        site_id, key = setup.site.id, setup.site.public_key
    with serving(live_app) as server:
        yield Demo(server, site_id, key)


def log_in(page, demo: Demo) -> None:
    page.goto(demo.url("/admin/"))
    page.get_by_label("E-mail address").fill(seed.OWNER_EMAIL)
    page.get_by_label("Password").fill(seed.OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(demo.url("/admin/"))


def dashboard_for_downloads(
    chromium: Browser, demo: Demo, query: str = ""
) -> tuple[BrowserContext, Page]:
    """A new laptop-sized context that accepts downloads, and its page logged in on the
    demo site's dashboard (``query`` for the period); the caller closes the context."""
    context = chromium.new_context(viewport=LAPTOP, accept_downloads=True)
    page = context.new_page()
    log_in(page, demo)
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/{query}"))
    return context, page


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_owner_logs_in_reads_the_dashboard_and_every_page_passes_axe(chromium, demo):
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(demo.url("/admin/login"))
    no_violations(page)
    log_in(page, demo)
    no_violations(page)
    page.get_by_role("link", name="Demo Shop", exact=True).click()
    page.wait_for_url(f"**/admin/sites/{demo.site_id}/")
    assert page.get_by_role("heading", name="Overview").is_visible()
    shares = page.locator(".card").filter(has_text="Share clicks").locator(".card-value")
    assert int(shares.inner_text().replace(",", "")) > 0
    assert page.locator("svg[role=img]").count() >= 3
    no_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-laptop.png"))
    page.get_by_text("The figures per day as a table").click()  # the chart's data, opened
    no_violations(page)
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/settings"))
    no_violations(page)
    page.get_by_label("Name of the reference parameter").fill("Not valid")
    page.get_by_label("Name of the reference parameter").press("Enter")  # Enter saves
    assert page.get_by_text("Nothing was saved.").is_visible()
    assert page.get_by_label("Name of the reference parameter").input_value() == "Not valid"
    no_violations(page)  # with the errors beside their fields
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/rotate"))
    no_violations(page)
    context.close()


def test_the_dashboard_fits_a_phone(chromium, demo):
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="de-DE"
    )
    page = context.new_page()
    page.goto(demo.url("/admin/login"))
    page.get_by_label("E-Mail-Adresse").fill(seed.OWNER_EMAIL)
    page.get_by_label("Passwort").fill(seed.OWNER_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(demo.url("/admin/"))
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/"))
    assert page.get_by_role("heading", name="Überblick").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    no_violations(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"))
    context.close()


def test_a_changed_setting_reaches_the_widget_config(chromium, demo):
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    log_in(page, demo)
    before = page.request.get(demo.url(f"/v1/sites/{demo.site_key}/config")).json()
    assert before["theme"] == "auto"
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/settings"))
    page.get_by_label("Theme").select_option("dark")
    page.get_by_label("UTM campaign").fill("spring-sale")
    page.get_by_label("Add UTM parameters to shared links").check()
    page.get_by_role("button", name="Move Facebook up").click()  # without saving
    assert page.get_by_text("Order changed.").is_visible()
    page.get_by_role("button", name="Save settings").last.click()
    assert page.get_by_text("Saved. Visitors see the change").is_visible()
    after = page.request.get(demo.url(f"/v1/sites/{demo.site_key}/config")).json()
    assert after["theme"] == "dark"
    assert after["utm"] == {"enabled": True, "campaign": "spring-sale"}
    assert after["networks"][:2] == ["facebook", "whatsapp"]
    context.close()


def test_the_snippet_copies_with_one_click(chromium, demo):
    context = chromium.new_context(viewport=LAPTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.server.url)
    page = context.new_page()
    log_in(page, demo)
    page.goto(demo.url(f"/admin/sites/{demo.site_id}/settings"))
    page.get_by_role("button", name="Copy snippet").click()
    page.get_by_text("Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f'data-site="{demo.site_key}"' in copied and "/v1/loader.js" in copied
    context.close()


def test_a_table_downloads_as_csv(chromium, demo):
    context, page = dashboard_for_downloads(chromium, demo, "?period=30d")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download CSV (By channel)").click()
    download = caught.value
    assert download.suggested_filename.startswith(f"site-{demo.site_id}-channels-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) > 1
    assert "whatsapp" in {row[0].lower() for row in rows[1:]} | {row[0] for row in rows[1:]}
    context.close()


def test_the_keyboard_alone_changes_the_period_and_reaches_the_csv(chromium, demo):
    context, page = dashboard_for_downloads(chromium, demo)

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"(() => {{ const e = document.activeElement; return {predicate}; }})()"
            ):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    tab_to("e.id === 'period'")
    page.keyboard.press("ArrowUp")  # from "Last 30 days" to "Last 7 days"
    assert page.evaluate("document.activeElement.value") == "7d"
    tab_to("e.textContent.trim() === 'Show'")
    page.keyboard.press("Enter")
    page.wait_for_url("**period=7d")
    assert page.locator("#period").input_value() == "7d"
    tab_to("e.classList.contains('csv')")
    with page.expect_download() as caught:
        page.keyboard.press("Enter")
    assert "-daily-" in caught.value.suggested_filename
    # Focus is always visible: the focused link has an outline.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    context.close()
