"""Sites as stored: creating them, finding them by public key, their secrets and snippet.

A site has a public key (in the snippet, sent by browsers), a secret (signs server-to-server
requests and tokens) and its shop origins. Secrets are only ever read from here, afresh from
the database - never from the browser endpoints' cache (``public.lookup``).

Replacing the secret or the key is a compare-and-set on the site's ``rotation`` counter
(``UPDATE sites ... WHERE id = :id AND rotation = :seen``): of parallel replacements made from
one view of the site - a double click, two tabs, the owners' page and the command line - exactly
one changes the row, on SQLite and on PostgreSQL alike (PostgreSQL re-reads the row a waiting
``UPDATE`` finds changed), and the others raise ``RotationConflict`` and change nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..core import signing
from ..core.errors import DomainError, reason
from ..core.prepared import Query
from ..models import Owner, Site
from .inputs import InputError, normalise_origin

GRACE_RUNNING = reason("grace_running", "a rotation with grace while an earlier grace runs")
ROTATION_CONFLICT = reason(
    "rotation_conflict", "the secret or key was replaced since the rotating request looked"
)

#: What ``signing.new_public_key`` makes; anything else is not looked up at all.
PUBLIC_KEY = re.compile(r"pk_[A-Za-z0-9_-]{20}")


def create_site(
    session: Session, owner: Owner, name: str, origins: list[str], *, now: datetime
) -> Site:
    """A new site with a fresh key and secret; ``InputError`` for an unusable name or origin."""
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


def valid_key(public_key: object) -> bool:
    return isinstance(public_key, str) and PUBLIC_KEY.fullmatch(public_key) is not None


def by_key(session: Session, public_key: object) -> Site | None:
    """The active site with this public key, or None (also for malformed keys)."""
    if not valid_key(public_key):
        return None
    return session.scalar(select(Site).where(Site.public_key == public_key, Site.active))


class Secrets(NamedTuple):
    """What verifying a site's signature needs, read on a driver's cursor (``read_secrets``)."""

    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    active: bool


def secrets_query(dialect: Any) -> Query:
    """The site's secrets by ``site_id``, compiled for ``dialect`` (``core.prepared``)."""
    columns = (Site.secret, Site.previous_secret, Site.previous_secret_until, Site.active)
    return Query(select(*columns).where(Site.id == bindparam("site_id")), dialect)


def read_secrets(cursor: Any, query: Query, site_id: int, now: datetime) -> list[str] | None:
    """``verifying_secrets`` of an active site, read afresh on ``cursor``; None if it is gone."""
    row = query.first(cursor, {"site_id": site_id})
    if row is None:
        return None
    site = Secrets(*row)
    return verifying_secrets(site, now) if site.active else None


def grace_running(site: Site | Secrets, now: datetime) -> bool:
    """Whether a replaced secret still verifies (a rotation's grace period has not ended)."""
    return bool(
        site.previous_secret and site.previous_secret_until and now < site.previous_secret_until
    )


class GraceRunning(DomainError):
    """A rotation with a grace period while the previous one's grace is still running."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            GRACE_RUNNING,
            f"the old secret still works until {until.isoformat()}",
            {"until": until.isoformat()},
        )
        self.until = until


class RotationConflict(DomainError):
    """The site's secret or key was replaced since the request that would replace it looked."""

    def __init__(self, seen: int) -> None:
        super().__init__(
            ROTATION_CONFLICT,
            "the site's secret or key was replaced meanwhile; nothing more was changed",
            {"seen": seen},
        )


def _compare_and_set(
    session: Session, site: Site, seen: int | None, now: datetime, **values: Any
) -> None:
    """Write ``values`` only if the site's rotation is still ``seen``; else RotationConflict.

    ``seen`` is the rotation the caller decided on (a confirmation carries it); by default the
    site as loaded. The object is read again afterwards, so it shows what was stored.
    """
    expected = site.rotation if seen is None else seen
    if expected != site.rotation:
        raise RotationConflict(expected)
    session.flush()
    changed = session.execute(
        update(Site)
        .where(Site.id == site.id, Site.rotation == expected)
        .values(rotation=Site.rotation + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise RotationConflict(expected)
    session.refresh(site)


def rotate_secret(
    session: Session, site: Site, *, grace: timedelta, now: datetime, seen: int | None = None
) -> str:
    """Give the site a new secret; the old one keeps verifying for ``grace`` (may be zero).

    Only one old secret is kept, so a second rotation with a grace period while
    ``grace_running`` would end the older secret at once, breaking a shop that still signs with
    it: that raises ``GraceRunning`` and changes nothing. A rotation without grace ends every
    old secret (a leaked secret must be stoppable at any time). If the site was rotated since
    ``seen`` (or since it was loaded), ``RotationConflict``: the secret the other rotation made
    is the one that works, and this call changes nothing.
    """
    if seen is not None and seen != site.rotation:
        raise RotationConflict(seen)
    if grace > timedelta(0) and grace_running(site, now):
        assert site.previous_secret_until is not None
        raise GraceRunning(site.previous_secret_until)
    keep = grace > timedelta(0)
    _compare_and_set(
        session,
        site,
        seen,
        now,
        secret=signing.new_secret(),
        previous_secret=site.secret if keep else None,
        previous_secret_until=now + grace if keep else None,
    )
    return site.secret


def rotate_key(session: Session, site: Site, *, now: datetime, seen: int | None = None) -> str:
    """Give the site a new public key (the old snippet stops at once); as ``rotate_secret``,
    ``RotationConflict`` if the site was rotated since ``seen``."""
    _compare_and_set(session, site, seen, now, public_key=signing.new_public_key())
    return site.public_key


def verifying_secrets(site: Site | Secrets, now: datetime) -> list[str]:
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
