"""Publicly cacheable answers: an ETag from the content, a max-age, revalidation by browsers."""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request


def cacheable(
    body: bytes, mimetype: str, max_age: int, *, names_this_server: bool = False
) -> Response:
    """A ``public`` response that answers ``If-None-Match`` with 304.

    ``names_this_server``: the body contains the server's own address, which comes from the
    request's ``Host`` unless ``WIDGETSERVER_PUBLIC_URL`` is set - then caches must key on it.
    """
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if names_this_server and not current_app.config["PUBLIC_URL"]:
        response.vary.add("Host")
    return response.make_conditional(request)
