"""The one place the server asks for the time, so tests can move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app


def now() -> datetime:
    """The current time as an aware UTC datetime (``CLOCK`` in the config overrides it)."""
    clock = current_app.config.get("CLOCK")
    if clock is not None:
        value = clock()
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)
