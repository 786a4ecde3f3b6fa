"""Cookieless unique visitors: a keyed hash of (site, IP, user agent) under a daily salt.

Each UTC day has its own random salt, stored in the database so every worker agrees on it.
Yesterday's salt is kept so a visitor who is active across midnight stays one visitor: in the
first half hour of a day, a visitor whose yesterday-hash was seen in the last half hour keeps
that hash. Salts are deleted 48 hours after their day began; after that no hash can be linked
to an IP address or to the same visitor on another day. Raw IP addresses are never stored.

Call these outside any write transaction: creating the day's salt is a write of its own.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from . import signing
from .db import db
from .dbutil import insert_ignore
from .models import Event, Salt

#: How long after midnight a visitor may carry yesterday's hash, and how recent its event.
CONTINUITY = timedelta(minutes=30)

_CACHE = "widgetserver.salts"
_LOCK = threading.Lock()


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def salts_for(now: datetime) -> tuple[bytes, bytes | None]:
    """Today's salt (created if needed) and yesterday's, if it still exists."""
    today = now.astimezone(UTC).date()
    cache: dict[date, bytes | None] = current_app.extensions.setdefault(_CACHE, {})
    if today not in cache:
        with _LOCK:
            if today not in cache:
                _load(cache, today)
    return cache[today], cache.get(today - timedelta(days=1))  # type: ignore[return-value]


def _load(cache: dict[date, bytes | None], today: date) -> None:
    """Once per day and worker: create today's salt unless a worker has, forget old ones."""
    yesterday = today - timedelta(days=1)
    with db.writing() as session:
        fresh = secrets.token_bytes(32)
        session.execute(insert_ignore(session, Salt).values(day=today, value=fresh))
        session.execute(delete(Salt).where(Salt.day < yesterday))
        found = session.execute(select(Salt.day, Salt.value).where(Salt.day >= yesterday))
        rows = dict(found.all())
    cache.clear()
    cache[yesterday] = rows.get(yesterday)
    cache[today] = rows[today]


def visitor_hash(site_id: int, ip: str, user_agent: str, now: datetime) -> int:
    today_salt, yesterday_salt = salts_for(now)
    current = signing.visitor_hash(today_salt, site_id, ip, user_agent)
    since_midnight = now - _day_start(now.astimezone(UTC).date())
    if yesterday_salt is None or since_midnight >= CONTINUITY:
        return current
    previous = signing.visitor_hash(yesterday_salt, site_id, ip, user_agent)
    with db.engine.connect() as connection:
        seen = connection.execute(
            select(Event.id)
            .where(
                Event.site_id == site_id,
                Event.occurred_at >= now - CONTINUITY,
                Event.visitor_hash == previous,
            )
            .limit(1)
        ).first()
    return previous if seen else current
