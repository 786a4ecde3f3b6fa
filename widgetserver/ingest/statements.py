"""The ingest writer's statements: compiled once per database, run on the driver's cursor."""

from __future__ import annotations

from typing import Any

from ..core.dbutil import dialect_insert
from ..models import Event, IngestDrop, RefCode

_EVENTS = Event.__table__
_CODES = RefCode.__table__
_DROPS = IngestDrop.__table__


class Prepared:
    """A statement compiled once for the database, run straight on the driver's cursor.

    Ingest writes the same three statements thousands of times a second; going through the
    driver with values prepared by the columns' own bind processors (the code SQLAlchemy
    itself would run) saves most of the per-statement cost.
    """

    def __init__(self, statement: Any, dialect: Any, columns: list[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        self.sql = str(compiled)
        self.positional = compiled.positiontup is not None
        order = list(compiled.positiontup) if self.positional else columns
        table = statement.table
        # The dialect's own type (SQLite's DATETIME writes a fixed format, microseconds
        # included): a generic type's processor would hand the driver a datetime, which
        # sqlite3 writes without ".000000" for whole seconds, and such a value then sorts
        # before the same moment written by SQLAlchemy (a query's bound).
        self._columns = [
            (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in order
        ]
        self._names = order

    def params(self, row: dict[str, Any]) -> Any:
        values = [process(row[n]) if process else row[n] for n, process in self._columns]
        return tuple(values) if self.positional else dict(zip(self._names, values, strict=True))


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
