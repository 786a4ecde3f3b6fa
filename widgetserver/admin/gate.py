"""What every request to the owners' pages passes: CSRF, login, and careful headers."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..rewards import coupons
from . import csrf
from .auth import current_owner
from .blueprint import bp

#: Endpoints anyone may reach (everything else needs a logged-in owner).
OPEN = frozenset({"admin.login", "admin.language", "admin.static"})

#: The pages load nothing but their own stylesheet and script; nobody may frame them.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


#: Endpoints whose body may be larger than ``MAX_CONTENT_LENGTH``: a coupon upload of up to
#: ``coupons.MAX_BYTES`` and the form around it (its limit in nginx is the same).
UPLOADS = frozenset({"admin.upload_coupons"})
UPLOAD_BYTES = coupons.MAX_BYTES + 64 * 1024


@bp.before_request
def _gate() -> ResponseReturnValue | None:
    if request.endpoint in UPLOADS:
        # Set before the CSRF check reads the form; a pasted upload is one form field.
        request.max_content_length = UPLOAD_BYTES
        request.max_form_memory_size = UPLOAD_BYTES
    refused = csrf.rejected()
    if refused is not None:
        return refused
    if request.endpoint in OPEN or current_owner() is not None:
        return None
    if request.method == "GET":
        # Behind a proxy with a path prefix the page is under request.script_root.
        here = request.script_root + request.full_path.rstrip("?")
        return redirect(url_for("admin.login", next=here))
    return redirect(url_for("admin.login"), code=303)


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "admin.static":
        # Figures and secrets are private: no shared cache, no back-button copy of a secret.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


@bp.context_processor
def _template_globals() -> dict[str, object]:
    return {"csrf_token": csrf.token, "current_owner": current_owner}


@bp.errorhandler(404)
def _not_found(_exc: Exception) -> ResponseReturnValue:
    # The same page whether the site does not exist or belongs to someone else.
    return render_template("admin/not_found.html"), 404
