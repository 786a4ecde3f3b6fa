"""One error shape for the whole API, produced by one handler.

API clients (everything under ``/v1`` and the health checks, or anyone who prefers JSON) get
``{"error": "machine_word", "message": "A sentence for people."}`` plus, where it helps,
``"details"``. Browsers on other pages get a small HTML page with the same words.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("widgetserver")

_API_PREFIXES = ("/v1/", "/healthz", "/readyz")


class ApiError(Exception):
    """Raise anywhere in a request to answer with the error shape."""

    def __init__(
        self, status: int, error: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details


class Refused(ApiError):
    """A browser request refused as a whole (ingest counts these under ``error``)."""


def _wants_json() -> bool:
    if request.path.startswith(_API_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(
    status: int, error: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    if _wants_json():
        body: dict[str, Any] = {"error": error, "message": message}
        if details:
            body["details"] = details
        response = jsonify(body)
    else:
        response = Response(
            render_template("error.html", status=status, error=error, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def _http_error_word(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.error, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = error_response(
            exc.code or 500, _http_error_word(exc), exc.description or exc.name
        )
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> Response:
        log.error("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
        response = error_response(
            503, "storage_unavailable", "The database cannot be reached; nothing was stored."
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "Something went wrong on our side; nothing was stored."
        )
