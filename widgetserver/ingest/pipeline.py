"""The steps of event ingest. Each takes the ``Batch`` and is testable alone."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import OperationalError

from .. import sites
from ..core import fields
from ..core.errors import DomainError
from ..sites.settings import CHANNELS
from ..web import jsonbody
from ..web.errors import ApiError, Refused
from . import IngestState, state, visitors
from .codes import KnownCode
from .writer import WriteSet

log = logging.getLogger("widgetserver")

EVENT_TYPES = ("share", "visit", "invite")
#: Requests whose site is unknown (or unreadable) are counted under this site id.
UNKNOWN_SITE = 0

# Crawlers, link-preview fetchers and HTTP libraries; real browsers never say these words.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|whatsapp/|telegrambot|preview|"
    r"python-|curl/|wget/|httpclient|java/|go-http|okhttp|axios/|node-fetch",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    return not user_agent or _BOT.search(user_agent) is not None


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
    site: sites.PublicSite | None = None
    visitor: int | None = None
    events: list[Incoming] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    accepted: int = 0
    _worker: IngestState | None = None

    @property
    def worker(self) -> IngestState:
        """The worker's code cache and writer, looked up once per request."""
        if self._worker is None:
            self._worker = state()
        return self._worker

    def reject(self, index: int, reason: str, message: str) -> None:
        self.rejected.append(Rejection(index, reason, message))


def parse(batch: Batch) -> None:
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


def resolve_site(batch: Batch) -> None:
    try:
        batch.site = sites.require_public(batch.site_key, now=batch.now)
    except DomainError as exc:
        raise Refused.of(exc) from None


def check_origin(batch: Batch) -> None:
    assert batch.site is not None
    try:
        sites.require_origin(batch.site, batch.origin)
    except DomainError as exc:
        raise Refused.of(exc) from None


def drop_bots(batch: Batch) -> None:
    if is_bot(batch.user_agent):
        for index in range(len(batch.raw_events)):
            batch.reject(index, "bot", "Events from crawlers and scripts are not counted.")
        batch.raw_events = []


def validate(batch: Batch) -> None:
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


def hash_visitor(batch: Batch) -> None:
    if batch.events:
        assert batch.site is not None
        batch.visitor = visitors.visitor_hash(batch.site.id, batch.ip, batch.user_agent, batch.now)


def attribute(batch: Batch) -> None:
    """Link visits and invites to their codes, shares to their parents; reject unknown codes."""
    assert batch.site is not None
    wanted = {e.code for e in batch.events if e.type != "share"}
    wanted |= {e.parent for e in batch.events if e.parent}
    known = batch.worker.codes.find(batch.site.id, wanted) if wanted else {}
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


def store(batch: Batch) -> None:
    """Register new share codes (a taken code is rejected), insert the events, count drops."""
    site_id = batch.site.id if batch.site else UNKNOWN_SITE
    work = WriteSet(site_id=site_id, day=batch.now.astimezone(UTC).date())
    seen: set[str] = set()
    shares: list[Incoming] = []
    for event in batch.events:
        if event.type == "share":
            if event.code in seen:
                batch.reject(event.index, "duplicate_code", "This code is already registered.")
                continue
            seen.add(event.code)
            shares.append(event)
            work.codes.append(_code_row(batch, event))
        work.events.append(_event_row(batch, event))
    work.drops.update(r.reason for r in batch.rejected)
    written = batch.worker.writer.submit(work)
    registered = {}
    for event in shares:
        code_id = written.code_ids.get(event.code)
        if code_id is None:
            batch.reject(event.index, "duplicate_code", "This code is already registered.")
        else:
            registered[event.code] = KnownCode(code_id, "share", event.channel, batch.visitor)
    batch.worker.codes.remember(site_id, registered)
    batch.accepted = written.events


def _code_row(batch: Batch, event: Incoming) -> dict[str, Any]:
    assert batch.site is not None
    return {
        "site_id": batch.site.id,
        "code": event.code,
        "kind": "share",
        "channel": event.channel,
        "url": event.url,
        "product": event.product,
        "parent_id": event.parent_id,
        "referrer": None,
        "visitor_hash": batch.visitor,
        "created_at": batch.now,
    }


def _event_row(batch: Batch, event: Incoming) -> dict[str, Any]:
    assert batch.site is not None and batch.visitor is not None
    row = {
        "site_id": batch.site.id,
        "type": event.type,
        "occurred_at": batch.now,
        "code_id": event.code_id,
        "channel": event.channel,
        "url": event.url,
        "product": event.product,
        "visitor_hash": batch.visitor,
        "is_self": event.is_self,
    }
    if event.type == "share":
        row["_code"] = event.code  # its id is known once the writer has registered the code
    return row


def count_refusal(site: sites.PublicSite | None, now: datetime, reason: str) -> None:
    """Count a request refused as a whole (the refusal stands even if counting fails)."""
    site_id = site.id if site else UNKNOWN_SITE
    work = WriteSet(site_id=site_id, day=now.astimezone(UTC).date(), drops=Counter({reason: 1}))
    try:
        state().writer.submit(work)
    except OperationalError:
        log.warning("could not count a refused request (%s): the database is unavailable", reason)


REQUEST_STEPS: tuple[Callable[[Batch], None], ...] = (
    parse, resolve_site, check_origin, drop_bots,
)  # fmt: skip
EVENT_STEPS: tuple[Callable[[Batch], None], ...] = (validate, hash_visitor, attribute, store)


def run(batch: Batch) -> Batch:
    """Run every step; a refused request is counted before the refusal is raised."""
    try:
        for step in REQUEST_STEPS:
            step(batch)
    except Refused as exc:
        count_refusal(batch.site, batch.now, exc.error)
        raise
    for step in EVENT_STEPS:
        step(batch)
    batch.rejected.sort(key=lambda r: r.index)
    return batch
