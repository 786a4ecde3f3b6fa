"""The embed assets: ``/v1/loader.js`` (the stable URL in every snippet) and the widget files.

The loader is revalidated every few minutes so a fix reaches every shop quickly; widget files
are named by their content and cached for a year. Both come compressed (brotli or gzip, as the
browser accepts) and are loaded by ``<script>`` tags, which need no CORS.

The loader asks for any widget a container names: one this build does not have, asked for by
the build's own hash, is a 404 cached as long as the loader, so a container naming it costs a
page one request every few minutes, not one on every page.

The app builds the widgets of its ``EMBED_WIDGETS`` setting (a tuple of ``registry.Widget``;
by default ``registry.WIDGETS``) once, at start.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from ..web.errors import error_response
from . import assets, registry

bp = Blueprint("embed", __name__, url_prefix="/v1")

#: Browsers revalidate the loader every few minutes, so a fix reaches every shop quickly.
LOADER_MAX_AGE = 300
#: Content-named files never change: a year, and no revalidation.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600


def _build() -> assets.Build:
    build: assets.Build = current_app.extensions["embed"]
    return build


def _encoding() -> str | None:
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted.quality(encoding) > 0:
            return encoding
    return None


def _serve(asset: assets.Asset, max_age: int, *, immutable: bool = False) -> Response:
    encoding = _encoding()
    response = Response(asset.encoded(encoding), mimetype="text/javascript")
    if encoding:
        response.content_encoding = encoding
    response.vary.add("Accept-Encoding")
    # One tag per encoding: the bytes differ, and caches must not mix them up.
    response.set_etag(f"{asset.etag}-{encoding or 'raw'}")
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/loader.js")
def loader() -> Response:
    return _serve(_build().loader, LOADER_MAX_AGE)


def _not_found(*, cacheable: bool) -> Response:
    response = error_response(404, "not_found", "This server has no such widget file.")
    if cacheable:  # only the next release can add it: cached no longer than the loader
        response.cache_control.public = True
        response.cache_control.max_age = LOADER_MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/assets/<name>")
def widget(name: str) -> Response:
    found = _build().widget_file(name)
    if found is None:
        return _not_found(cacheable=_build().lacks(name))
    asset, current = found
    if current:
        return _serve(asset, IMMUTABLE_MAX_AGE, immutable=True)
    return _serve(asset, LOADER_MAX_AGE)


def init_app(app: Flask) -> None:
    widgets = tuple(app.config.get("EMBED_WIDGETS", registry.WIDGETS))
    # A broken widget source fails at start, not on a visitor's request.
    app.extensions["embed"] = assets.build(widgets)
    app.register_blueprint(bp)
