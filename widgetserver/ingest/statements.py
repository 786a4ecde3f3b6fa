"""The ingest writer's statements: compiled once per database, run on the driver's cursor."""

from __future__ import annotations

from typing import Any

from ..core.dbutil import dialect_insert
from ..core.prepared import Prepared
from ..models import Event, IngestDrop, RefCode

_EVENTS = Event.__table__
_CODES = RefCode.__table__
_DROPS = IngestDrop.__table__


CODE_COLUMNS = ["site_id", "code", "kind", "channel", "url", "product", "parent_id",
                 "referrer", "visitor_hash", "created_at"]  # fmt: skip
EVENT_COLUMNS = ["site_id", "type", "occurred_at", "code_id", "channel", "url", "product",
                  "visitor_hash", "is_self", "page", "from_share"]  # fmt: skip
DROP_COLUMNS = ["site_id", "day", "reason", "count"]


class Statements:
    def __init__(self, dialect: Any) -> None:
        name = dialect.name
        self.sqlite = name == "sqlite"
        #: For the rate counters' statements (``core.ratelimit``).
        self.dialect: str = name
        codes = dialect_insert(name, _CODES).on_conflict_do_nothing().returning(_CODES.c.id)
        drops = dialect_insert(name, _DROPS)
        drops = drops.on_conflict_do_update(
            index_elements=["site_id", "day", "reason"],
            set_={"count": _DROPS.c.count + drops.excluded.count},
        )
        self.codes = Prepared(codes, dialect, CODE_COLUMNS)
        self.events = Prepared(_EVENTS.insert(), dialect, EVENT_COLUMNS)
        self.drops = Prepared(drops, dialect, DROP_COLUMNS)
