"""What the browser-facing endpoints see of a site: ``PublicSite``, cached per worker.

Browser endpoints ask for their site thousands of times a second, so ``lookup`` keeps each
answer for ``SITE_CACHE_SECONDS`` in the application's extensions (hence the one Flask import:
``current_app``, present in any application context - a request, a CLI command or a job).
``require_public`` and ``require_origin`` refuse an unknown site or a foreign page with a
``DomainError`` (``unknown_site``, ``origin_not_allowed``); the web layer decides the status,
and ingest counts the refusal under its reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..core import clock
from ..core.db import db
from ..core.errors import DomainError, reason
from ..models import Site
from .settings import effective
from .store import valid_key

UNKNOWN_SITE = reason("unknown_site", "no active site has the public key")
ORIGIN_NOT_ALLOWED = reason("origin_not_allowed", "a page outside the site's shop origins")


@dataclass(frozen=True)
class PublicSite:
    """What the browser-facing endpoints need of a site: no secrets, cheap to cache."""

    id: int
    public_key: str
    origins: frozenset[str]
    #: Effective settings (stored choices over the defaults).
    settings: dict[str, Any]
    #: The first of the site's origins, as the owner listed them: where its links lead unless
    #: a page is named (recommend-a-friend).
    home: str = ""


_CACHE = "widgetserver.sites"
_CACHE_LOCK = threading.Lock()


def lookup(public_key: object, now: datetime | None = None) -> PublicSite | None:
    """The active site with this key, from a per-worker cache of ``SITE_CACHE_SECONDS``.

    A change of origins or settings reaches the browser endpoints within the cache time.
    Secrets never come from here: signed requests always read the site afresh (``by_key``).
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
        PublicSite(
            row.id,
            row.public_key,
            frozenset(row.origins),
            effective(row.settings),
            row.origins[0] if row.origins else "",
        )
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
    """``lookup``, refusing an unknown or inactive site (``unknown_site``)."""
    site = lookup(public_key, now)
    if site is None:
        raise DomainError(UNKNOWN_SITE, "No active site has this public key.")
    return site


def require_origin(site: PublicSite, origin: str | None) -> None:
    """Refuse (``origin_not_allowed``) unless ``origin`` is one of the site's shop origins."""
    if origin is None or origin not in site.origins:
        raise DomainError(
            ORIGIN_NOT_ALLOWED,
            "This page's origin is not one of the site's registered shop origins.",
        )
