"""The built widget files: caching, compression, content hashes, languages and size budgets."""

from __future__ import annotations

import gzip
import json
import re
from importlib.resources import files

import brotli
import pytest

from widgetserver.embed import assets, registry
from widgetserver.sites.settings import CHANNELS, LANGUAGES

#: The budgets, in gzipped bytes: 2 KB for the loader, 6 KB for the share buttons' file of one
#: language (script, helpers, CSS, icons and strings), 5.25 KB for recommend-a-friend's and 2 KB for
#: the friend's offer. Written out here so that a change to them in registry.py (which `make
#: size` reports against) must be made twice, knowingly.
LOADER_BUDGET = 2 * 1024
SHARE_BUDGET = 6 * 1024
RECOMMEND_BUDGET = 5 * 1024 + 256
OFFER_BUDGET = 2 * 1024
BUDGETS = {"share": SHARE_BUDGET, "recommend": RECOMMEND_BUDGET, "offer": OFFER_BUDGET}


def test_the_budgets_reported_are_the_budgets_enforced():
    assert registry.LOADER_BUDGET == LOADER_BUDGET
    assert {widget.name: widget.budget for widget in registry.WIDGETS} == BUDGETS
    build = assets.build()
    assert build.loader.budget == LOADER_BUDGET
    for widget, budget in BUDGETS.items():
        assert {a.budget for n, a in build.files.items() if n.startswith(f"{widget}.")} == {budget}


@pytest.fixture
def client(live_app):
    return live_app.test_client()


def share_files() -> dict[str, assets.Asset]:
    return {
        name: asset for name, asset in assets.build().files.items() if name.startswith("share.")
    }


def test_the_loader_is_short_cached_revalidated_and_sets_no_cookie(client):
    first = client.get("/v1/loader.js")
    assert first.mimetype == "text/javascript"
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in first.headers
    again = client.get("/v1/loader.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_widget_files_are_named_by_content_and_cached_for_a_year(client):
    name = f"share.{assets.build().version}.de.js"
    response = client.get(f"/v1/assets/{name}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    assert b'"lang":"de"' in response.data


def test_the_loader_names_the_current_widget_files_by_one_hash_and_no_widget(client):
    loader = client.get("/v1/loader.js").data.decode()
    build = assets.build()
    assert json.dumps(build.version) in loader
    assert json.dumps(list(LANGUAGES), separators=(",", ":")) in loader
    assert '"share"' not in loader
    assert {name.split(".")[1] for name in build.files} == {build.version}


def test_a_page_with_a_slightly_old_loader_still_gets_its_widget_only_briefly_cached(client):
    response = client.get("/v1/assets/share.0123456789ab.fr.js")
    assert response.status_code == 200
    assert b'"lang":"fr"' in response.data
    assert response.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "name",
    [
        "share.js",
        "share.0123456789ab.xx.js",
        "badge.0123456789ab.en.js",
        "share.0123456789ab.en.css",
        "..%2Floader.js",
        "share.0123456789ab.en.js.map",
    ],
)
def test_unknown_asset_names_are_404(client, name):
    response = client.get(f"/v1/assets/{name}")
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_a_widget_this_build_lacks_is_a_404_cached_as_long_as_the_loader(client):
    """The loader asks for any widget a container names (it carries no list of them)."""
    response = client.get(f"/v1/assets/badge.{assets.build().version}.en.js")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json["error"] == "not_found"


def test_a_widget_named_with_another_hash_is_a_404_not_cached(client):
    """The hash may be a newer build's, which another server of a release already has."""
    response = client.get("/v1/assets/badge.0123456789ab.en.js")
    assert response.status_code == 404
    assert "max-age" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("br, gzip", "br"), ("gzip, deflate", "gzip"), ("", None), ("br;q=0, gzip", "gzip")],
)
def test_responses_are_compressed_as_the_browser_accepts(client, accept, encoding):
    name = f"share.{assets.build().version}.en.js"
    for path in ("/v1/loader.js", f"/v1/assets/{name}"):
        response = client.get(path, headers={"Accept-Encoding": accept})
        assert response.headers.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        raw = response.data
        if encoding == "br":
            raw = brotli.decompress(raw)
        elif encoding == "gzip":
            raw = gzip.decompress(raw)
        assert (
            raw
            == (assets.build().loader if path.endswith("loader.js") else share_files()[name]).raw
        )


def test_each_encoding_has_its_own_etag(client):
    tags = {
        client.get("/v1/loader.js", headers={"Accept-Encoding": accept}).headers["ETag"]
        for accept in ("br", "gzip", "")
    }
    assert len(tags) == 3


def test_scripts_are_minified_and_keep_their_name(client):
    assert client.get("/v1/loader.js").data.startswith(b"/*! Social Widget Kit loader */")
    for asset in share_files().values():
        assert asset.raw.startswith(b"/*! Social Widget Kit share buttons */")
        assert b"\n  " not in asset.raw
        assert b"__SWK_" not in asset.raw  # every placeholder was filled


def test_the_loader_stays_within_its_budget():
    assert len(assets.build().loader.gzip) <= LOADER_BUDGET
    assert len(gzip.compress(assets.build().loader.raw, 9)) <= LOADER_BUDGET


