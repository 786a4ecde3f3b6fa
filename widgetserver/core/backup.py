"""``widgetserver db backup``: a consistent copy of the live database, taken while serving.

On SQLite the copy is made with SQLite's online backup API (``sqlite3.Connection.backup``) in
one step: it reads the database inside a single read transaction, so with WAL concurrent
writers carry on and the copy is the database exactly as it stood when the copy began. The
copy is written to a hidden file beside the destination, checked (``PRAGMA integrity_check``
and its Alembic revision), made self-contained (rollback journal, no ``-wal`` file) and only
then renamed to the destination, so a half-written backup never carries the final name.

On PostgreSQL the tool for the job is ``pg_dump`` (same major version as the server, with the
operator's own credentials); ``postgres_command`` gives its command line for the configured
database, without the password.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from . import migrate


class BackupError(Exception):
    """The backup was not made; the message says why and what to do."""


@dataclass(frozen=True)
class SqliteBackup:
    """What ``backup_sqlite`` wrote."""

    path: str
    bytes: int
    revision: str | None
    head: str | None
    integrity: str

    def as_dict(self) -> dict[str, Any]:
        return {"database": "sqlite", **asdict(self), "at_head": self.revision == self.head}


def backup_sqlite(source: str, dest: Path, *, force: bool = False) -> SqliteBackup:
    """Copy the SQLite database file ``source`` to ``dest``, online and consistently."""
    source_path = Path(source).resolve()
    dest = dest.absolute()
    if not source_path.is_file():
        raise BackupError(f"no database file at {source_path}")
    if dest.resolve() == source_path:
        raise BackupError("the destination is the live database itself")
    if not dest.parent.is_dir():
        raise BackupError(f"no directory {dest.parent} for the backup")
    if dest.exists() and not force:
        raise BackupError(f"{dest} exists; pass --force to replace it")

    fd, partial_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    partial = Path(partial_name)
    try:
        revision, integrity = _copy(source_path, partial)
        _publish(partial, dest, force=force)
    finally:
        partial.unlink(missing_ok=True)
    return SqliteBackup(
        str(dest), dest.stat().st_size, revision, migrate.head_revision(), integrity
    )


def _copy(source: Path, partial: Path) -> tuple[str | None, str]:
    """Back ``source`` up into ``partial``, check the copy and return its revision."""
    # The source connection only reads; it leaves the live database's WAL mode alone.
    src = sqlite3.connect(source, timeout=5)
    dst = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, i.e. one read transaction (one snapshot).
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        integrity = "; ".join(row[0] for row in dst.execute("PRAGMA integrity_check"))
        if integrity != "ok":
            raise BackupError(f"the copy failed its integrity check: {integrity}")
        try:
            row = dst.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as exc:
            raise BackupError("the database has no schema (run `widgetserver db upgrade`)") from exc
        dst.commit()
    finally:
        dst.close()
        src.close()
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    return (row[0] if row else None), integrity


def _publish(partial: Path, dest: Path, *, force: bool) -> None:
    """Give the checked copy its final name; without ``force`` never replace a file."""
    if force:
        os.replace(partial, dest)
    else:
        try:
            # A hard link fails if ``dest`` appeared meanwhile: nothing is ever overwritten.
            os.link(partial, dest)
        except FileExistsError as exc:
            raise BackupError(f"{dest} exists; pass --force to replace it") from exc
        except OSError as exc:
            raise BackupError(f"cannot name the backup {dest}: {exc.strerror}") from exc
    directory = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def postgres_command(url: URL, dest: str) -> list[str]:
    """The ``pg_dump`` command line that backs the database at ``url`` up to ``dest``.

    The password is left out: ``pg_dump`` takes it from ``PGPASSWORD``, ``~/.pgpass`` or a
    prompt, so it never lands in a shell history or a process list.
    """
    command = ["pg_dump", "--format=custom", f"--file={dest}"]
    if url.host:
        command.append(f"--host={url.host}")
    if url.port:
        command.append(f"--port={url.port}")
    if url.username:
        command.append(f"--username={url.username}")
    command.append(f"--dbname={url.database or 'postgres'}")
    return command
