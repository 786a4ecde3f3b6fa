"""The browser assets, built once per process from ``widgets/``: minified, compressed, hashed.

The pipeline: webassets bundles minify the scripts (rjsmin) and the style sheet (rcssmin), pure
Python, so no Node is needed to run the server. A widget is one script per language: its code
with that language's strings, the icons and the CSS put in, so a page loads exactly one file
per widget. Widget files are named by a hash of their content and cached for a year; the loader,
whose address is in every shop's snippet and so never changes, carries those hashes and is
revalidated every few minutes. Each file is kept raw, gzip- and brotli-compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import brotli
from webassets import Bundle, Environment

from ..sites.settings import LANGUAGES

#: The widgets a container can ask for with ``data-swk``, each built from ``js/<name>.js``.
WIDGETS: tuple[str, ...] = ("share",)

#: Size budgets in gzipped bytes (``make size`` prints them; tests enforce them): the loader,
#: and each widget's file for one language, with its CSS and icons.
LOADER_BUDGET = 2 * 1024
WIDGET_BUDGETS: dict[str, int] = {"share": 6 * 1024}


@dataclass(frozen=True)
class Asset:
    """One built file in its three encodings."""

    name: str
    raw: bytes
    gzip: bytes
    brotli: bytes
    etag: str

    @classmethod
    def of(cls, name: str, text: str) -> Asset:
        raw = text.encode()
        return cls(
            name=name,
            raw=raw,
            gzip=gzip.compress(raw, 9, mtime=0),
            brotli=brotli.compress(raw, quality=11),
            etag=hashlib.sha256(raw).hexdigest()[:20],
        )

    def encoded(self, encoding: str | None) -> bytes:
        return {"br": self.brotli, "gzip": self.gzip}.get(encoding or "", self.raw)


@dataclass(frozen=True)
class Build:
    loader: Asset
    #: widget -> the content hash in its file names
    versions: dict[str, str]
    #: "share.<hash>.<lang>.js" -> the file
    files: dict[str, Asset]

    def widget_file(self, name: str) -> tuple[Asset, bool] | None:
        """The file for a requested name, and whether the name is the current one.

        A page whose loader is a few minutes old may ask for the previous hash: it gets the
        current file (not a 404: an installed snippet never breaks), just not cached for long.
        """
        if name in self.files:
            return self.files[name], True
        parts = name.split(".")
        if len(parts) == 4 and parts[0] in self.versions and parts[3] == "js":
            current = f"{parts[0]}.{self.versions[parts[0]]}.{parts[2]}.js"
            if current in self.files:
                return self.files[current], False
        return None


def _root() -> Path:
    return Path(str(files("widgetserver.widgets")))


def _minified(env: Environment, source: str, filters: str) -> str:
    out = io.StringIO()
    # The output name is nominal: the result is written to `out`, never to disk.
    Bundle(source, filters=filters, output=f"built/{source}", env=env).build(output=out, force=True)
    return out.getvalue()


def _put(template: str, **values: object) -> str:
    """Fill the ``__SWK_NAME__`` placeholders of a minified script with JSON literals."""
    for key, value in values.items():
        marker = f"__SWK_{key.upper()}__"
        if marker not in template:
            raise RuntimeError(f"the script has no {marker}")
        template = template.replace(marker, json.dumps(value, separators=(",", ":")))
    return template


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def build() -> Build:
    root = _root()
    env = Environment(
        directory=str(root), url="/v1/assets", cache=False, manifest=False, auto_build=False
    )
    # Each script keeps its one-line "/*! Social Widget Kit ... */" name for shops' devtools.
    env.config["RJSMIN_KEEP_BANG_COMMENTS"] = True
    css = _minified(env, "css/share.css", "rcssmin")
    icons = {
        name: [icon["name"], icon["colour"], icon["path"]]
        for name, icon in _read_json(root / "icons" / "icons.json").items()
    }
    built: dict[str, Asset] = {}
    versions: dict[str, str] = {}
    for widget in WIDGETS:
        script = _minified(env, f"js/{widget}.js", "rjsmin")
        texts = {
            lang: _put(
                script,
                strings=_read_json(root / "i18n" / f"{lang}.json"),
                icons=icons,
                css=css,
            )
            for lang in LANGUAGES
        }
        digest = hashlib.sha256("\0".join(texts[lang] for lang in LANGUAGES).encode())
        versions[widget] = digest.hexdigest()[:12]
        for lang, text in texts.items():
            name = f"{widget}.{versions[widget]}.{lang}.js"
            built[name] = Asset.of(name, text)
    loader = _put(_minified(env, "js/loader.js", "rjsmin"), assets=versions, langs=LANGUAGES)
    return Build(loader=Asset.of("loader.js", loader), versions=versions, files=built)
