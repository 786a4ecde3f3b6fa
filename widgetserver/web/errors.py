"""One error shape for the whole API, produced by one handler, and the status of each reason.

API clients (everything under ``/v1`` and the health checks, or anyone who prefers JSON) get
``{"error": "machine_word", "message": "A sentence for people."}`` plus, where it helps,
``"details"``. Browsers on other pages get a small HTML page with the same words.

Two kinds of error arrive here. Domain code raises ``core.errors.DomainError`` with a reason and
no status; ``STATUS`` below is the one table that says what each reason is in HTTP. Web code
raises ``ApiError`` with a status of its own: for refusals of the HTTP layer (a body too large,
a bad signature header) and where one reason means another status on one surface - a signed
request from an unknown site is ``401 unknown_site`` (``api/signed.py``) where a browser's is
``404``, and a bad conversion token is ``403`` where a bad request signature is ``401``.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..core.errors import DomainError

log = logging.getLogger("widgetserver")

#: The HTTP status of every reason domain code raises (``core.errors.declared()``).
STATUS: dict[str, int] = {
    # orders: a report that cannot be used, or one that contradicts the stored order
    "invalid_field": 400,
    "token_mismatch": 400,
    "currency_mismatch": 409,
    "status_regression": 409,
    "refund_regression": 409,
    # sites: what browsers are refused, and what owners and operators typed
    "unknown_site": 404,
    "origin_not_allowed": 403,
    "invalid_input": 400,
    "grace_running": 409,
    "rotation_conflict": 409,
    # referrals: the claims of a verified referrer token cannot be used
    "invalid_referrer": 400,
    # rewards: hand-outs, pools, friends' offers
    "reward_not_found": 404,
    "reward_not_due": 409,
    "pool_empty": 409,
    "invalid_pool": 400,
    "no_offer": 404,
    "offer_exhausted": 409,
}
#: A reason missing from ``STATUS`` is still the client's request refused, not our failure.
UNMAPPED_STATUS = 400

_API_PREFIXES = ("/v1/", "/healthz", "/readyz")


class ApiError(Exception):
    """A refusal with its own HTTP status, raised by web code (``api/``, ``web/``) in a request.

    Domain code raises ``DomainError`` instead; ``of`` turns one into the other where web code
    needs the HTTP form (ingest's ``Refused``).
    """

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details
        #: Seconds after which the request may succeed (a rate limit): the ``Retry-After`` header.
        self.retry_after = retry_after

    @classmethod
    def of(cls, exc: DomainError) -> Self:
        """The answer to a domain refusal, with the status ``STATUS`` gives its reason."""
        return cls(status_for(exc.reason), exc.reason, exc.message, exc.details)


class Refused(ApiError):
    """A browser request refused as a whole (ingest counts these under ``error``)."""


def status_for(reason: str) -> int:
    """The HTTP status of a domain reason; an unmapped one is a 400, with a warning logged."""
    status = STATUS.get(reason)
    if status is None:
        log.warning("the reason %r has no HTTP status in web.errors.STATUS: answering 400", reason)
        return UNMAPPED_STATUS
    return status


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
        response = error_response(exc.status, exc.error, exc.message, exc.details)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return error_response(status_for(exc.reason), exc.reason, exc.message, exc.details)

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
