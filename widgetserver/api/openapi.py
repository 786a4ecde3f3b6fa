"""``GET /v1/openapi.json``: the OpenAPI 3 description of the public API.

The document is written by hand in ``openapi.yaml`` (it is the contract, not a by-product) and
the test suite checks the server against it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from flask import Response, current_app, request

from ..publicurl import public_url
from . import bp


@cache
def document() -> dict[str, Any]:
    text = (files("widgetserver.api") / "openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    doc = {**document(), "servers": [{"url": public_url()}]}
    response = Response(json.dumps(doc, indent=1), mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    if not current_app.config["PUBLIC_URL"]:
        response.vary.add("Host")  # its server URL comes from the request
    return response.make_conditional(request)
