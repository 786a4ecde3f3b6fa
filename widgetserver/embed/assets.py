"""The browser assets, built from a registry of widgets: minified, compressed, hashed.

The pipeline: webassets bundles minify the scripts (rjsmin) and the style sheets (rcssmin), pure
Python, so no Node is needed to run the server. A widget is one script per language: the shared
helper modules its registry entry names and its own code, wrapped in one function with that
language's strings, its icons and its CSS put in, so a page loads exactly one file per widget
and the loader carries none of the helpers. Widget files are named by one hash of the whole
build's content and cached for a year; the loader, whose address is in every shop's snippet
and so never changes, carries that one hash - not a table of the widgets, so that it weighs the
same however many there are - and is revalidated every few minutes. Each file is kept raw,
gzip- and brotli-compressed, with its size budget.

``build`` reads nothing but the registry it is given and the files it names, so a test can
build a registry of its own; the app builds the one in its ``EMBED_WIDGETS`` setting.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import brotli
from webassets import Bundle, Environment

from ..sites.settings import LANGUAGES
from .registry import LOADER_BUDGET, WIDGETS, Widget


class BuildError(RuntimeError):
    """A widget's files do not make a widget: a file, a string table or an icon is missing."""


class BudgetError(RuntimeError):
    """Built files larger, gzipped, than their budgets."""


@dataclass(frozen=True)
class Asset:
    """One built file in its three encodings, and the gzipped size it must stay within."""

    name: str
    raw: bytes
    gzip: bytes
    brotli: bytes
    etag: str
    budget: int

    @classmethod
    def of(cls, name: str, text: str, budget: int) -> Asset:
        raw = text.encode()
        return cls(
            name=name,
            raw=raw,
            gzip=gzip.compress(raw, 9, mtime=0),
            brotli=brotli.compress(raw, quality=11),
            etag=hashlib.sha256(raw).hexdigest()[:20],
            budget=budget,
        )

    def encoded(self, encoding: str | None) -> bytes:
        return {"br": self.brotli, "gzip": self.gzip}.get(encoding or "", self.raw)


@dataclass(frozen=True)
class Build:
    loader: Asset
    #: The content hash in every widget file's name: one for the build, carried by the loader.
    version: str
    #: "share.<hash>.<lang>.js" -> the file
    files: dict[str, Asset]

    def widget_file(self, name: str) -> tuple[Asset, bool] | None:
        """The file for a requested name, and whether the name is the current one.

        A page whose loader is a few minutes old may ask for the previous hash: it gets the
        current file (not a 404: an installed snippet never breaks), just not cached for long.
        A widget this build does not have (removed, misspelt, not yet released) is None.
        """
        if name in self.files:
            return self.files[name], True
        parts = name.split(".")
        if len(parts) == 4 and parts[3] == "js":
            current = f"{parts[0]}.{self.version}.{parts[2]}.js"
            if current in self.files:
                return self.files[current], False
        return None

    def lacks(self, name: str) -> bool:
        """Whether a name with this build's hash names no file of it: a widget the build lacks.

        Only a release can change that. A name with another hash may come from a newer build
        (a page whose loader a newer server sent while this one still runs), so it is not known.
        """
        return name.split(".")[1:2] == [self.version] and name not in self.files

    def over_budget(self) -> list[Asset]:
        """The files whose gzipped size exceeds their budget."""
        return [a for a in (self.loader, *self.files.values()) if len(a.gzip) > a.budget]

    def check_budgets(self) -> None:
        """Raise ``BudgetError`` naming every file over its budget."""
        over = self.over_budget()
        if over:
            raise BudgetError(
                "over budget (gzipped bytes): "
                + ", ".join(f"{a.name} {len(a.gzip):,} > {a.budget:,}" for a in over)
            )


def widgets_root() -> Path:
    """The folder of the browser code: the loader, the shared helpers and the real widgets."""
    return Path(str(files("widgetserver.widgets")))


def _minified(env: Environment, source: Path, filters: str) -> str:
    if not source.is_file():
        raise BuildError(f"no such file: {source}")
    out = io.StringIO()
    # The output name is nominal: the result is written to `out`, never to disk.
    Bundle(str(source), filters=filters, output="built/nominal", env=env).build(
        output=out, force=True
    )
    return out.getvalue().strip()


