"""``GET /v1/sites/{key}/config``: what the widgets of a site need to know, publicly cacheable."""

from __future__ import annotations

import json

from flask import Response, current_app

from .. import sites
from ..sites import settings as sitesettings
from ..web.errors import ApiError
from ..web.httpcache import cacheable
from ..web.publicurl import public_url
from . import bp


@bp.get("/sites/<key>/config")
def site_config(key: str) -> Response:
    site = sites.lookup(key)
    if site is None:
        raise ApiError(404, "unknown_site", "No active site has this public key.")
    # Every public setting, placed where the registry says (``sites.settings.public``).
    body = {
        **sitesettings.public(site.settings),
        "site": site.public_key,
        "endpoint": public_url(),
    }
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    max_age = current_app.config["CONFIG_MAX_AGE"]
    return cacheable(payload, "application/json", max_age, names_this_server=True)
