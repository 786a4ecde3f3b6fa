"""Failed logins, counted in the database (workers share nothing) on three counters per attempt.

- the account from one client (``LOGIN_LIMIT_ACCOUNT_CLIENT``): stops a guesser at the
  account's door without stopping the owner, who logs in from another client;
- the account from every client together (``LOGIN_LIMIT_ACCOUNT``, much higher): a guesser
  with many addresses;
- the client across every account (``LOGIN_LIMIT_CLIENT``): one client trying many accounts.

Each counter is a row per five-minute window under a keyed digest (``signing.keyed_digest``),
so the table holds neither an e-mail nor an address; an IPv6 client is its /64 network, the
block one subscriber gets. A login is refused while any of its counters over the last
``LOGIN_LIMIT_MINUTES`` has reached its limit.

An attempt that is refused is never counted (``check`` reads without writing), so refusals
neither extend a lock nor add rows. One that may go ahead is counted before the password is
checked (``count_attempt``: the upserts and then a read of the sums in one write transaction,
so parallel attempts each see the others; one that finds itself past a limit raises
``TooMany`` and its transaction is rolled back). A successful login takes its attempt back and
clears the failures of its account from its client. Counters older than the limit are deleted
as attempts come in, so a client adds at most about two rows per counted attempt, and at most
``LOGIN_LIMIT_CLIENT`` counted attempts in the limit's span, however many e-mail addresses it
tries.
"""

from __future__ import annotations

import ipaddress
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..core import signing
from ..core.dbutil import dialect_insert
from ..models import LoginFailure

WINDOW = timedelta(minutes=5)
#: An IPv6 client is its network of this size (one subscriber's block).
IPV6_CLIENT_PREFIX = 64


class TooMany(Exception):
    """A login refused by the limit; ``seconds`` until one may be tried again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many failed logins; try again in {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True)
class Keys:
    account: str
    pair: str
    client: str


def client_name(address: str) -> str:
    """The client as the limit knows it: an IPv4 address, or the /64 of an IPv6 address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def keys(email: str, client_ip: str) -> Keys:
    secret = current_app.config["SECRET_KEY"]
    account = email.strip().lower()
    client = client_name(client_ip)
    return Keys(
        account="a:" + signing.keyed_digest(secret, "login-account", account),
        pair="p:" + signing.keyed_digest(secret, "login-account-client", f"{account}\n{client}"),
        client="c:" + signing.keyed_digest(secret, "login-client", client),
    )


def _limits(found: Keys) -> dict[str, int]:
    config = current_app.config
    return {
        found.account: config["LOGIN_LIMIT_ACCOUNT"],
        found.pair: config["LOGIN_LIMIT_ACCOUNT_CLIENT"],
        found.client: config["LOGIN_LIMIT_CLIENT"],
    }


def _window(now: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    return datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)


def _span() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_LIMIT_MINUTES"])


def _since(now: datetime) -> datetime:
    """The oldest window still counted."""
    return _window(now - _span())


def _wait(session: Session, found: Keys, now: datetime, *, counted: int) -> int | None:
    """Seconds until a login may be tried again, or None if it may be tried now.

    ``counted`` attempts are already in the counters (the one being decided). A counter that
    has reached its limit frees a try when enough of its oldest windows have left the span.
    """
    limits = _limits(found)
    rows = session.execute(
        select(LoginFailure.key, LoginFailure.window_start, LoginFailure.count)
        .where(LoginFailure.key.in_(limits), LoginFailure.window_start >= _since(now))
        .order_by(LoginFailure.key, LoginFailure.window_start)
    ).all()
    windows: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for key, start, count in rows:
        windows[key].append((start, count))
    waits = []
    for key, found_windows in windows.items():
        left = sum(count for _start, count in found_windows) - counted
        for start, count in found_windows:
            if left < limits[key]:
                break
            left -= count
            waits.append((start + _span() + WINDOW - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else None


def check(session: Session, found: Keys, now: datetime) -> int | None:
    """Seconds to wait if a login would be refused now, else None; writes nothing."""
    return _wait(session, found, now, counted=0)


def count_attempt(session: Session, found: Keys, now: datetime) -> None:
    """Count this attempt, then decide: ``TooMany`` if it is past a limit.

    Call inside ``db.writing()`` and let ``TooMany`` leave it, so the count is rolled back
    (a refused attempt counts nothing). The count and the read of the sums are one
    transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: each upsert locks its row until
    commit - in key order, so two attempts cannot deadlock - and the read after them sees every
    attempt committed before).
    """
    window = _window(now)
    table = LoginFailure.__table__
    insert = dialect_insert(session.get_bind().dialect.name, table)
    for key in sorted((found.account, found.pair, found.client)):
        session.execute(
            insert.values(key=key, window_start=window, count=1).on_conflict_do_update(
                index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
            )
        )
    wait = _wait(session, found, now, counted=1)
    if wait is not None:
        raise TooMany(wait)
    session.execute(delete(LoginFailure).where(LoginFailure.window_start < _since(now)))


def forget_success(session: Session, found: Keys, now: datetime) -> None:
    """A successful login takes its attempt back from the account's and the client's counters
    and clears the failures of the account from this client (the others' stay)."""
    table = LoginFailure.__table__
    session.execute(
        update(table)
        .where(
            table.c.key.in_(sorted((found.account, found.client))),
            table.c.window_start == _window(now),
            table.c.count > 0,
        )
        .values(count=table.c.count - 1)
    )
    session.execute(delete(LoginFailure).where(LoginFailure.key == found.pair))
