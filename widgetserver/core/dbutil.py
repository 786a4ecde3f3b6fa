"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(dialect_name: str, table: Any) -> Any:
    """The dialect's ``INSERT`` construct, which knows ``ON CONFLICT``."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(table)


def insert_ignore(session: Session, model: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's database."""
    return dialect_insert(session.get_bind().dialect.name, model).on_conflict_do_nothing()
