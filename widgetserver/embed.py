"""The embed assets: ``/v1/loader.js``, the one stable URL a shop's snippet points at."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

import rjsmin
from flask import Blueprint, Flask, Response, request

bp = Blueprint("embed", __name__, url_prefix="/v1")

#: Browsers revalidate the loader every few minutes, so a fix reaches every shop quickly.
LOADER_MAX_AGE = 300


@cache
def _asset(name: str) -> tuple[bytes, str]:
    """The minified script (rjsmin, pure Python: no Node at run time) and its ETag."""
    source = (files("widgetserver.widgets") / "js" / name).read_text(encoding="utf-8")
    body = rjsmin.jsmin(source, keep_bang_comments=True).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


@bp.get("/loader.js")
def loader() -> Response:
    body, etag = _asset("loader.js")
    response = Response(body, mimetype="text/javascript")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = LOADER_MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
