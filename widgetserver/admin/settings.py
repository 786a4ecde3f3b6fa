"""A site's settings page, its install snippet, and rotating its key and secret."""

from __future__ import annotations

import hmac
from datetime import timedelta
from zoneinfo import available_timezones

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..core import clock, signing
from ..core.db import db
from ..core.errors import DomainError
from ..models import Site
from ..rewards import coupons
from ..sites import GraceRunning, RotationConflict, embed_snippet, rotate_key, rotate_secret
from ..sites import settings as sitesettings
from ..web.publicurl import public_url
from . import i18n, labels, pools, preview, settingsform
from .auth import site_for
from .blueprint import bp

#: The grace periods offered when rotating the secret, in hours.
GRACE_HOURS = (0, 1, 24, 168)
_GRACE_VALUES = frozenset(str(hours) for hours in GRACE_HOURS)
#: The longest confirmation read: a rotation count, a dot and a digest.
_CONFIRM_LENGTH = 64


#: The widgets' languages with their own names, for texts per language.
_LANGUAGES = [
    (lang, words)
    for lang, words in sitesettings.REGISTRY.settings["lang"].field.choices  # type: ignore[union-attr]
    if lang != "auto"
]


def change_delay() -> int:
    """Seconds until every visitor sees a change: the workers' site cache plus the browsers'."""
    config = current_app.config
    return int(config["SITE_CACHE_SECONDS"]) + int(config["CONFIG_MAX_AGE"])


def _page(
    site: Site,
    draft: settingsform.Draft,
    status: int = 200,
    pool_errors: dict[str, str] | None = None,
) -> Response:
    lang = preview.choose_lang(request.args.get("preview"), site.settings, i18n.current_lang())
    page = render_template(
        "admin/settings.html",
        site=site,
        draft=draft,
        blocks=sitesettings.form(),
        timezones=sorted(available_timezones()),
        languages=_LANGUAGES,
        snippet=embed_snippet(public_url(), site),
        delay=change_delay(),
        labels=labels,
        pools=pools.pools(db.session, site),
        pool_errors=pool_errors or {},
        low=coupons.LOW,
        max_mib=coupons.MAX_BYTES // 1024 // 1024,
        max_codes=coupons.MAX_CODES,
        preview=preview.preview(site.settings, lang),
    )
    return Response(page, status=status, mimetype="text/html")


@bp.get("/sites/<int:site_id>/settings")
def settings(site_id: int) -> ResponseReturnValue:
    site = site_for(site_id)
    return _page(site, settingsform.from_site(site))


@bp.post("/sites/<int:site_id>/settings")
def save_settings(site_id: int) -> ResponseReturnValue:
    site = site_for(site_id)
    draft = settingsform.read(request.form)
    instruction = request.form.get("move")
    if instruction:
        if settingsform.move(draft, instruction):
            flash(_("Order changed. Save the settings to keep it."), "info")
        return _page(site, draft)
    if not settingsform.check(draft):
        return _page(site, draft, status=422)
    with db.writing() as session:
        stored = session.get(Site, site.id)
        assert stored is not None
        stored.name = draft.name
        stored.origins = draft.clean_origins
        stored.settings = {**(stored.settings or {}), **draft.clean_settings}
        stored.updated_at = clock.now()
    flash(
        _("Saved. Visitors see the change within %(seconds)d seconds.")
        % {"seconds": change_delay()},
        "success",
    )
    return redirect(url_for("admin.settings", site_id=site.id), code=303)


