"""The embed assets: ``/v1/loader.js``, the one stable URL a shop's snippet points at."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import rjsmin
from flask import Blueprint, Flask, Response

from .httpcache import cacheable

bp = Blueprint("embed", __name__, url_prefix="/v1")

#: Browsers revalidate the loader every few minutes, so a fix reaches every shop quickly.
LOADER_MAX_AGE = 300


@cache
def _asset(name: str) -> bytes:
    """The minified script (rjsmin, pure Python: no Node at run time)."""
    source = (files("widgetserver.widgets") / "js" / name).read_text(encoding="utf-8")
    return rjsmin.jsmin(source, keep_bang_comments=True).encode()


@bp.get("/loader.js")
def loader() -> Response:
    response = cacheable(_asset("loader.js"), "text/javascript", LOADER_MAX_AGE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
