"""One deployment for the module: a real server with two sync workers, nginx in front."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..live import cli, free_port
from . import servers

OWNER = "owner@shop.example"
PASSWORD = "a long password for the proxy test"


@dataclass(frozen=True)
class Deployment:
    direct: str
    proxy: servers.Proxy
    instance: Path
    site: dict[str, str]

    @property
    def database(self) -> Path:
        return self.instance / "widgetserver.sqlite3"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    instance = tmp_path_factory.mktemp("instance")
    env = {
        **os.environ,
        "WIDGETSERVER_INSTANCE_PATH": str(instance),
        # nginx is the one proxy in front (docs/deploy.md).
        "WIDGETSERVER_TRUSTED_PROXIES": "1",
    }
    env.pop("WIDGETSERVER_DATABASE_URL", None)
    env.pop("WIDGETSERVER_PUBLIC_URL", None)
    cli(env, "db", "upgrade")
    cli(env, "owners", "create", OWNER, "--password-stdin", stdin=PASSWORD + "\n")
    site = cli(
        env,
        "sites",
        "create",
        "--owner",
        OWNER,
        "--name",
        "Shop",
        "--origin",
        "https://shop.example",
    )
    serve = servers.widgetserver(env, free_port(), workers=2)
    with serve as direct, servers.nginx(tmp_path_factory.mktemp("nginx"), direct.port) as proxy:
        yield Deployment(direct.url, proxy, instance, site)
