"""Health endpoints for load balancers: ``/healthz`` (alive) and ``/readyz`` (can serve)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..core import migrate
from ..core.db import db

bp = Blueprint("health", __name__)
log = logging.getLogger("widgetserver")


@bp.get("/healthz")
def alive() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def ready() -> tuple[Response, int]:
    """Ready when the database answers and its schema is the one this code expects."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = migrate.current_revision(connection)
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", exc.__class__.__name__)
        return jsonify(error="database_unavailable", message="The database does not answer."), 503
    if current != migrate.head_revision():
        return jsonify(
            error="schema_outdated",
            message="The database schema is not up to date; run `widgetserver db upgrade`.",
        ), 503
    return jsonify(status="ready", schema=current), 200


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