@bp.post("/sites/<int:site_id>/coupons/<pool>")
def upload_coupons(site_id: int, pool: str) -> ResponseReturnValue:
    """Add an upload of codes to a pool; a refusal stands beside the form, nothing added."""
    site = site_for(site_id)
    if pool not in coupons.POOLS:
        abort(404)
    try:
        upload = pools.read_upload(request)
        with db.writing() as session:
            added = coupons.add(session, site.id, pool, upload, clock.now())
    except pools.UploadRefused as refused:
        error = pools.refusal(refused.problem)
        return _page(site, settingsform.from_site(site), 422, {pool: error})
    except DomainError as refused:
        error = pools.refusal(refused)
        return _page(site, settingsform.from_site(site), 422, {pool: error})
    flash(
        _(
            "%(pool)s: %(added)s added, %(duplicates)s duplicates skipped, %(remaining)s "
            "remaining.",
            pool=pools.NAMES[pool],
            added=i18n.number(added.added),
            duplicates=i18n.number(added.duplicates),
            remaining=i18n.number(added.remaining),
        ),
        "success",
    )
    return redirect(url_for("admin.settings", site_id=site.id, _anchor=f"pool-{pool}"), code=303)


def _confirmation(site: Site) -> str:
    """The rotate page's confirmation: the site's rotation count, signed for this site.

    It works once: the replacement it confirms raises the count (``sites.rotate_secret``), and
    of parallel requests carrying it only one can, in the database.
    """
    digest = signing.keyed_digest(
        current_app.config["SECRET_KEY"], "rotate-confirm", f"{site.id}.{site.rotation}"
    )
    return f"{site.rotation}.{digest}"


def _confirmed_rotation(site: Site, given: str) -> int | None:
    """The rotation count a confirmation of this site carries, or None for anything else."""
    count, _dot, digest = given[:_CONFIRM_LENGTH].partition(".")
    if not count.isascii() or not count.isdigit() or len(count) > 9:
        return None
    seen = int(count)
    expected = signing.keyed_digest(
        current_app.config["SECRET_KEY"], "rotate-confirm", f"{site.id}.{seen}"
    )
    return seen if hmac.compare_digest(expected, digest) else None


def _rotate_page(site: Site, error: str | None = None, status: int = 200) -> Response:
    page = render_template(
        "admin/rotate.html",
        site=site,
        grace_hours=GRACE_HOURS,
        confirm=_confirmation(site),
        error=error,
    )
    return Response(page, status=status, mimetype="text/html")


def _already_used(site: Site) -> Response:
    message = _(
        "This confirmation was already used: since this page was opened, the secret or the site "
        "key was replaced (by the first click of a double click, in another tab, or on the "
        "command line), and only the secret or snippet shown then works. This request did not "
        "replace it again. If you did not see the new one, replace it once more below."
    )
    return _rotate_page(site, message, 409)


@bp.get("/sites/<int:site_id>/rotate")
def rotate(site_id: int) -> ResponseReturnValue:
    return _rotate_page(site_for(site_id))


@bp.post("/sites/<int:site_id>/rotate")
def rotate_confirmed(site_id: int) -> ResponseReturnValue:
    site = site_for(site_id)
    what = request.form.get("what")
    raw_grace = request.form.get("grace_hours", "0")
    grace = int(raw_grace) if raw_grace in _GRACE_VALUES else -1
    if what not in ("secret", "key") or (what == "secret" and grace not in GRACE_HOURS):
        return _rotate_page(site, status=422)
    seen = _confirmed_rotation(site, request.form.get("confirm", ""))
    if seen is None:
        return _already_used(site)
    now = clock.now()
    secret = None
    try:
        with db.writing() as session_db:
            session_db.refresh(site)  # as stored now, under the write lock (SQLite)
            if what == "secret":
                hours = timedelta(hours=grace)
                secret = rotate_secret(session_db, site, grace=hours, now=now, seen=seen)
            else:
                rotate_key(session_db, site, now=now, seen=seen)
    except RotationConflict:
        db.session.refresh(site)  # as the replacement that came first left it
        return _already_used(site)
    except GraceRunning as running:
        message = _(
            "The old secret still works until %(until)s. Replace the secret again after "
            "that, or choose to stop the old secrets at once; nothing was changed."
        ) % {"until": i18n.moment(running.until, site.settings.get("timezone") or "UTC")}
        return _rotate_page(site, message, 409)
    # Shown this once, never again: the answer is not stored by any cache (see gate.py).
    return render_template(
        "admin/rotated.html",
        site=site,
        what=what,
        secret=secret,
        grace=grace,
        snippet=embed_snippet(public_url(), site),
    )
