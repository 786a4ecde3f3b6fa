"""Cookieless unique visitors: a keyed hash of (site, IP, user agent) under a daily salt.

Each UTC day has its own random salt, stored in the database so every worker agrees on it.
Yesterday's salt is kept so a visitor who is active across midnight stays one visitor: in the
first half hour of a day, a visitor whose yesterday-hash was seen in the last half hour keeps
that hash. Salts are deleted 48 hours after their day began; after that no hash can be linked
to an IP address or to the same visitor on another day. Raw IP addresses are never stored.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import signing
from .dbutil import insert_ignore
from .models import Event, Salt

#: How long after midnight a visitor may carry yesterday's hash, and how recent its event.
CONTINUITY = timedelta(minutes=30)

_CACHE = "widgetserver.salts"


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def salts_for(session: Session, now: datetime) -> tuple[bytes, bytes | None]:
    """Today's salt (created if needed) and yesterday's, if it still exists."""
    today = now.astimezone(UTC).date()
    yesterday = today - timedelta(days=1)
    cache: dict[date, bytes | None] = current_app.extensions.setdefault(_CACHE, {})
    if today not in cache:
        # Once per day and worker: create today's salt if no worker has yet, forget old ones.
        fresh = secrets.token_bytes(32)
        session.execute(insert_ignore(session, Salt).values(day=today, value=fresh))
        session.execute(delete(Salt).where(Salt.day < yesterday))
        found = session.execute(select(Salt.day, Salt.value).where(Salt.day >= yesterday))
        rows = dict(found.all())
        cache.clear()
        cache[today] = rows[today]
        cache[yesterday] = rows.get(yesterday)
    return cache[today], cache.get(yesterday)


def visitor_hash(session: Session, site_id: int, ip: str, user_agent: str, now: datetime) -> int:
    today_salt, yesterday_salt = salts_for(session, now)
    current = signing.visitor_hash(today_salt, site_id, ip, user_agent)
    since_midnight = now - _day_start(now.astimezone(UTC).date())
    if yesterday_salt is None or since_midnight >= CONTINUITY:
        return current
    previous = signing.visitor_hash(yesterday_salt, site_id, ip, user_agent)
    seen = session.execute(
        select(Event.id)
        .where(
            Event.site_id == site_id,
            Event.occurred_at >= now - CONTINUITY,
            Event.visitor_hash == previous,
        )
        .limit(1)
    ).first()
    return previous if seen else current
