"""The one blueprint of the owners' pages (its views live in the modules beside it)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
