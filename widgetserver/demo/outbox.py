"""The shop's outbox: conversion reports that reach the widget server without blocking checkout.

This is the pattern a shop plugin copies. What it guarantees:

- **Checkout never waits.** A report is tried once at once with the client's short timeout
  (the shop passes two seconds); whatever does not arrive waits here, in memory, and the
  order page is answered all the same.
- **Retries until it arrives.** A background thread retries every waiting report every
  ``interval`` seconds, and ``flush()`` retries them now. A network failure, a redirect or a
  ``5xx`` answer (``DeliveryError``) keeps the report waiting.
- **A ``4xx`` answer is final.** The widget server has decided, and the same report would get
  the same answer; the report is never retried (the last 20 stay in ``refused`` for the back
  office).
  ``409`` means the server already knows a later state of the order (logged as information).
- **In order per order.** Later reports of an order queue behind its waiting one, so the
  server sees the statuses in the order they happened; one sender per order at a time.
- **No double count.** The body stays the same bytes and is signed anew at every attempt;
  reports are idempotent on the server (one row per site and order id), so a report that did
  arrive although its answer was lost changes nothing when it is sent again.

What it does not: survive a restart. A plugin keeps its outbox in the shop's database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from ..web.client import DeliveryError, SignedClient, encode

log = logging.getLogger("widgetserver.demo")


@dataclass
class Report:
    """One conversion report on its way: the exact bytes sent, and how far it got."""

    order_id: str
    body: bytes
    queued_at: float
    attempts: int = 0
    state: str = "waiting"  # then "delivered" or "refused"
    error: str = ""


class Outbox:
    """Integration point 4: reports that did not arrive, retried in order per order id."""

    PATH = "/v1/conversions"

    def __init__(self, client: SignedClient, interval: float) -> None:
        self.client = client
        self.interval = interval
        self._queues: dict[str, deque[Report]] = {}
        self._sending: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refused: deque[Report] = deque(maxlen=20)

    def send(self, order_id: str, body: dict[str, Any]) -> Report:
        """Queue a report behind the order's waiting ones and try to deliver them now."""
        report = Report(order_id, encode(body), time.time())
        with self._lock:
            self._queues.setdefault(order_id, deque()).append(report)
        self._drain(order_id)
        return report

    def flush(self) -> None:
        """Retry every waiting report now."""
        with self._lock:
            waiting = list(self._queues)
        for order_id in waiting:
            self._drain(order_id)

    def pending(self) -> list[Report]:
        with self._lock:
            return [r for queue in self._queues.values() for r in queue]

    def _drain(self, order_id: str) -> None:
        with self._lock:
            sending = self._sending.setdefault(order_id, threading.Lock())
        with sending:  # one sender per order, so reports of an order never overtake each other
            while True:
                with self._lock:
                    queue = self._queues.get(order_id)
                    if not queue:
                        self._queues.pop(order_id, None)
                        return
                    report = queue[0]
                report.attempts += 1
                try:
                    status, answer = self.client.post(self.PATH, report.body)
                except DeliveryError as exc:
                    if not report.error:
                        log.warning("order %s: report kept in the outbox (%s)", order_id, exc)
                    report.error = str(exc)
                    return
                if status >= 400:
                    report.state, report.error = "refused", _describe(status, answer)
                    self.refused.append(report)
                    # 409: the widget server already knows a later state of the order.
                    level = logging.INFO if status == 409 else logging.WARNING
                    log.log(
                        level, "order %s: report refused, not retried: %s", order_id, report.error
                    )
                else:
                    report.state, report.error = "delivered", ""
                with self._lock:
                    queue.popleft()

    def start(self) -> None:
        """Start the retry thread (a daemon: it never keeps the process alive)."""
        self._thread = threading.Thread(target=self._run, name="shop-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # keep retrying whatever happened to one attempt
                log.exception("outbox retry failed")


def _describe(status: int, answer: Any) -> str:
    if isinstance(answer, dict) and "error" in answer:
        return f"{status} {answer['error']}: {answer.get('message', '')}"
    return str(status)
