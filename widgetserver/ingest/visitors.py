"""Cookieless unique visitors: a keyed hash of (site, IP, user agent) under a daily salt.

Each UTC day has its own random salt, stored in the database so every worker agrees on it.
Salts are deleted 48 hours after their day began; after that no hash can be linked to an IP
address or to the same visitor on another day. Raw IP addresses are never stored.

Yesterday's salt is kept so a visitor active across midnight stays one visitor: in the first
half hour of a day, a visitor whose yesterday-hash was active in the last half hour keeps
it, and a *link* (today's hash -> yesterday's) makes them keep it all day, in every worker.
Links can only appear in that first half hour, so after it each worker reads them once.

Call these outside any write transaction: creating a salt or a link is a write of its own.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core import signing
from ..core.db import db
from ..core.dbutil import insert_ignore
from ..models import Event, Salt, VisitorLink

#: How long after midnight a visitor may carry yesterday's hash, and how recent its event.
CONTINUITY = timedelta(minutes=30)
#: How often, in the first half hour of a day, a worker rereads the links other workers made.
LINKS_REFRESH = timedelta(seconds=5)

_SALTS = "widgetserver.salts"
_LINKS = "widgetserver.visitor_links"
_LOCK = threading.Lock()


def _midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def salts_for(now: datetime) -> tuple[bytes, bytes | None]:
    """Today's salt (created if needed) and yesterday's, if it still exists."""
    today = now.astimezone(UTC).date()
    cache: dict[date, bytes | None] = current_app.extensions.setdefault(_SALTS, {})
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
        purge(session, today)
        found = session.execute(select(Salt.day, Salt.value).where(Salt.day >= yesterday))
        rows = dict(found.all())
    cache.clear()
    cache[yesterday] = rows.get(yesterday)
    cache[today] = rows[today]


def purge(session: Session, today: date) -> int:
    """Delete the salts and links of the day before yesterday and earlier; count the salts."""
    yesterday = today - timedelta(days=1)
    gone = session.execute(delete(Salt).where(Salt.day < yesterday)).rowcount
    session.execute(delete(VisitorLink).where(VisitorLink.day < yesterday))
    return gone


def visitor_hash(site_id: int, ip: str, user_agent: str, now: datetime) -> int:
    today_salt, yesterday_salt = salts_for(now)
    current = signing.visitor_hash(today_salt, site_id, ip, user_agent)
    if yesterday_salt is None:
        return current
    linked = _links(now).get((site_id, current))
    if linked is not None:
        return linked
    if now - _midnight(now) >= CONTINUITY:
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
    if seen is None:
        return current
    _link(site_id, now, current, previous)
    return previous


def _links(now: datetime) -> dict[tuple[int, int], int]:
    """Today's links, reread while other workers may still be adding some."""
    cache = current_app.extensions.setdefault(_LINKS, {})
    state = cache.get("state")
    # (day, reread after, links); "reread after" is None once no new link can appear.
    if state is not None and state[0] == now.date() and (state[1] is None or now < state[1]):
        return state[2]
    today = now.astimezone(UTC).date()
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(VisitorLink.site_id, VisitorLink.current_hash, VisitorLink.previous_hash).where(
                VisitorLink.day == today
            )
        )
        links = {(site, current): previous for site, current, previous in rows}
    settled = now >= _midnight(now) + CONTINUITY + LINKS_REFRESH
    cache["state"] = (today, None if settled else now + LINKS_REFRESH, links)
    return links


def _link(site_id: int, now: datetime, current: int, previous: int) -> None:
    today = now.astimezone(UTC).date()
    with db.writing() as session:
        session.execute(
            insert_ignore(session, VisitorLink).values(
                site_id=site_id, day=today, current_hash=current, previous_hash=previous
            )
        )
    _links(now)[(site_id, current)] = previous
