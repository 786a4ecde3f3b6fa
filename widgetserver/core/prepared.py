"""Statements compiled once for a database and run straight on the driver's cursor.

Hot paths (the ingest writer, referral links) run the same few statements thousands of times
a second. Going through the driver with values prepared by the columns' own bind processors -
the code SQLAlchemy itself would run - and rows read back through the columns' result
processors saves most of the per-statement cost of a Core or ORM execution, while the values
stored and read are exactly those SQLAlchemy would store and read.
"""

from __future__ import annotations

from typing import Any


class Prepared:
    """An ``INSERT`` (or ``UPDATE``) compiled once for ``columns`` of its table.

    ``params(row)`` gives the driver's parameters of a row (a dict by column name).
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


class Query:
    """A ``SELECT`` with named ``bindparam()``s, compiled once; rows as SQLAlchemy reads them.

    Parameters pass through their types' bind processors, and each column of a row through
    its type's result processor (SQLite's text timestamps become aware UTC datetimes, as the
    models read them).
    """

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = compiled.positiontup is not None
        names = list(compiled.positiontup) if self.positional else list(compiled.binds)
        self._binds = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]
        self._results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def params(self, values: dict[str, Any]) -> Any:
        bound = [(n, process(values[n]) if process else values[n]) for n, process in self._binds]
        return tuple(v for _, v in bound) if self.positional else dict(bound)

    def row(self, raw: Any) -> tuple[Any, ...]:
        return tuple(
            process(value) if process else value
            for process, value in zip(self._results, raw, strict=True)
        )

    def first(self, cursor: Any, values: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row the query finds with ``values``, or None."""
        cursor.execute(self.sql, self.params(values))
        raw = cursor.fetchone()
        return None if raw is None else self.row(raw)
