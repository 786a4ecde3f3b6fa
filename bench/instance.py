"""A widget server instance for the attack battery: its database, its setup, its server."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from servers import HOST, BenchError, Server, free_port
from sqlalchemy import create_engine, text
from wire import Answer, exchange

from widgetserver.core.db import normalise_url

OWNER = "owner@example.com"
PASSWORD = "attack-battery-password"
ORIGIN = "https://shop.example"
#: The same shop under an internationalised name, registered as browsers send it (A-label).
IDN_ORIGIN = "https://xn--bcher-kva.example"
#: Seconds a body may take to arrive (``serve --body-timeout``): stalled bodies answer 408.
BODY_TIMEOUT = 1.0
SQLITE_FILE = "widgetserver.sqlite3"


def cli_json(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    command = [str(Path(sys.executable).parent / "widgetserver"), *args, "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, input=stdin)
    if done.returncode != 0:
        raise BenchError(f"widgetserver {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else None


@contextlib.contextmanager
def database(postgres: str | None, tag: str) -> Iterator[str | None]:
    """None for SQLite in the instance folder; else the URL of a throwaway PostgreSQL database."""
    if postgres is None:
        yield None
        return
    admin_url = normalise_url(postgres)
    name = f"swk_attack_{tag}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def instance_env(folder: Path, url: str | None, **config: int) -> dict[str, str]:
    """The environment of an instance in ``folder`` (its SQLite file, unless ``url``)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
    env["WIDGETSERVER_INSTANCE_PATH"] = str(folder)
    env["WIDGETSERVER_SECRET_KEY"] = "attack-battery-secret-key-0123456789"
    if url:
        env["WIDGETSERVER_DATABASE_URL"] = url
    for name, value in config.items():
        env[f"WIDGETSERVER_{name}"] = str(value)
    return env


def create_site(env: dict[str, str]) -> dict[str, Any]:
    """Set the instance up through the CLI, as an operator would: the site with its secret."""
    cli_json(env, "db", "upgrade")
    cli_json(env, "owners", "create", OWNER, "--password-stdin", stdin=PASSWORD + "\n")
    site = cli_json(
        env,
        "sites",
        "create",
        "--owner",
        OWNER,
        "--name",
        "Attacked shop",
        "--origin",
        ORIGIN,
        "--origin",
        IDN_ORIGIN,
    )
    return dict(site)


def start_server(env: dict[str, str], log: Path, workers: int) -> Server:
    command = [
        str(Path(sys.executable).parent / "widgetserver"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(free_port()),
        "--workers",
        str(workers),
        "--body-timeout",
        str(BODY_TIMEOUT),
    ]
    server = Server("widgetserver serve", command, env, log)
    server.start()
    server.wait_ready(workers)
    return server


def request(server: Server, method: str, path: str, **kw: Any) -> Answer:
    headers = kw.pop("headers", {})
    body = kw.pop("body", None)
    return exchange(HOST, server.port, method, path, headers, body, timeout=10, **kw)


def database_bytes(env: dict[str, str]) -> dict[str, int]:
    """The database's size now: SQLite's file with its WAL after a checkpoint; on PostgreSQL
    the whole database and the two tables events fill (``events``, ``ref_codes``)."""
    url = env.get("WIDGETSERVER_DATABASE_URL")
    if url is None:
        path = Path(env["WIDGETSERVER_INSTANCE_PATH"]) / SQLITE_FILE
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            tables = conn.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master "
                "WHERE tbl_name IN ('events', 'ref_codes'))"
            ).fetchone()[0]
        wal = path.with_name(path.name + "-wal")
        size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        return {"database": size, "tables": int(tables or 0)}
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            tables = conn.execute(
                text(
                    "SELECT pg_total_relation_size('events') + pg_total_relation_size('ref_codes')"
                )
            ).scalar()
    finally:
        engine.dispose()
    return {"database": int(size or 0), "tables": int(tables or 0)}
