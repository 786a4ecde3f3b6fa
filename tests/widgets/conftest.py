"""Browser-test fixtures: a hand-made shop on one host, the widget server on another, Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from widgetserver import sites
from widgetserver.core.db import db
from widgetserver.models import Event

from ..conftest import Browser, SiteInfo, all_rows, make_site
from ..live import LiveServer, serving


@dataclass
class ShopPages:
    """A hand-made shop: whatever HTML the test puts at a path."""

    pages: dict[str, str] = field(default_factory=dict)

    def __call__(self, environ, start_response):
        body = self.pages.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]


@dataclass
class Setup:
    widget: LiveServer
    shop: LiveServer
    pages: ShopPages
    site: SiteInfo
    app: object

    def page(self, path: str, head: str = "", body: str = "", lang: str = "en") -> str:
        self.pages.pages[path] = (
            f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{path}</title>{head}</head><body>"
            f"{body}<script async src='{self.widget.url}/v1/loader.js' "
            f"data-site='{self.site.key}'></script></body></html>"
        )
        return f"{self.shop.url}{path}"

    def configure(self, **settings):
        with self.app.app_context(), db.writing() as session:
            sites.by_key(session, self.site.key).settings = settings


@pytest.fixture
def setup(live_app) -> Iterator[Setup]:
    pages = ShopPages()
    # The shop lives on "localhost", the widget server on "127.0.0.1": two hosts, as in real life.
    with serving(live_app) as widget, serving(pages, host="localhost") as shop:
        site = make_site(live_app, origin=shop.url)
        yield Setup(widget, shop, pages, site, live_app)


@pytest.fixture
def context(chromium):
    context = chromium.new_context()
    yield context
    context.close()


def shared_code(setup: Setup, code: str = "shared-code-1") -> str:
    sharer = Browser(setup.app.test_client(), setup.site)
    sharer.ip = "198.51.100.200"
    # A shared page is one of the shop's own (pages on other origins are refused).
    assert sharer.share(code, url=f"{setup.site.origin}/p/mug").json["accepted"] == 1
    return code


def visits(setup: Setup) -> list[Event]:
    return all_rows(setup.app, Event, Event.type == "visit")


def wait_for(page, predicate, message: str) -> None:
    for _ in range(50):
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError(message)


#: Makes the browser send Global Privacy Control.
GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"


def landed(setup: Setup, chromium, code: str, *, gpc: bool = False):
    """A fresh browser opening the mug page through a new shared `code`, its visit stored."""
    before = len(visits(setup))
    context = chromium.new_context()
    if gpc:
        context.add_init_script(GPC)
    page = context.new_page()
    page.goto(f"{setup.page('/p/mug')}?swk={shared_code(setup, code)}")
    wait_for(page, lambda: len(visits(setup)) == before + 1, "the visit was not stored")
    page.wait_for_load_state("networkidle")
    return context, page