def _js(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _put(template: str, **values: object) -> str:
    """Fill the ``__SWK_NAME__`` placeholders of a minified script with JSON literals."""
    for key, value in values.items():
        marker = f"__SWK_{key.upper()}__"
        if marker not in template:
            raise BuildError(f"the script has no {marker}")
        template = template.replace(marker, _js(value))
    return template


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise BuildError(f"no such file: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


#: A script's leading "/*! Social Widget Kit ... */" name, kept first for shops' devtools.
_BANNER = re.compile(r"/\*!.*?\*/")


def _widget_texts(env: Environment, root: Path, widget: Widget) -> dict[str, str]:
    """The widget's file text in each language: helpers and script in one function."""
    home = widget.home or root
    script = _minified(env, home / widget.script, "rjsmin")
    if not re.search(r"\bmount\s*=", script):
        raise BuildError(f"{widget.script} defines no mount(host, ctx)")
    banner = _BANNER.match(script)
    head, body = (banner.group(), script[banner.end() :]) if banner else ("", script)
    helpers = [
        _minified(env, root / "js" / "lib" / f"{name}.js", "rjsmin") for name in widget.helpers
    ]
    known = _read_json(root / "icons" / "icons.json")
    missing = [name for name in (*widget.icons, *widget.named) if name not in known]
    if missing:
        raise BuildError(f"widget {widget.name!r} needs icons that icons.json lacks: {missing}")
    icons = {n: [known[n]["name"], known[n]["colour"], known[n]["path"]] for n in widget.icons}
    icons |= {n: [known[n]["name"], "", ""] for n in widget.named if n not in icons}
    css = _minified(env, home / widget.style, "rcssmin")
    texts = {}
    for lang in LANGUAGES:
        strings = _read_json(home / widget.strings / f"{lang}.json")
        if strings.get("lang") != lang:
            raise BuildError(f"{widget.strings}/{lang}.json does not say it is {lang!r}")
        constants = f"const T={_js(strings)},ICONS={_js(icons)},CSS={_js(css)}"
        define = f"window.swk('define',{_js(f'{widget.name}:{lang}')},mount)"
        code = ";".join(part.rstrip(";") for part in (constants, *helpers, body, define))
        texts[lang] = f"{head}(()=>{{'use strict';{code}}})();"
    return texts


@cache
def build(widgets: tuple[Widget, ...] = WIDGETS, root: Path | None = None) -> Build:
    """Every file of a registry of widgets and the loader that names them (built once each).

    ``root`` is the folder of the loader, the shared helpers and the icons (``widgets/``);
    each widget's own files are in its ``home``, by default the same folder.
    """
    root = root or widgets_root()
    names = [widget.name for widget in widgets]
    if len(set(names)) != len(names):
        raise BuildError(f"two widgets of one name: {names}")
    env = Environment(
        directory=str(root), url="/v1/assets", cache=False, manifest=False, auto_build=False
    )
    # Each script keeps its one-line "/*! Social Widget Kit ... */" name for shops' devtools.
    env.config["RJSMIN_KEEP_BANG_COMMENTS"] = True
    texts = {widget: _widget_texts(env, root, widget) for widget in widgets}
    # One hash of every widget's name and files: a release that changes any of them renames
    # them all (a page then loads its widgets afresh once), and the loader names no widget.
    digest = hashlib.sha256()
    for widget, by_lang in texts.items():
        for lang in LANGUAGES:
            digest.update(f"{widget.name}\0{lang}\0{by_lang[lang]}\0".encode())
    version = digest.hexdigest()[:12]
    built: dict[str, Asset] = {}
    for widget, by_lang in texts.items():
        for lang, text in by_lang.items():
            name = f"{widget.name}.{version}.{lang}.js"
            built[name] = Asset.of(name, text, widget.budget)
    loader = _put(
        _minified(env, root / "js" / "loader.js", "rjsmin"), version=version, langs=LANGUAGES
    )
    return Build(loader=Asset.of("loader.js", loader, LOADER_BUDGET), version=version, files=built)
