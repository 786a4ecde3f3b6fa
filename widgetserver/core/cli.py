"""The ``widgetserver`` command: a Flask CLI group built on the application factory.

Every command prints JSON instead of text with ``--json``, for scripts and provisioning tools
(``json_option``, ``emit``; ``fail`` ends a command with a message and exit status 1). Each
package registers its own commands from its ``init_app``: ``db`` and ``serve`` here (core),
``owners`` and ``sites`` (sites), ``drops`` and ``purge`` (ingest), ``stats`` and ``demo``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, routes_command, shell_command

from . import backup, migrate
from .db import db

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit(as_json: bool, data: Any, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text(data))


def fail(message: str) -> None:
    raise click.ClickException(message)


@click.group("db", cls=AppGroup, help="Database schema and backups.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Create or migrate the database schema to this version.")
@json_option
def db_upgrade(as_json: bool) -> None:
    before, after = migrate.upgrade(db.engine)
    emit(
        as_json,
        {"before": before, "after": after, "changed": before != after},
        lambda d: f"Database schema: {d['before'] or 'empty'} -> {d['after']}",
    )


@db_group.command("backup", help="Copy the database to DEST while the server keeps serving.")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace DEST if it exists.")
@json_option
def db_backup(dest: Path, force: bool, as_json: bool) -> None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        command = backup.postgres_command(url, str(dest))
        message = (
            "On PostgreSQL back up with pg_dump (the same major version as the server); "
            "this command made no backup. Run:\n  "
            + shlex.join(command)
            + "\nand restore into a new, empty database with:\n  "
            + shlex.join(["pg_restore", "--no-owner", "--dbname=NEW_DATABASE", str(dest)])
        )
        if as_json:
            emit(True, {"database": "postgresql", "done": False, "command": command}, str)
            raise click.exceptions.Exit(1)
        fail(message)
    try:
        done = backup.backup_sqlite(url.database or "", dest, force=force)
    except backup.BackupError as exc:
        fail(str(exc))
        return
    emit(
        as_json,
        done.as_dict(),
        lambda d: f"Backed up to {d['path']} ({d['bytes']} bytes, schema {d['revision']})",
    )


def init_app(app: Flask) -> None:
    from . import serve

    for command in (db_group, serve.command):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``widgetserver`` console script."""
    group = FlaskGroup(
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="Social Widget Kit widget server. Configured through WIDGETSERVER_* variables.",
    )
    # The app comes from the factory; Flask's --app/--env-file/--debug options do not apply.
    group.params = [p for p in group.params if p.name not in ("app", "env_file", "debug")]
    click.version_option(package_name="social-widget-kit", prog_name="widgetserver")(group)
    group.add_command(shell_command)
    group.add_command(routes_command)
    group.main(prog_name="widgetserver")
