"""Owners and sites: creating them, finding them by public key, rotating their secrets.

``inputs`` checks what owners and operators type (e-mail addresses, shop origins); ``owners``
creates and finds owners; ``store`` creates sites, finds them by key and keeps their secrets;
``public`` is the cached, secret-free view the browser endpoints use, with their refusals;
``settings`` is the schema of a site's settings. The names callers use are re-exported here
(``sites.by_key(...)``, ``sites.require_public(...)``). Refusals are
``core.errors.DomainError``s with a stable reason; nothing here raises an HTTP error.
"""

from flask import Flask

from .inputs import InputError, normalise_email, normalise_origin
from .owners import create_owner, find_owner
from .public import PublicSite, lookup, require_origin, require_public
from .store import (
    PUBLIC_KEY,
    GraceRunning,
    RotationConflict,
    by_key,
    create_site,
    embed_snippet,
    grace_running,
    read_secrets,
    rotate_key,
    rotate_secret,
    secrets_query,
    valid_key,
    verifying_secrets,
)

__all__ = [
    "PUBLIC_KEY",
    "GraceRunning",
    "InputError",
    "PublicSite",
    "RotationConflict",
    "by_key",
    "create_owner",
    "create_site",
    "embed_snippet",
    "find_owner",
    "grace_running",
    "lookup",
    "normalise_email",
    "normalise_origin",
    "read_secrets",
    "require_origin",
    "require_public",
    "rotate_key",
    "rotate_secret",
    "secrets_query",
    "valid_key",
    "verifying_secrets",
]


def init_app(app: Flask) -> None:
    from .cli import owners_group, sites_group

    app.cli.add_command(owners_group)
    app.cli.add_command(sites_group)
