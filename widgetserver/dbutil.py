"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: Any) -> Any:
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(model)


def insert_ignore(session: Session, model: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's database."""
    return _insert(session, model).on_conflict_do_nothing()


def upsert_add(session: Session, model: Any, keys: list[str], column: str) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET column = column + excluded.column``."""
    stmt = _insert(session, model)
    target = getattr(model, column)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={column: target + getattr(stmt.excluded, column)}
    )
