"""A per-worker cache of reference codes: registered once, never changed, looked up constantly."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Engine, func, select

from ..models import RefCode


class KnownCode(NamedTuple):
    id: int
    kind: str
    channel: str | None
    visitor_hash: int | None
    #: The shared page (product, else URL), copied onto the events that come through it.
    page: str | None


class CodeCache:
    """Least-recently-used map of (site id, code) to what ingest needs to know of it."""

    def __init__(self, engine: Engine, size: int = 50_000) -> None:
        self.engine = engine
        self.size = size
        self._entries: OrderedDict[tuple[int, str], KnownCode] = OrderedDict()
        self._lock = threading.Lock()

    def find(self, site_id: int, codes: Iterable[str]) -> dict[str, KnownCode]:
        wanted = set(codes)
        found: dict[str, KnownCode] = {}
        with self._lock:
            for code in wanted:
                entry = self._entries.get((site_id, code))
                if entry is not None:
                    self._entries.move_to_end((site_id, code))
                    found[code] = entry
        missing = wanted - found.keys()
        if missing:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(
                        RefCode.code, RefCode.id, RefCode.kind, RefCode.channel,
                        RefCode.visitor_hash, func.coalesce(RefCode.product, RefCode.url),
                    ).where(RefCode.site_id == site_id, RefCode.code.in_(missing))
                )  # fmt: skip
                loaded = {row.code: KnownCode(*row[1:]) for row in rows}
            self.remember(site_id, loaded)
            found.update(loaded)
        return found

    def remember(self, site_id: int, codes: dict[str, KnownCode]) -> None:
        with self._lock:
            for code, entry in codes.items():
                self._entries[(site_id, code)] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
