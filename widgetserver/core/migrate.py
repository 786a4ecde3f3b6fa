"""Schema migrations with Alembic, driven from the application (no alembic.ini needed)."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", "widgetserver:migrations")
    return config


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to ``revision``; returns the revisions before and after."""
    with engine.begin() as connection:
        before = current_revision(connection)
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = current_revision(connection)
    return before, after
