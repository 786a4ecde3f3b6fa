"""Pools of single-use coupon codes: an owner's upload read, a code taken exactly once.

An upload is pasted text or a CSV file: one code a line, the first column of a CSV line (comma
or semicolon separated, quotes allowed), a first line ``code`` or ``coupon`` taken as a header.
Empty lines are skipped; a code given twice, or already in the pool, is added once and counted
as a duplicate. Anything else - bytes that are not UTF-8 text, control characters, a code that
is not 1-64 letters, digits, ``.``, ``_`` or ``-``, more than ``MAX_CODES`` codes or
``MAX_BYTES`` bytes - refuses the whole upload with ``invalid_pool`` naming the line, and
nothing is added.

``take`` hands out the oldest free code of a pool by setting its ``assigned_at`` in one
``UPDATE … RETURNING`` guarded by ``assigned_at IS NULL``; on PostgreSQL the candidate row is
chosen ``FOR UPDATE SKIP LOCKED``, so two transactions racing for a code get different codes
and neither waits for the other; on SQLite writers are serialised (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..core.dbutil import insert_ignore
from ..core.errors import DomainError, reason
from ..models import Coupon
from ..sites.settings.referral import COUPON_CODE

POOLS: tuple[str, ...] = ("friend", "reward")
#: An upload of more is refused: a pool is refilled, not filled for years ahead.
MAX_CODES = 20_000
MAX_BYTES = 2 * 1024 * 1024
#: The owners' pages warn when a pool has fewer free codes than this.
LOW = 20
CODE = re.compile(COUPON_CODE)
_HEADERS = frozenset({"code", "codes", "coupon", "coupons", "gutschein", "gutscheincode"})

INVALID_POOL = reason("invalid_pool", "an upload of coupon codes that cannot be read")


@dataclass(frozen=True)
class Added:
    added: int
    #: Codes given twice in the upload or already in the pool (added once, or not again).
    duplicates: int
    #: Free codes in the pool after the upload.
    remaining: int


#: What was wrong with a refused upload, as ``details["problem"]`` (the owners' pages say it in
#: the owner's language).
PROBLEMS: tuple[str, ...] = ("too_large", "not_text", "bad_line", "bad_code", "too_many", "empty")


def _refuse(message: str, problem: str, line: int | None = None) -> DomainError:
    details: dict[str, object] = {"problem": problem}
    if line is not None:
        details["line"] = line
    where = "" if line is None else f"line {line}: "
    return DomainError(INVALID_POOL, f"{where}{message}; nothing was added.", details)


_TOO_LARGE = f"an upload may have at most {MAX_BYTES // 1024 // 1024} MiB"


def parse(upload: str | bytes) -> tuple[list[str], int]:
    """The distinct codes of an upload in their order, and how many were given twice."""
    if isinstance(upload, bytes):
        if len(upload) > MAX_BYTES:
            raise _refuse(
                f"an upload may have at most {MAX_BYTES // 1024 // 1024} MiB", "too_large"
            )
        try:
            upload = upload.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refuse(
                "the file is not UTF-8 text (save it as CSV or plain text)", "not_text"
            ) from None
    elif len(upload.encode()) > MAX_BYTES:
        raise _refuse(_TOO_LARGE, "too_large")
    if "\x00" in upload:
        raise _refuse("the file is not text (it holds NUL bytes)", "not_text")
    seen: dict[str, None] = {}
    duplicates = 0
    lines = upload.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        first = _first_cell(line, number)
        if number == 1 and first.lower() in _HEADERS:
            continue
        if not CODE.fullmatch(first):
            shown = first if first.isprintable() else repr(first)
            raise _refuse(
                f"{shown[:40]!r} is not a code (1-64 letters, digits, '.', '_' or '-')",
                "bad_code",
                number,
            )
        if first in seen:
            duplicates += 1
            continue
        seen[first] = None
        if len(seen) > MAX_CODES:
            raise _refuse(f"an upload may have at most {MAX_CODES:,} codes", "too_many", number)
    return list(seen), duplicates


def _first_cell(line: str, number: int) -> str:
    delimiter = ";" if ";" in line and "," not in line else ","
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        raise _refuse("the line is not a CSV line", "bad_line", number) from None
    return (cells[0] if cells else "").strip()


def add(session: Session, site_id: int, pool: str, upload: str | bytes, now: datetime) -> Added:
    """Read an upload and add its new codes to a pool (inside ``db.writing()``)."""
    if pool not in POOLS:
        raise ValueError(f"unknown pool {pool!r}")
    codes, duplicates = parse(upload)
    if not codes:
        raise _refuse("the upload holds no code", "empty")
    added = 0
    for start in range(0, len(codes), 500):
        rows = [
            {"site_id": site_id, "pool": pool, "code": code, "created_at": now}
            for code in codes[start : start + 500]
        ]
        # The rows inserted, counted from RETURNING: the rowcount of an ORM execution is not
        # the number of rows on every driver (psycopg answered 0 here).
        inserted = session.execute(
            insert_ignore(session, Coupon).values(rows).returning(Coupon.id)
        ).all()
        added += len(inserted)
    return Added(added, duplicates + len(codes) - added, remaining(session, site_id, pool))


def remaining(session: Session, site_id: int, pool: str) -> int:
    """Free codes of a pool."""
    return session.scalar(
        select(func.count()).where(
            Coupon.site_id == site_id, Coupon.pool == pool, Coupon.assigned_at.is_(None)
        )
    )


def take(session: Session, site_id: int, pool: str, now: datetime) -> str | None:
    """Give out the oldest free code of a pool once; None when the pool is empty."""
    table = Coupon.__table__
    candidate = (
        select(table.c.id)
        .where(table.c.site_id == site_id, table.c.pool == pool, table.c.assigned_at.is_(None))
        .order_by(table.c.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id == candidate.scalar_subquery(), table.c.assigned_at.is_(None))
        .values(assigned_at=now)
        .returning(table.c.code)
    )
    return session.execute(statement).scalar_one_or_none()


def release(session: Session, site_id: int, pool: str, code: str) -> None:
    """Put back a code that was taken but not given to anyone (a lost race)."""
    session.execute(
        Coupon.__table__.update()
        .where(Coupon.site_id == site_id, Coupon.pool == pool, Coupon.code == code)
        .values(assigned_at=None)
    )
