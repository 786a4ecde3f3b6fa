"""Configuration: built-in defaults, then environment variables, then ``test_config``.

Every environment variable the server reads is listed in ``ENVIRONMENT`` and documented in
the README; nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    # None means: a SQLite file ``widgetserver.sqlite3`` in the instance folder.
    "DATABASE_URL": None,
    # None means: generated once and kept in ``instance/secret_key``.
    "SECRET_KEY": None,
    # The address shops and browsers use to reach this server, e.g. https://widgets.example.
    # None means: derived from each request's host.
    "PUBLIC_URL": None,
    # How many reverse proxies in front of the server set X-Forwarded-* headers (0 = none).
    "TRUSTED_PROXIES": 0,
    # Seconds browsers and CDNs may cache a site's public widget configuration.
    "CONFIG_MAX_AGE": 60,
    # Seconds a worker keeps a site's public data (origins, settings) before reading it again.
    "SITE_CACHE_SECONDS": 10,
    # Largest request body accepted anywhere; each endpoint has its own, smaller limit.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "EVENTS_MAX_BYTES": 64 * 1024,
    "CONVERSIONS_MAX_BYTES": 256 * 1024,
    "EVENTS_MAX_BATCH": 100,
    # Rate limits per minute, shared by all workers: events per client (a keyed hash of its
    # address) and site, and per site; browser conversion reports likewise (core/ratelimit.py).
    "EVENTS_LIMIT_CLIENT": 120,
    "EVENTS_LIMIT_SITE": 6000,
    "BROWSER_CONVERSIONS_LIMIT_CLIENT": 10,
    "BROWSER_CONVERSIONS_LIMIT_SITE": 600,
    # Referral links asked for by browsers (POST /v1/referrals) per client and site, per site.
    "REFERRALS_LIMIT_CLIENT": 10,
    "REFERRALS_LIMIT_SITE": 600,
    # Friends' coupons asked for by browsers (POST /v1/offers) per client and site, per site.
    "OFFERS_LIMIT_CLIENT": 10,
    "OFFERS_LIMIT_SITE": 600,
    # Server-to-server signatures older or newer than this many seconds are refused.
    "SIGNATURE_TOLERANCE": 300,
    # Days raw events are kept; ``widgetserver stats prune`` deletes older ones once their days
    # are rolled up. At least stats.retention.MIN_KEEP_DAYS (732), checked at start-up.
    "EVENTS_KEEP_DAYS": 750,
    # Log level of the ``widgetserver`` logger.
    "LOG_LEVEL": "INFO",
    # Tests inject a clock here; see ``widgetserver.clock``.
    "CLOCK": None,
}

#: Environment variable -> (config key, parser).
ENVIRONMENT: Mapping[str, tuple[str, Callable[[str], Any]]] = {
    "WIDGETSERVER_DATABASE_URL": ("DATABASE_URL", str),
    "WIDGETSERVER_SECRET_KEY": ("SECRET_KEY", str),
    "WIDGETSERVER_PUBLIC_URL": ("PUBLIC_URL", lambda v: v.rstrip("/")),
    "WIDGETSERVER_TRUSTED_PROXIES": ("TRUSTED_PROXIES", lambda v: _at_least(0, int(v))),
    "WIDGETSERVER_CONFIG_MAX_AGE": ("CONFIG_MAX_AGE", lambda v: _at_least(0, int(v))),
    "WIDGETSERVER_SITE_CACHE_SECONDS": ("SITE_CACHE_SECONDS", lambda v: _at_least(0, int(v))),
    "WIDGETSERVER_EVENTS_LIMIT_CLIENT": ("EVENTS_LIMIT_CLIENT", lambda v: _at_least(1, int(v))),
    "WIDGETSERVER_EVENTS_LIMIT_SITE": ("EVENTS_LIMIT_SITE", lambda v: _at_least(1, int(v))),
    "WIDGETSERVER_BROWSER_CONVERSIONS_LIMIT_CLIENT": (
        "BROWSER_CONVERSIONS_LIMIT_CLIENT",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_BROWSER_CONVERSIONS_LIMIT_SITE": (
        "BROWSER_CONVERSIONS_LIMIT_SITE",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_REFERRALS_LIMIT_CLIENT": (
        "REFERRALS_LIMIT_CLIENT",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_REFERRALS_LIMIT_SITE": (
        "REFERRALS_LIMIT_SITE",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_OFFERS_LIMIT_CLIENT": (
        "OFFERS_LIMIT_CLIENT",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_OFFERS_LIMIT_SITE": (
        "OFFERS_LIMIT_SITE",
        lambda v: _at_least(1, int(v)),
    ),
    "WIDGETSERVER_EVENTS_KEEP_DAYS": ("EVENTS_KEEP_DAYS", int),
    "WIDGETSERVER_LOG_LEVEL": ("LOG_LEVEL", str.upper),
}
# Read before the app exists (see ``instance_path``), listed here for the documentation.
INSTANCE_PATH_VARIABLE = "WIDGETSERVER_INSTANCE_PATH"


def _at_least(minimum: int, value: int) -> int:
    if value < minimum:
        raise ValueError(f"must be at least {minimum}")
    return value


def instance_path(test_config: Mapping[str, Any] | None) -> str | None:
    """Where the SQLite database and the generated secret key live (None: Flask's default)."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return os.environ.get(INSTANCE_PATH_VARIABLE) or None


def load(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` in the documented order of precedence."""
    app.config.from_mapping(DEFAULTS)
    for variable, (key, parse) in ENVIRONMENT.items():
        raw = os.environ.get(variable)
        if raw is None or raw == "":
            continue
        try:
            app.config[key] = parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{variable}={raw!r} is not valid: {exc}") from exc
    if test_config:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'widgetserver.sqlite3'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it (readable by the owner only) on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: when several workers start at
    # once, exactly one key wins and nobody ever reads a half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
