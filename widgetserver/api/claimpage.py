"""``GET /r/<claim>``: the private page of an anonymous referral link, with its results.

Whoever holds the claim link sees the link and what it brought so far; there is no account,
no e-mail address and no cookie (sessions exist only under ``/admin``, ``web/sessions.py``).
The page is personal: no cache keeps it, no search engine lists it, and the browser sends no
``Referer`` with the secret in it when the visitor follows a link from it.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from .. import referrals
from ..core.db import db
from ..models import Site
from ..sites.settings import effective

bp = Blueprint("claim", __name__, url_prefix="/r")

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@bp.get("/<path:claim>")
def claim_page(claim: str) -> tuple[str, int]:
    code = referrals.claims.find(db.session, current_app.config["SECRET_KEY"], claim)
    site = db.session.get(Site, code.site_id) if code is not None else None
    if code is None or site is None or not site.active:
        return render_template("claim_unknown.html"), 404
    page = code.url or (site.origins[0] + "/" if site.origins else "")
    return render_template(
        "claim.html",
        site_name=site.name,
        link=referrals.tracked(page, code.code, effective(site.settings)),
        results=referrals.claims.results(db.session, code),
        created_at=code.created_at,
    ), 200


@bp.after_request
def keep_it_private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response
