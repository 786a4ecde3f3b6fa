"""``POST /v1/events``: shares, visits and invites from the browser widgets."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from .. import clock, jsonbody, requestinfo
from ..db import db
from ..errors import ApiError
from ..ingest import Batch, Refused, run
from ..ingest.drops import UNKNOWN_SITE, count
from . import bp

#: ``text/plain`` keeps ``fetch(..., {keepalive: true})`` and ``sendBeacon`` free of preflights.
BROWSER_BODY_TYPES = ("text/plain", "application/json")


@bp.post("/events")
def receive_events() -> tuple[Response, int]:
    now = clock.now()
    try:
        jsonbody.require_content_type(*BROWSER_BODY_TYPES)
        body = jsonbody.read_body(current_app.config["EVENTS_MAX_BYTES"])
    except ApiError as exc:
        _count_refusal(UNKNOWN_SITE, exc.error)
        raise
    batch = Batch(
        body=body,
        origin=requestinfo.origin(),
        ip=requestinfo.client_ip(),
        user_agent=requestinfo.user_agent(),
        now=now,
        max_batch=current_app.config["EVENTS_MAX_BATCH"],
    )
    try:
        with db.writing() as session:
            run(batch, session)
    except Refused as exc:
        _count_refusal(batch.site.id if batch.site else UNKNOWN_SITE, exc.error)
        raise
    rejected = [
        {"index": r.index, "reason": r.reason, "message": r.message} for r in batch.rejected
    ]
    return jsonify(accepted=batch.accepted, rejected=rejected), 202


def _count_refusal(site_id: int, reason: str) -> None:
    with db.writing() as session:
        count(session, site_id, clock.now(), {reason: 1})
