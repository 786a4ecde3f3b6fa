"""A widget is a registry entry and its files: a test widget is built, budgeted and served.

The test widget (``testwidget/``) lives only in the tests; the build does not know it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from widgetserver import create_app
from widgetserver.core.db import db
from widgetserver.embed import assets
from widgetserver.embed.registry import SHARE, WIDGETS, Widget
from widgetserver.sites.settings import LANGUAGES

from .testwidget import HELLO, REGISTRY


@pytest.fixture
def hello_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "SECRET_KEY": "test-secret-key",
            "EMBED_WIDGETS": REGISTRY,
        }
    )
    yield app
    db.dispose(app)


def hello_files(build: assets.Build) -> dict[str, assets.Asset]:
    return {name: a for name, a in build.files.items() if name.startswith("hello.")}


def test_the_test_widget_is_built_in_every_language_beside_the_real_ones():
    build = assets.build(REGISTRY)
    version = build.version
    assert set(hello_files(build)) == {f"hello.{version}.{lang}.js" for lang in LANGUAGES}
    alone = assets.build()
    assert version != alone.version  # one name for the build: a new widget renames them all
    for lang in LANGUAGES:  # but leaves their content untouched
        share = build.files[f"share.{version}.{lang}.js"].raw
        assert share == alone.files[f"share.{alone.version}.{lang}.js"].raw
    german = build.files[f"hello.{version}.de.js"].raw
    assert german.startswith(b"/*! Social Widget Kit test widget */")
    assert b'"hello":"Hallo"' in german and b"Hello" not in german
    assert b"window.swk('define',\"hello:de\",mount)" in german
    # Only the icons and helpers its entry names.
    assert b'ICONS={"copy":' in german and b"whatsapp" not in german
    assert b"const shadow=" in german and b"const clean=" in german
    assert b"const tracked=" not in german
    assert b"__SWK_" not in german


def test_the_test_widget_is_budgeted():
    build = assets.build(REGISTRY)
    assert {a.budget for a in hello_files(build).values()} == {HELLO.budget}
    build.check_budgets()  # within its 2 KB
    tight = assets.build((*WIDGETS, replace(HELLO, budget=100)))
    over = {a.name for a in tight.over_budget()}
    assert over == set(hello_files(tight))
    with pytest.raises(assets.BudgetError, match=r"hello\.[0-9a-f]{12}\.de\.js [0-9,]+ > 100"):
        tight.check_budgets()


def test_the_app_serves_the_test_widget_with_the_same_caching_and_names_it_in_the_loader(
    hello_app,
):
    client = hello_app.test_client()
    build = assets.build(REGISTRY)
    loader = client.get("/v1/loader.js").data.decode()
    assert json.dumps(build.version) in loader
    name = f"hello.{build.version}.fr.js"
    response = client.get(f"/v1/assets/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    assert client.get("/v1/assets/hello.0123456789ab.fr.js").headers["Cache-Control"] == (
        "public, max-age=300"
    )


#: Names of widgets to come, and more: registered as copies of the test widget.
MANY = ("badge", "vote", "poll", "rating", "follow", "newsletter", "wishlist", "reviews")


@pytest.mark.parametrize("count", [1, 4, len(MANY)])
def test_the_loader_weighs_the_same_however_many_widgets_are_registered(count):
    """Each widget may add a few bytes to the loader at most: it names none of them."""
    alone = assets.build()
    extra = tuple(replace(HELLO, name=name) for name in MANY[:count])
    build = assets.build((*WIDGETS, *extra))
    assert {name.split(".")[0] for name in build.files} == {w.name for w in WIDGETS} | {
        *MANY[:count]
    }
    loader = build.loader.raw
    assert loader.replace(build.version.encode(), b"") == alone.loader.raw.replace(
        alone.version.encode(), b""
    )
    for widget in extra:
        assert f'"{widget.name}"'.encode() not in loader
    # Only the build's hash differs, and hashes compress a few bytes better or worse.
    assert len(build.loader.gzip) <= len(alone.loader.gzip) + 6
    assert len(build.loader.gzip) <= build.loader.budget
    build.check_budgets()


def test_an_app_without_the_test_widget_does_not_serve_it(live_app):
    client = live_app.test_client()
    name = f"hello.{assets.build(REGISTRY).version}.en.js"
    assert client.get(f"/v1/assets/{name}").status_code == 404
    assert b'"hello"' not in client.get("/v1/loader.js").data


def copy_of_hello(tmp_path: Path) -> Widget:
    home = tmp_path / "hello"
    shutil.copytree(Path(__file__).parent / "testwidget", home)
    return replace(HELLO, home=home)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda home: (home / "i18n" / "pl.json").unlink(), r"no such file: .*pl\.json"),
        (lambda home: (home / "hello.css").unlink(), r"no such file: .*hello\.css"),
        (
            lambda home: (home / "i18n" / "it.json").write_text('{"lang": "en"}'),
            r"it\.json does not say it is 'it'",
        ),
        (
            lambda home: (home / "hello.js").write_text("const show = () => {};"),
            r"defines no mount",
        ),
    ],
    ids=["missing-language", "missing-style-sheet", "wrong-language", "no-mount"],
)
def test_a_broken_widget_fails_the_build_and_says_why(tmp_path, spoil, message):
    widget = copy_of_hello(tmp_path)
    spoil(widget.home)
    with pytest.raises(assets.BuildError, match=message):
        assets.build((*WIDGETS, widget))


def test_a_widget_needing_an_icon_that_does_not_exist_fails_the_build():
    with pytest.raises(assets.BuildError, match=r"icons.json lacks: \['unicorn'\]"):
        assets.build((replace(HELLO, icons=("copy", "unicorn")),))


def test_two_widgets_of_one_name_fail_the_build():
    with pytest.raises(assets.BuildError, match="two widgets of one name"):
        assets.build((SHARE, replace(HELLO, name="share")))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Hello"}, "lower-case letters and digits"),
        ({"name": "he.llo"}, "lower-case letters and digits"),
        ({"helpers": ("dom", "jquery")}, r"unknown helpers: \['jquery'\]"),
    ],
)
def test_a_registry_entry_is_checked_when_it_is_made(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(HELLO, **changes)
