"""Social Widget Kit: the widget server."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import admin, api, demo, embed, ingest, sites, stats, web
from .core import cli, config
from .core.db import db as _database


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: defaults, then environment, then ``test_config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=config.instance_path(test_config),
        static_folder=None,
    )
    config.load(app, test_config)
    logging.getLogger("widgetserver").setLevel(app.config["LOG_LEVEL"])
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)  # type: ignore[method-assign]

    _database.init_app(app)
    ingest.init_app(app)
    web.init_app(app)
    api.init_app(app)
    embed.init_app(app)
    admin.init_app(app)
    stats.init_app(app)
    sites.init_app(app)
    demo.init_app(app)
    cli.init_app(app)
    return app
