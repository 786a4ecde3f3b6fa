"""``GET /v1/openapi.json``: the OpenAPI 3 description of the public API.

The document is written by hand in ``openapi.yaml`` (it is the contract, not a by-product) and
the test suite checks the server against it.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import yaml
from flask import Response

from ..web.httpcache import cacheable
from ..web.publicurl import public_url
from . import bp


@cache
def document() -> dict[str, Any]:
    text = (files("widgetserver.api") / "openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=16)
def _serialised(server_url: str) -> bytes:
    return json.dumps({**document(), "servers": [{"url": server_url}]}, indent=1).encode()


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return cacheable(_serialised(public_url()), "application/json", 3600, names_this_server=True)
