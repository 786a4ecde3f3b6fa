"""Failed logins, counted per account and per client in the database (workers share nothing).

Counters are kept per five-minute window under keyed digests (``signing.keyed_digest``) of
the e-mail address and of the client address, so the table holds neither. Every attempt is
counted first (``count_attempt``, an upsert and then a read of the sums in the same write
transaction, so parallel attempts each see the others), and refused before the password is
even checked once either counter over the last ``LOGIN_LIMIT_MINUTES`` exceeds its limit. A
successful login takes its attempt back and clears the account's counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..core import signing
from ..core.dbutil import dialect_insert
from ..models import LoginFailure

WINDOW = timedelta(minutes=5)
#: Counters older than this are deleted as failures come in.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Keys:
    account: str
    client: str


def keys(email: str, client_ip: str) -> Keys:
    secret = current_app.config["SECRET_KEY"]
    return Keys(
        account="a:" + signing.keyed_digest(secret, "login-account", email.strip().lower()),
        client="c:" + signing.keyed_digest(secret, "login-client", client_ip),
    )


def _window(now: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)


def _span() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LIMIT_MINUTES"])


def retry_after(session: Session, found: Keys, now: datetime, *, counted: int = 0) -> int | None:
    """Seconds until a login may be tried again, or None if it may be tried now.

    ``counted`` attempts are already in the counters (the one being decided).
    """
    since = _window(now - _span())
    limits = {
        found.account: current_app.config["LOGIN_LIMIT_ACCOUNT"],
        found.client: current_app.config["LOGIN_LIMIT_CLIENT"],
    }
    rows = session.execute(
        select(LoginFailure.key, func.sum(LoginFailure.count), func.min(LoginFailure.window_start))
        .where(LoginFailure.key.in_(limits), LoginFailure.window_start >= since)
        .group_by(LoginFailure.key)
    ).all()
    waits = [
        (oldest + _span() + WINDOW - now).total_seconds()
        for key, total, oldest in rows
        if total - counted >= limits[key]
    ]
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(session: Session, found: Keys, now: datetime) -> None:
    window = _window(now)
    table = LoginFailure.__table__
    insert = dialect_insert(session.get_bind().dialect.name, table)
    for key in (found.account, found.client):
        session.execute(
            insert.values(key=key, window_start=window, count=1).on_conflict_do_update(
                index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
            )
        )
    session.execute(delete(LoginFailure).where(LoginFailure.window_start < now - KEEP))


def count_attempt(session: Session, found: Keys, now: datetime) -> int | None:
    """Count this attempt, then decide: seconds to wait if refused, else None.

    Call inside ``db.writing()``: the count and the read of the sums are one transaction
    (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the upsert locks the row until commit, and the
    read after it sees every attempt committed before).
    """
    record_failure(session, found, now)
    return retry_after(session, found, now, counted=1)


def forget_success(session: Session, found: Keys, now: datetime) -> None:
    """A successful login clears the account's failures and takes its attempt back from the
    client's counter (the client's earlier failures stay)."""
    table = LoginFailure.__table__
    session.execute(
        update(table)
        .where(table.c.key == found.client, table.c.window_start == _window(now), table.c.count > 0)
        .values(count=table.c.count - 1)
    )
    forget_account(session, found)


def forget_account(session: Session, found: Keys) -> None:
    """A successful login clears the account's failures (not the client's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == found.account))
