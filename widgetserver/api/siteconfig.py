"""``GET /v1/sites/{key}/config``: what the widgets of a site need to know, publicly cacheable."""

from __future__ import annotations

import json

from flask import Response, current_app

from .. import sites
from ..web.errors import ApiError
from ..web.httpcache import cacheable
from ..web.publicurl import public_url
from . import bp


@bp.get("/sites/<key>/config")
def site_config(key: str) -> Response:
    site = sites.lookup(key)
    if site is None:
        raise ApiError(404, "unknown_site", "No active site has this public key.")
    s = site.settings
    body = {
        "site": site.public_key,
        "endpoint": public_url(),
        "networks": s["networks"],
        "layout": s["layout"],
        "theme": s["theme"],
        "colours": s["colours"],
        "lang": s["lang"],
        "storage_mode": s["storage_mode"],
        "consent_required": s["consent_required"],
        "ref_param": s["ref_param"],
        "utm": {"enabled": s["utm_enabled"], "campaign": s["utm_campaign"]},
        "attribution_window_days": s["attribution_window_days"],
    }
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    max_age = current_app.config["CONFIG_MAX_AGE"]
    return cacheable(payload, "application/json", max_age, names_this_server=True)
