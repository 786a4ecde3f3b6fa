"""Events from several threads at once, every request and its answer kept for the count.

Each event is a share with a code and page URL of its own (its *marker*), so the rows in the
database can be matched to the requests that carried them: an accepted event must be there
once, a refused one not at all, and one whose answer never came at most once.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select

from widgetserver.core.db import normalise_url
from widgetserver.models import Event

from .clients import BROWSER_UA, Answer

SHOP = "https://shop.example"
#: A load's requests carry 1, 2 or 3 events, in turn.
EVENTS_PER_REQUEST = (1, 2, 3)
#: After an answer other than 202 a thread waits this long: a refusing server is not hammered.
PAUSE_AFTER_REFUSAL = 0.05


def share_body(site_key: str, markers: list[str]) -> bytes:
    """A browser's batch of share clicks, one per marker: its page URL, whose last segment
    (6 to 32 letters, digits, ``-`` and ``_``) is also the click's new code."""
    events = [
        {"type": "share", "code": marker.rsplit("/", 1)[1], "channel": "x", "url": marker}
        for marker in markers
    ]
    return json.dumps({"site": site_key, "events": events}).encode()


BROWSER_HEADERS = {"Origin": SHOP, "Content-Type": "text/plain", "User-Agent": BROWSER_UA}


@dataclass(frozen=True)
class Outcome:
    """One request: the markers of its events and its answer, or why none came."""

    markers: tuple[str, ...]
    answer: Answer | None
    failure: str | None = None

    @property
    def status(self) -> int | None:
        return None if self.answer is None else self.answer.status

    @property
    def accepted(self) -> int:
        """The events the server said it accepted (202 bodies only)."""
        if self.answer is None or self.answer.status != 202:
            return 0
        data = self.answer.json()
        assert isinstance(data, dict)
        return int(data["accepted"])


@dataclass
class Load:
    """Threads that post share clicks through ``post`` (a body in, an answer out)."""

    post: Callable[[bytes], Answer]
    site_key: str
    #: Distinguishes this load's markers from every other's.
    tag: str
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def prefix(self) -> str:
        return f"{SHOP}/load/{self.tag}/"

    def _one(self, thread: int, number: int) -> Outcome:
        count = EVENTS_PER_REQUEST[number % len(EVENTS_PER_REQUEST)]
        markers = [f"{self.prefix}{self.tag}-{thread}-{number}-{i}" for i in range(count)]
        try:
            answer = self.post(share_body(self.site_key, markers))
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(tuple(markers), None, type(exc).__name__)
        return Outcome(tuple(markers), answer)

    def _thread(self, thread: int, requests: int | None, stop: threading.Event) -> None:
        numbers = range(requests) if requests is not None else itertools.count()
        for number in numbers:
            if stop.is_set():
                return
            outcome = self._one(thread, number)
            with self._lock:
                self.outcomes.append(outcome)
            if outcome.status != 202:
                time.sleep(PAUSE_AFTER_REFUSAL)

    @contextmanager
    def running(self, threads: int, requests: int | None = None) -> Iterator[Load]:
        """``threads`` threads sending ``requests`` each (None: until the block ends)."""
        stop = threading.Event()
        workers = [
            threading.Thread(target=self._thread, args=(n, requests, stop), daemon=True)
            for n in range(threads)
        ]
        for worker in workers:
            worker.start()
        try:
            yield self
            if requests is not None:
                for worker in workers:
                    worker.join()
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=60)

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def wait_until(self, done: Callable[[list[Outcome]], bool], seconds: float) -> None:
        """Poll the outcomes until ``done`` holds; fail after ``seconds``."""
        deadline = time.monotonic() + seconds
        while not done(self.snapshot()):
            if time.monotonic() > deadline:
                statuses = Counter(o.status or o.failure for o in self.snapshot())
                raise AssertionError(f"the load did not get there in {seconds} s: {statuses}")
            time.sleep(0.05)


def stored(database_url: str, prefix: str) -> Counter[str]:
    """How often each page URL under ``prefix`` is in ``events``."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            urls = connection.scalars(select(Event.url).where(Event.url.startswith(prefix)))
            return Counter(urls)
    finally:
        engine.dispose()


def assert_counted_once(outcomes: list[Outcome], rows: Counter[str]) -> None:
    """No accepted event lost, no refused one stored, nothing stored twice.

    An event whose request got no answer (a worker killed while it worked) may be stored or
    not, but never twice.
    """
    sent = {marker for outcome in outcomes for marker in outcome.markers}
    assert set(rows) <= sent, "rows nobody sent"
    assert max(rows.values(), default=1) == 1, "an event stored twice"
    for outcome in outcomes:
        found = [rows[m] for m in outcome.markers]
        if outcome.status == 202:
            assert outcome.accepted == len(outcome.markers), outcome.answer
            assert found == [1] * len(found), f"accepted but not stored: {outcome.markers}"
        elif outcome.answer is not None:
            assert found == [0] * len(found), f"refused ({outcome.status}) but stored"
    unanswered = sum(rows[m] for o in outcomes if o.answer is None for m in o.markers)
    assert sum(rows.values()) == sum(o.accepted for o in outcomes) + unanswered
