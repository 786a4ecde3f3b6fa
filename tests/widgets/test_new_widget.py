"""A widget added by a registry entry alone, in real Chromium: the test widget of tests/embed.

The app here builds the real widgets and the test widget; nothing else differs from the other
browser tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from widgetserver import create_app
from widgetserver.core.db import db
from widgetserver.embed import assets

from ..embed.testwidget import REGISTRY
from .conftest import GPC


@pytest.fixture
def live_app(sqlite_template, tmp_path) -> Iterator[Flask]:
    """The usual live app, serving the test widget beside the real ones."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "live-instance"),
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "test-secret-key",
            "SITE_CACHE_SECONDS": 0,
            "EMBED_WIDGETS": REGISTRY,
        }
    )
    yield app
    db.dispose(app)


def hello(page) -> str:
    page.locator("[data-swk='hello'] .hello").wait_for()
    return page.locator("[data-swk='hello'] .hello").inner_text()


def test_the_test_widget_renders_in_a_shadow_root_from_one_file(setup, context):
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(setup.page("/p/mug", lang="de", body="<div data-swk='hello'></div>"))
    assert hello(page) == f"Hallo {setup.site.key}"
    # Its icon and its style sheet, inside its own shadow root.
    assert page.locator("[data-swk='hello'] svg").count() == 1
    colour = "getComputedStyle(document.querySelector('[data-swk]').shadowRoot.firstChild).color"
    assert page.evaluate(colour) == "rgb(1, 2, 3)"
    page.wait_for_load_state("networkidle")
    version = assets.build(REGISTRY).version
    asked = sorted(u.split("?")[0] for u in requests if u.startswith(setup.widget.url))
    assert asked == [
        f"{setup.widget.url}/v1/assets/hello.{version}.de.js",
        f"{setup.widget.url}/v1/loader.js",
        f"{setup.widget.url}/v1/sites/{setup.site.key}/config",
    ]
    # Storage mode "none": the widget could keep nothing.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_the_test_widget_keeps_only_what_the_storage_policy_allows(setup, chromium):
    setup.configure(storage_mode="session")
    url = setup.page("/p/mug", body="<div data-swk='hello'></div>")
    for gpc, seen in ((False, ["1", "2"]), (True, ["1", "1"])):
        context = chromium.new_context()
        if gpc:
            context.add_init_script(GPC)
        page = context.new_page()
        shown = []
        for _ in range(2):
            page.goto(url)
            hello(page)
            shown.append(page.locator("[data-swk='hello']").get_attribute("data-seen"))
        assert shown == seen, gpc
        stored = page.evaluate(f"sessionStorage.getItem('swk:{setup.site.key}')")
        assert (stored == '{"hello:seen":2}') is not gpc
        page.evaluate("swk('consent', false)")
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        context.close()


def test_share_buttons_work_beside_the_test_widget(setup, context):
    page = context.new_page()
    page.goto(
        setup.page(
            "/p/mug",
            body="<div data-swk='hello'></div><div data-swk='share' data-swk-networks='x'></div>",
        )
    )
    hello(page)
    page.locator("[data-swk='share'] .b").first.wait_for()
    assert page.locator("[data-swk='share'] .b").first.get_attribute("data-n") == "x"
