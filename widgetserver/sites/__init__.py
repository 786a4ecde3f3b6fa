"""Owners and sites: creating them, finding them by public key, rotating their secrets."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..core import clock, signing
from ..core.db import db
from ..models import Owner, Site
from ..web.errors import Refused
from .settings import effective

_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class InputError(ValueError):
    """Something an operator or owner typed that cannot be used as it is."""


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InputError(f"{value!r} is not an e-mail address")
    return email


def normalise_origin(value: str) -> str:
    """``HTTPS://Shop.Example:443/any/path`` -> ``https://shop.example``."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(f"{value!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{value!r} must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise InputError(f"{value!r} must not contain a user name or password")
    host = (
        parts.hostname.encode("idna").decode("ascii")
        if not parts.hostname.isascii()
        else parts.hostname
    )
    default = 443 if parts.scheme == "https" else 80
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host.lower()}" + (f":{port}" if port and port != default else "")


def create_owner(
    session: Session, email: str, *, password: str | None, is_admin: bool, now: datetime
) -> Owner:
    email = normalise_email(email)
    if session.scalar(select(Owner.id).where(Owner.email == email)) is not None:
        raise InputError(f"an owner with the e-mail {email} exists already")
    owner = Owner(
        email=email,
        password_hash=generate_password_hash(password) if password else None,
        is_admin=is_admin,
        created_at=now,
    )
    session.add(owner)
    session.flush()
    return owner


def find_owner(session: Session, email: str) -> Owner | None:
    return session.scalar(select(Owner).where(Owner.email == email.strip().lower()))


def create_site(
    session: Session, owner: Owner, name: str, origins: list[str], *, now: datetime
) -> Site:
    name = name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise InputError("the site name must be 1-200 printable characters")
    if not origins:
        raise InputError("a site needs at least one shop origin (--origin https://shop.example)")
    clean = list(dict.fromkeys(normalise_origin(o) for o in origins))
    site = Site(
        owner=owner,
        name=name,
        public_key=signing.new_public_key(),
        secret=signing.new_secret(),
        origins=clean,
        settings={},
        created_at=now,
        updated_at=now,
    )
    session.add(site)
    session.flush()
    return site


#: What ``signing.new_public_key`` makes; anything else is not looked up at all.
PUBLIC_KEY = re.compile(r"pk_[A-Za-z0-9_-]{20}")


def valid_key(public_key: object) -> bool:
    return isinstance(public_key, str) and PUBLIC_KEY.fullmatch(public_key) is not None


def by_key(session: Session, public_key: object) -> Site | None:
    """The active site with this public key, or None (also for malformed keys)."""
    if not valid_key(public_key):
        return None
    return session.scalar(select(Site).where(Site.public_key == public_key, Site.active))


@dataclass(frozen=True)
class PublicSite:
    """What the browser-facing endpoints need of a site: no secrets, cheap to cache."""

    id: int
    public_key: str
    origins: frozenset[str]
    #: Effective settings (stored choices over the defaults).
    settings: dict[str, Any]


_CACHE = "widgetserver.sites"
_CACHE_LOCK = threading.Lock()


def lookup(public_key: object, now: datetime | None = None) -> PublicSite | None:
    """The active site with this key, from a per-worker cache of ``SITE_CACHE_SECONDS``.

    Browser endpoints ask for their site thousands of times a second; a change of origins or
    settings reaches them within the cache time. Secrets never come from here: signed
    requests always read the site afresh (``by_key``).
    """
    if not valid_key(public_key):
        return None
    assert isinstance(public_key, str)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ttl = app.config["SITE_CACHE_SECONDS"]
    moment = (now or clock.now()).timestamp()
    cache: dict[str, tuple[float, PublicSite | None]]
    cache = app.extensions.setdefault(_CACHE, {})
    hit = cache.get(public_key)
    if hit is not None and hit[0] > moment:
        return hit[1]
    with db.engine.connect() as connection:
        row = connection.execute(
            select(Site.id, Site.public_key, Site.origins, Site.settings).where(
                Site.public_key == public_key, Site.active
            )
        ).first()
    site = (
        PublicSite(row.id, row.public_key, frozenset(row.origins), effective(row.settings))
        if row
        else None
    )
    if ttl > 0:
        with _CACHE_LOCK:
            if len(cache) > 10_000:  # unknown keys must not grow it without bound
                cache.clear()
            cache[public_key] = (moment + ttl, site)
    return site


def require_public(public_key: object, now: datetime | None = None) -> PublicSite:
    """``lookup``, refusing an unknown or inactive site with 404."""
    site = lookup(public_key, now)
    if site is None:
        raise Refused(404, "unknown_site", "No active site has this public key.")
    return site


def require_origin(site: PublicSite, origin: str | None) -> None:
    """Refuse with 403 unless the page's ``Origin`` is one of the site's shop origins."""
    if origin is None or origin not in site.origins:
        raise Refused(
            403,
            "origin_not_allowed",
            "This page's origin is not one of the site's registered shop origins.",
        )


def grace_running(site: Site, now: datetime) -> bool:
    """Whether a replaced secret still verifies (a rotation's grace period has not ended)."""
    return bool(
        site.previous_secret and site.previous_secret_until and now < site.previous_secret_until
    )


class GraceRunning(Exception):
    """A rotation with a grace period while the previous one's grace is still running."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"the old secret still works until {until.isoformat()}")
        self.until = until


def rotate_secret(session: Session, site: Site, *, grace: timedelta, now: datetime) -> str:
    """Give the site a new secret; the old one keeps verifying for ``grace`` (may be zero).

    Only one old secret is kept, so a second rotation with a grace period while
    ``grace_running`` would end the older secret at once, breaking a shop that still signs with
    it: that raises ``GraceRunning`` and changes nothing. A rotation without grace ends every
    old secret (a leaked secret must be stoppable at any time).
    """
    if grace > timedelta(0) and grace_running(site, now):
        assert site.previous_secret_until is not None
        raise GraceRunning(site.previous_secret_until)
    if grace > timedelta(0):
        site.previous_secret, site.previous_secret_until = site.secret, now + grace
    else:
        site.previous_secret, site.previous_secret_until = None, None
    site.secret = signing.new_secret()
    site.updated_at = now
    session.flush()
    return site.secret


def verifying_secrets(site: Site, now: datetime) -> list[str]:
    """The secrets a signed request or token of this site may be made with right now."""
    found = [site.secret]
    if grace_running(site, now):
        found.append(site.previous_secret)  # type: ignore[arg-type]
    return found


def embed_snippet(public_url: str, site: Site) -> str:
    return (
        f'<script async src="{public_url}/v1/loader.js" data-site="{site.public_key}"></script>\n'
        '<div data-swk="share"></div>'
    )


def init_app(app: Flask) -> None:
    from .cli import owners_group, sites_group

    app.cli.add_command(owners_group)
    app.cli.add_command(sites_group)
