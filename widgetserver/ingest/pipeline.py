"""The steps of event ingest. Each takes the ``Batch`` and is testable alone."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import OperationalError

from .. import sites
from ..core import fields, ratelimit
from ..core.errors import DomainError
from ..web import jsonbody
from ..web.errors import ApiError, Refused
from . import IngestState, state, visitors
from .codes import KnownCode
from .validation import Incoming, is_bot, validate_event
from .writer import RATE_LIMITED, WriteSet

log = logging.getLogger("widgetserver")

#: Requests whose site is unknown (or unreadable) are counted under this site id.
UNKNOWN_SITE = 0


@dataclass
class Rejection:
    index: int
    reason: str
    message: str


@dataclass
class Batch:
    body: bytes
    origin: str | None
    ip: str
    user_agent: str
    now: datetime
    max_batch: int
    #: The endpoint's rate limits (None: not limited).
    limits: ratelimit.Rule | None = None
    site_key: str | None = None
    raw_events: list[Any] = field(default_factory=list)
    site: sites.PublicSite | None = None
    visitor: int | None = None
    charges: tuple[ratelimit.Charge, ...] = ()
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


def check_limits(batch: Batch) -> None:
    """Charge the request's events to its client and site; refuse it if one is known full.

    The writer counts the charges in its transaction and refuses there when a limit is
    reached; a worker that has seen a key full refuses here until the window ends.
    """
    if batch.limits is None:
        return
    assert batch.site is not None
    batch.charges = batch.limits.charges(batch.site.id, batch.ip, len(batch.raw_events), batch.now)
    full = batch.worker.limiter.refusal(batch.charges)
    if full is not None:
        raise rate_limited(full, batch.now)


def rate_limited(charge: ratelimit.Charge, now: datetime) -> Refused:
    """The ``429`` of a request over a rate limit, with the seconds until its window ends."""
    who = "this client" if charge.subject == "client" else "this site"
    wait = ratelimit.retry_after(charge.window, now)
    return Refused(
        429,
        RATE_LIMITED,
        f"Too many events from {who} this minute; nothing was stored. Try again in {wait} s.",
        retry_after=wait,
    )


def drop_bots(batch: Batch) -> None:
    if is_bot(batch.user_agent):
        for index in range(len(batch.raw_events)):
            batch.reject(index, "bot", "Events from crawlers and scripts are not counted.")
        batch.raw_events = []


def validate(batch: Batch) -> None:
    assert batch.site is not None
    origins = batch.site.origins
    for index, raw in enumerate(batch.raw_events):
        try:
            batch.events.append(validate_event(index, raw, origins))
        except fields.FieldError as exc:
            batch.reject(index, exc.reason, exc.message)


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
            event.from_share = parent is not None and parent.kind == "share"
            kept.append(event)
            continue
        row = known.get(event.code)
        if row is None:
            batch.reject(event.index, "unknown_code", "No link with this code was registered.")
        elif event.type == "invite" and row.kind != "referral":
            batch.reject(event.index, "not_a_referral", "Invites need a referral link's code.")
        else:
            event.code_id = row.id
            if row.page != (event.product or event.url):
                event.page = row.page
            event.from_share = row.kind == "share"
            if event.type == "visit":
                event.channel = row.channel
                event.is_self = row.visitor_hash is not None and row.visitor_hash == batch.visitor
            kept.append(event)
    batch.events = kept


def store(batch: Batch) -> None:
    """Register new share codes (a taken code is rejected), insert the events, count drops.

    Over a rate limit, the writer stores nothing of the request but its refusal: ``429``.
    """
    site_id = batch.site.id if batch.site else UNKNOWN_SITE
    day = batch.now.astimezone(UTC).date()
    work = WriteSet(site_id=site_id, day=day, charges=batch.charges)
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
    if written.limited is not None:
        raise rate_limited(written.limited, batch.now)
    registered = {}
    for event in shares:
        code_id = written.code_ids.get(event.code)
        if code_id is None:
            batch.reject(event.index, "duplicate_code", "This code is already registered.")
        else:
            registered[event.code] = KnownCode(
                code_id, "share", event.channel, batch.visitor, event.product or event.url
            )
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
        "page": event.page,
        "from_share": event.from_share,
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
    parse, resolve_site, check_origin, check_limits, drop_bots,
)  # fmt: skip
EVENT_STEPS: tuple[Callable[[Batch], None], ...] = (validate, hash_visitor, attribute, store)


def run(batch: Batch) -> Batch:
    """Run every step; a refused request is counted before the refusal is raised.

    (A request the writer refuses over a rate limit is counted by the writer itself.)
    """
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
