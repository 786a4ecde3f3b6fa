"""Browser event ingest: a short pipeline of small named steps.

``parse`` → ``resolve_site`` → ``check_origin`` → ``check_limits`` → ``drop_bots`` →
``validate`` → ``hash_visitor`` → ``attribute`` → ``store``. The first five judge the whole
request and refuse it with an error; the rest judge each event and reject it with a named
reason (``validation`` holds the checks of one event). Every refusal and rejection is counted
per site, day and reason. The steps judge from per-worker caches; ``store`` writes through the
worker's group-commit writer, which also counts the request under the rate limits
(``core.ratelimit``) and refuses it there once a limit is reached, and ``hash_visitor`` writes
only to create a day's salt (once per worker and UTC day) and, just after midnight, to link a
visitor to yesterday's hash (``visitors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from ..core.db import db
from ..core.ratelimit import Limiter, limiter_of
from .codes import CodeCache
from .writer import GroupWriter

_STATE = "widgetserver.ingest"


@dataclass
class IngestState:
    writer: GroupWriter
    codes: CodeCache
    limiter: Limiter


def init_app(app: Flask) -> None:
    from .cli import drops, purge

    with app.app_context():
        engine = db.engine
    limiter = limiter_of(app)
    writer = GroupWriter(engine, limiter)
    app.extensions[_STATE] = IngestState(writer, CodeCache(engine), limiter)
    db.on_dispose(app, writer.close)
    app.cli.add_command(drops)
    app.cli.add_command(purge)


def state() -> IngestState:
    return current_app.extensions[_STATE]
