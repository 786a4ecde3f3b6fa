"""Alembic environment: always given a connection by ``widgetserver.migrate``."""

from __future__ import annotations

from alembic import context

from widgetserver.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `widgetserver db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
    user_module_prefix="",  # custom types come from `widgetserver.db`, imported by name
)
with context.begin_transaction():
    context.run_migrations()
