"""Counters of refused requests and rejected events, by site, UTC day and reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ..dbutil import upsert_add
from ..models import IngestDrop

#: The site id under which requests for unknown (or unparseable) sites are counted.
UNKNOWN_SITE = 0


def count(session: Session, site_id: int, now: datetime, reasons: Mapping[str, int]) -> None:
    day = now.astimezone(UTC).date()
    session.execute(
        upsert_add(session, IngestDrop, ["site_id", "day", "reason"], "count"),
        [
            {"site_id": site_id, "day": day, "reason": reason, "count": n}
            for reason, n in reasons.items()
        ],
    )
