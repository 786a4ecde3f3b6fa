"""``GET /v1/sites/{key}/stats``: the stats page's figures for plugins, signed like conversions."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from .. import stats
from ..core.db import db
from ..sites.settings import effective
from ..web.errors import ApiError
from . import bp
from .signed import signed_site_at


@bp.get("/sites/<key>/stats")
def site_stats(key: str) -> Response:
    # A GET has no body; the signature covers an empty one.
    site, _ = signed_site_at(db.session, key, 0)
    tz = effective(site.settings)["timezone"]
    try:
        period = stats.Period.parse(_arg("from"), _arg("to"), tz)
    except stats.PeriodError as exc:
        raise ApiError(400, "invalid_period", str(exc)) from None
    body: dict[str, Any] = {
        "site": site.public_key,
        **stats.as_json(stats.report(db.session, site, period)),
    }
    return jsonify(body)


def _arg(name: str) -> str:
    value = request.args.get(name)
    if value is None:
        raise ApiError(400, "invalid_period", f"{name} is missing: give a date such as 2026-05-01.")
    return value


@bp.after_request
def never_cache_stats(response: Response) -> Response:
    """A site's figures are for its owner only: no shared cache may keep them."""
    if request.endpoint == "api.site_stats":
        response.headers["Cache-Control"] = "private, no-store"
    return response