@pytest.mark.parametrize("lang", LANGUAGES)
def test_share_buttons_with_css_and_icons_stay_within_their_budget(lang):
    (asset,) = [a for name, a in share_files().items() if name.endswith(f".{lang}.js")]
    assert len(gzip.compress(asset.raw, 9)) <= SHARE_BUDGET
    assert b"adoptedStyleSheets" in asset.raw and b":host{" in asset.raw  # the CSS is inside


@pytest.mark.parametrize("widget", ["recommend", "offer"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_recommend_and_offer_stay_within_their_budgets(widget, lang):
    build = assets.build()
    asset = build.files[f"{widget}.{build.version}.{lang}.js"]
    assert len(gzip.compress(asset.raw, 9)) <= BUDGETS[widget]
    assert b"adoptedStyleSheets" in asset.raw and b":host{" in asset.raw  # the CSS is inside


def test_recommend_draws_only_the_icons_it_names_and_the_offer_none():
    build = assets.build()
    recommend = build.files[f"recommend.{build.version}.en.js"].raw.decode()
    icons = json.loads(re.search(r"ICONS=(\{.*?\}),CSS=", recommend).group(1))
    drawn = {name for name, (_label, _colour, path) in icons.items() if path}
    assert drawn == {"email", "copy", "native", "whatsapp", "telegram", "facebook", "x", "linkedin"}
    # The other networks by name only: no path, no colour.
    named = {name: entry for name, entry in icons.items() if name not in drawn}
    assert named == {
        "xing": ["XING", "", ""],
        "pinterest": ["Pinterest", "", ""],
        "reddit": ["Reddit", "", ""],
        "threads": ["Threads", "", ""],
        "bluesky": ["Bluesky", "", ""],
    }
    assert "ICONS={}," in build.files[f"offer.{build.version}.en.js"].raw.decode()


def test_a_widget_file_carries_only_its_own_language():
    german = next(a for n, a in share_files().items() if n.endswith(".de.js")).raw
    assert b"Auf {name} teilen" in german
    for other in ("Share on {name}", "Partager sur {name}", "Udost"):
        assert other.encode() not in german


@pytest.mark.parametrize("widget", registry.WIDGETS, ids=lambda widget: widget.name)
def test_every_language_translates_every_string_of_every_widget(widget):
    root = files("widgetserver.widgets") / widget.strings
    english = json.loads((root / "en.json").read_text(encoding="utf-8"))
    assert {path.name for path in root.iterdir()} == {f"{lang}.json" for lang in LANGUAGES}
    for lang in LANGUAGES:
        table = json.loads((root / f"{lang}.json").read_text(encoding="utf-8"))
        assert table.keys() == english.keys(), lang
        assert table["lang"] == lang
        assert all(isinstance(v, str) and v.strip() for v in table.values()), lang


def test_every_language_of_the_share_buttons_is_really_translated():
    root = files("widgetserver.widgets") / "i18n" / "share"
    english = json.loads((root / "en.json").read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        table = json.loads((root / f"{lang}.json").read_text(encoding="utf-8"))
        assert "{name}" in table["share_on"], lang
        if lang != "en":  # really translated, not copied
            assert table["share_on"] != english["share_on"], lang
            assert table["remember_tab"] != english["remember_tab"], lang


@pytest.mark.parametrize(
    ("widget", "keys"), [("recommend", ("headline", "body")), ("offer", ("gift",))]
)
def test_every_language_of_recommend_and_offer_is_really_translated(widget, keys):
    root = files("widgetserver.widgets") / "i18n" / widget
    english = json.loads((root / "en.json").read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        table = json.loads((root / f"{lang}.json").read_text(encoding="utf-8"))
        if widget == "recommend":  # the placeholders the widget fills
            assert "{name}" in table["hi"] and "{name}" in table["share_on"], lang
        if lang != "en":
            for key in keys:
                assert table[key] != english[key], (lang, key)


def test_the_string_tables_are_one_folder_per_widget():
    root = files("widgetserver.widgets") / "i18n"
    assert {path.name for path in root.iterdir()} == {
        widget.strings.split("/")[-1] for widget in registry.WIDGETS
    }


def test_a_widget_file_carries_only_its_own_strings_icons_and_helpers():
    build = assets.build()
    for widget in registry.WIDGETS:
        table = json.loads(
            (files("widgetserver.widgets") / widget.strings / "en.json").read_text("utf-8")
        )
        name = f"{widget.name}.{build.version}.en.js"
        text = build.files[name].raw.decode()
        strings = json.loads(re.search(r"const T=(\{.*?\}),ICONS=", text).group(1))
        assert strings == table
        assert text.count("const h=") == ("dom" in widget.helpers)  # each helper once


def test_the_shared_helpers_are_not_in_the_loader():
    loader = assets.build().loader.raw
    for helper in (b"const h=", b"const tracked=", b"const clean=", b"adoptedStyleSheets"):
        assert helper not in loader


def test_every_channel_has_an_icon_and_a_colour():
    icons = json.loads((files("widgetserver.widgets") / "icons" / "icons.json").read_text())
    assert set(icons) == set(CHANNELS)
    for name, icon in icons.items():
        assert re.fullmatch(r"#[0-9A-F]{6}", icon["colour"]), name
        assert re.fullmatch(r"[MmLlHhVvCcSsQqTtAaZz0-9.,\- ]+", icon["path"]), name
