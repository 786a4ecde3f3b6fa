"""``POST /v1/events``: shares, visits and invites from the browser widgets."""

from __future__ import annotations

import json

from flask import Response, current_app

from ..core import clock, ratelimit
from ..ingest.pipeline import Batch, count_refusal, run
from ..web import jsonbody, requestinfo
from ..web.errors import ApiError
from . import bp

#: ``text/plain`` keeps ``fetch(..., {keepalive: true})`` and ``sendBeacon`` free of preflights.
BROWSER_BODY_TYPES = ("text/plain", "application/json")


@bp.post("/events")
def receive_events() -> Response:
    now = clock.now()
    config = current_app.config
    try:
        jsonbody.require_content_type(*BROWSER_BODY_TYPES)
        body = jsonbody.read_body(config["EVENTS_MAX_BYTES"])
    except ApiError as exc:
        count_refusal(None, now, exc.error)
        raise
    batch = run(
        Batch(
            body=body,
            origin=requestinfo.origin(),
            ip=requestinfo.client_ip(),
            user_agent=requestinfo.user_agent(),
            now=now,
            max_batch=config["EVENTS_MAX_BATCH"],
            limits=ratelimit.Rule(
                "events",
                config["EVENTS_LIMIT_CLIENT"],
                config["EVENTS_LIMIT_SITE"],
                config["SECRET_KEY"],
            ),
        )
    )
    rejected = [
        {"index": r.index, "reason": r.reason, "message": r.message} for r in batch.rejected
    ]
    body = json.dumps({"accepted": batch.accepted, "rejected": rejected}, separators=(",", ":"))
    return Response(body, status=202, mimetype="application/json")
