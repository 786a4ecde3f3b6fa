"""Owners logging in and out, who is logged in, and which sites they may see.

Passwords are checked with werkzeug (``sites.create_owner`` hashes them) and re-hashed at
login when the stored hash was made with older parameters. A login starts a new session (no
fixation: nothing of the anonymous session survives but the chosen language), bound to the
owner's password hash and session epoch: changing a password ends every other session, and
logging out raises the epoch, which ends every session of the owner on every device (a copied
cookie stops working too).

Failed logins are limited (``ratelimit``) per account from one client, per account and per
client: an attempt past a limit is refused without being counted; any other is counted before
the password is checked, in the same write transaction that reads the counts, so parallel
attempts cannot slip past the limit. Refused or not, a known and an unknown address take the
same path.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import clock, signing
from ..core.db import db
from ..models import Owner, Site
from ..sites import find_owner
from ..web import requestinfo
from . import csrf, ratelimit
from .blueprint import bp
from .i18n import safe_next

_OWNER = "owner"
_BINDING = "auth"
_SINCE = "since"
#: Site ids are 32-bit on PostgreSQL; larger ones cannot exist (and must not reach the query).
_MAX_ID = 2**31 - 1


@cache
def _dummy_hash() -> str:
    """Compared against when nobody has the e-mail address, so both answers take as long."""
    return generate_password_hash("not a password of anyone")


def _outdated(stored: str) -> bool:
    """Hashes made with other parameters than werkzeug's current default are renewed."""
    return not stored.startswith(_dummy_hash().split("$", 1)[0] + "$")


def _binding(owner: Owner) -> str:
    secret = current_app.config["SECRET_KEY"]
    return signing.keyed_digest(
        secret, "owner-session", f"{owner.id}.{owner.session_epoch}.{owner.password_hash}"
    )


def current_owner() -> Owner | None:
    """The logged-in owner of this request, or None (also for an expired session)."""
    if "admin_owner" in g:
        return g.admin_owner  # type: ignore[no-any-return]
    owner = None
    owner_id, since = session.get(_OWNER), session.get(_SINCE)
    if isinstance(owner_id, int) and isinstance(since, int | float):
        hours = current_app.config["ADMIN_SESSION_HOURS"]
        fresh = clock.now().timestamp() - since < timedelta(hours=hours).total_seconds()
        found = db.session.get(Owner, owner_id) if fresh else None
        if found is not None and found.password_hash and session.get(_BINDING) == _binding(found):
            owner = found
    g.admin_owner = owner
    return owner


def require_owner() -> Owner:
    owner = current_owner()
    if owner is None:  # the gate redirects before any view runs; this is for the type checker
        abort(401)
    return owner


def visible_sites(owner: Owner) -> list[Site]:
    query = select(Site).options(selectinload(Site.owner)).order_by(Site.name, Site.id)
    if not owner.is_admin:
        query = query.where(Site.owner_id == owner.id)
    return list(db.session.scalars(query))


def site_for(site_id: int) -> Site:
    """The site if the logged-in owner may see it; 404 otherwise, so ids are not confirmed."""
    owner = require_owner()
    if not 1 <= site_id <= _MAX_ID:
        abort(404)
    site = db.session.get(Site, site_id)
    if site is None or not (owner.is_admin or site.owner_id == owner.id):
        abort(404)
    return site


def _start_session(owner: Owner) -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[_OWNER] = owner.id
    session[_BINDING] = _binding(owner)
    session[_SINCE] = int(clock.now().timestamp())
    csrf.renew()
    g.pop("admin_owner", None)


def _login_page(email: str = "", error: str | None = None, status: int = 200) -> Response:
    page = render_template("admin/login.html", email=email, error=error, next=_next())
    return Response(page, status=status, mimetype="text/html")


def _next() -> str:
    return safe_next(request.values.get("next"), url_for("admin.sites"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        if current_owner() is not None:
            return redirect(_next())
        return _login_page()
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1024]
    now = clock.now()
    keys = ratelimit.keys(email, requestinfo.client_ip())
    wait = ratelimit.check(db.session, keys, now)
    if wait is None:
        try:
            with db.writing() as writing:
                ratelimit.count_attempt(writing, keys, now)
        except ratelimit.TooMany as refused:
            wait = refused.seconds
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        message = _("Too many failed attempts. Please try again in %(minutes)d minutes.")
        response = _login_page(email, message % {"minutes": minutes}, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    # No address has control characters (and PostgreSQL refuses NUL): a failed login.
    usable = bool(email) and not any(ord(c) < 32 or ord(c) == 127 for c in email)
    owner = find_owner(db.session, email) if usable else None
    stored = owner.password_hash if owner is not None else None
    if not check_password_hash(stored or _dummy_hash(), password) or owner is None or not stored:
        return _login_page(email, _("The e-mail address or the password is not right."))
    with db.writing() as writing:
        owner = writing.get(Owner, owner.id)
        assert owner is not None
        if _outdated(stored):
            owner.password_hash = generate_password_hash(password)
        ratelimit.forget_success(writing, keys, now)
    _start_session(owner)
    return redirect(_next(), code=303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    owner = current_owner()
    if owner is not None:
        # Ends this session on every device, also copies of the cookie.
        with db.writing() as writing:
            stored = writing.get(Owner, owner.id)
            if stored is not None:
                stored.session_epoch = (stored.session_epoch or 0) + 1
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("admin_owner", None)
    return redirect(url_for("admin.login"), code=303)
