"""The steps of event ingest. Each takes the ``Batch`` and the session and is testable alone."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .. import fields, jsonbody, sites, visitors
from ..dbutil import insert_ignore
from ..errors import ApiError
from ..models import Event, RefCode, Site
from ..sitesettings import CHANNELS
from .drops import count

EVENT_TYPES = ("share", "visit", "invite")

# Crawlers, link-preview fetchers and HTTP libraries; real browsers never say these words.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|whatsapp/|telegrambot|preview|"
    r"python-|curl/|wget/|httpclient|java/|go-http|okhttp|axios/|node-fetch",
    re.IGNORECASE,
)


class Refused(ApiError):
    """The whole request is refused (and counted under ``reason``)."""


@dataclass
class Rejection:
    index: int
    reason: str
    message: str


@dataclass
class Incoming:
    """One event that passed validation."""

    index: int
    type: str
    code: str
    channel: str | None
    url: str | None
    product: str | None
    parent: str | None
    code_id: int | None = None
    parent_id: int | None = None
    is_self: bool = False


@dataclass
class Batch:
    body: bytes
    origin: str | None
    ip: str
    user_agent: str
    now: datetime
    max_batch: int
    site_key: str | None = None
    raw_events: list[Any] = field(default_factory=list)
    site: Site | None = None
    visitor: int | None = None
    events: list[Incoming] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    accepted: int = 0

    def reject(self, index: int, reason: str, message: str) -> None:
        self.rejected.append(Rejection(index, reason, message))


def parse(batch: Batch, _session: Session) -> None:
    try:
        data = jsonbody.require_object(jsonbody.parse(batch.body))
    except ApiError as exc:
        raise Refused(exc.status, exc.error, exc.message) from None
    key, events = data.get("site"), data.get("events")
    if not isinstance(key, str):
        raise Refused(400, "invalid_request", 'The body needs "site": the public site key.')
    batch.site_key = key
    if not isinstance(events, list):
        raise Refused(400, "invalid_request", 'The body needs "events": a list of events.')
    if not events:
        raise Refused(400, "invalid_request", 'The "events" list is empty.')
    if len(events) > batch.max_batch:
        raise Refused(
            400, "too_many_events", f"At most {batch.max_batch} events fit in one request."
        )
    batch.raw_events = events


def resolve_site(batch: Batch, session: Session) -> None:
    batch.site = sites.by_key(session, batch.site_key)
    if batch.site is None:
        raise Refused(404, "unknown_site", "No active site has this public key.")


def check_origin(batch: Batch, _session: Session) -> None:
    assert batch.site is not None
    if batch.origin is None or batch.origin not in batch.site.origins:
        raise Refused(
            403,
            "origin_not_allowed",
            "This page's origin is not one of the site's registered shop origins.",
        )


def drop_bots(batch: Batch, _session: Session) -> None:
    if not batch.user_agent or _BOT.search(batch.user_agent):
        for index in range(len(batch.raw_events)):
            batch.reject(index, "bot", "Events from crawlers and scripts are not counted.")
        batch.raw_events = []


def validate(batch: Batch, _session: Session) -> None:
    for index, raw in enumerate(batch.raw_events):
        try:
            batch.events.append(validate_event(index, raw))
        except fields.FieldError as exc:
            batch.reject(index, exc.reason, exc.message)


def validate_event(index: int, raw: Any) -> Incoming:
    if not isinstance(raw, dict):
        raise fields.FieldError("invalid_event", "an event must be a JSON object")
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        raise fields.FieldError("invalid_type", f"type must be one of {', '.join(EVENT_TYPES)}")
    channel = raw.get("channel")
    if kind == "visit":
        channel = None
    elif channel not in CHANNELS:
        raise fields.FieldError("invalid_channel", f"channel must be one of {', '.join(CHANNELS)}")
    url = raw.get("url")
    if kind == "share" or url is not None:
        url = fields.page_url(url)
    parent = raw.get("parent")
    return Incoming(
        index=index,
        type=kind,
        code=fields.code(raw.get("code")),
        channel=channel,
        url=url,
        product=fields.optional_text(raw.get("product"), "invalid_product", 128),
        parent=None if kind != "share" or parent is None else fields.code(parent, "invalid_parent"),
    )


def hash_visitor(batch: Batch, session: Session) -> None:
    if batch.events:
        assert batch.site is not None
        batch.visitor = visitors.visitor_hash(
            session, batch.site.id, batch.ip, batch.user_agent, batch.now
        )


def attribute(batch: Batch, session: Session) -> None:
    """Link visits and invites to their codes, shares to their parents; reject unknown codes."""
    assert batch.site is not None
    wanted = {e.code for e in batch.events if e.type != "share"}
    wanted |= {e.parent for e in batch.events if e.parent}
    known = {}
    if wanted:
        rows = session.execute(
            select(
                RefCode.code, RefCode.id, RefCode.kind, RefCode.channel, RefCode.visitor_hash
            ).where(RefCode.site_id == batch.site.id, RefCode.code.in_(wanted))
        ).all()
        known = {row.code: row for row in rows}
    kept = []
    for event in batch.events:
        if event.type == "share":
            parent = known.get(event.parent) if event.parent else None
            event.parent_id = parent.id if parent else None
            kept.append(event)
            continue
        row = known.get(event.code)
        if row is None:
            batch.reject(event.index, "unknown_code", "No link with this code was registered.")
        elif event.type == "invite" and row.kind != "referral":
            batch.reject(event.index, "not_a_referral", "Invites need a referral link's code.")
        else:
            event.code_id = row.id
            if event.type == "visit":
                event.channel = row.channel
                event.is_self = row.visitor_hash is not None and row.visitor_hash == batch.visitor
            kept.append(event)
    batch.events = kept


def store(batch: Batch, session: Session) -> None:
    """Register the codes of new shares (refusing taken ones), then insert every event."""
    assert batch.site is not None
    site_id, now = batch.site.id, batch.now
    shares = [e for e in batch.events if e.type == "share"]
    seen: set[str] = set()
    fresh = []
    for event in shares:
        if event.code in seen:
            batch.reject(event.index, "duplicate_code", "This code is already registered.")
        else:
            seen.add(event.code)
            fresh.append(event)
    if fresh:
        created = session.execute(
            insert_ignore(session, RefCode).returning(RefCode.code, RefCode.id),
            [
                {
                    "site_id": site_id,
                    "code": e.code,
                    "kind": "share",
                    "channel": e.channel,
                    "url": e.url,
                    "product": e.product,
                    "parent_id": e.parent_id,
                    "visitor_hash": batch.visitor,
                    "created_at": now,
                }
                for e in fresh
            ],
        ).all()
        ids = dict(created)
        for event in fresh:
            event.code_id = ids.get(event.code)
            if event.code_id is None:
                batch.reject(event.index, "duplicate_code", "This code is already registered.")
    batch.events = [e for e in batch.events if e.code_id is not None]
    if batch.events:
        session.execute(
            insert(Event),
            [
                {
                    "site_id": site_id,
                    "type": e.type,
                    "occurred_at": now,
                    "code_id": e.code_id,
                    "channel": e.channel,
                    "url": e.url,
                    "product": e.product,
                    "visitor_hash": batch.visitor,
                    "is_self": e.is_self,
                }
                for e in batch.events
            ],
        )
    batch.accepted = len(batch.events)


def count_drops(batch: Batch, session: Session) -> None:
    reasons = Counter(r.reason for r in batch.rejected)
    if reasons:
        count(session, batch.site.id if batch.site else 0, batch.now, reasons)


REQUEST_STEPS: tuple[Callable[[Batch, Session], None], ...] = (
    parse,
    resolve_site,
    check_origin,
    drop_bots,
)
EVENT_STEPS: tuple[Callable[[Batch, Session], None], ...] = (
    validate,
    hash_visitor,
    attribute,
    store,
    count_drops,
)


def run(batch: Batch, session: Session) -> Batch:
    """Run every step in one write transaction the caller commits."""
    for step in REQUEST_STEPS:
        step(batch, session)
    for step in EVENT_STEPS:
        step(batch, session)
    batch.rejected.sort(key=lambda r: r.index)
    return batch
