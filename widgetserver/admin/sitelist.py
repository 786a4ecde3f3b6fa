"""``/admin/``: the owner's sites (an admin sees every site, with its owner)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from .auth import require_owner, visible_sites
from .blueprint import bp


@bp.get("/")
def sites() -> ResponseReturnValue:
    owner = require_owner()
    return render_template("admin/sites.html", owner=owner, sites=visible_sites(owner))
