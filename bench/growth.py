"""How fast one abusive client - and many against one site - can still grow the database.

Against ``widgetserver serve`` with the default rate limits, clients send the largest events
``POST /v1/events`` accepts: shares (each registers a code and stores an event) with a code of
32 characters, a ``parent``, a product of 128 characters and a distinct page address on the
site's own origin with a path of 1,024 characters, as many to a request as fit in the 64 KiB
body. Each client sends as fast as it can; after a ``429`` it halves its batch, after a
``202`` it doubles it again, so it finds what is left of its minute. Rate limits count fixed
one-minute windows, so each scenario starts when a window starts and lasts whole windows:
what it measures is what an hour of such windows allows.

Then the server is restarted on the same database with the limits lifted, and the same number
of minimal shares (an 8-character code, the origin's root page, no product, no parent) is sent
as the baseline: what the same events cost at ordinary size.
"""

from __future__ import annotations

import json
import math
import random
import string
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hostile import CHROME, TEXT, compact
from instance import ORIGIN, create_site, database_bytes, instance_env, start_server
from servers import HOST, BenchError, Server
from wire import exchange

WINDOW = 60
MAX_BODY = 64 * 1024
MAX_BATCH = 100
#: Clients of the many-clients scenario: more than the per-site limit needs (6,000 / 120).
MANY_CLIENTS = 80
THREADS = 8
PARENT = "growthparent"
#: Seconds into a window a scenario may still start (measuring the one before takes a moment).
LATE = 2.0
#: The fewest minimal shares of a baseline: fewer fill too few pages to measure (PostgreSQL
#: fills 8 KB pages that already have room before it grows).
MIN_BASELINE = 3000


@dataclass
class Flood:
    name: str
    clients: int
    seconds: float = 0.0
    requests: int = 0
    refused: int = 0
    accepted: int = 0
    growth: int = 0
    tables: int = 0


class Client:
    """One abusive client: one address, one user agent, its own codes and pages."""

    def __init__(self, n: int, site_key: str, seed: int) -> None:
        self.address = f"127.30.{n // 250}.{n % 250 + 1}"
        self.agent = f"{CHROME} client/{n}"
        self.site_key = site_key
        self.rng = random.Random(seed * 1000 + n)
        self.n = n
        self.sent = 0
        self.batch = MAX_BATCH

    def _text(self, length: int) -> str:
        return "".join(self.rng.choices(string.ascii_letters + string.digits, k=length))

    def event(self) -> dict[str, object]:
        self.sent += 1
        tag = f"{self.n:03d}{self.sent:07d}"
        path = f"/{tag}/" + self._text(1024 - len(tag) - 2)
        return {
            "type": "share",
            "code": (tag + self._text(32))[:32],
            "channel": "pinterest",
            "url": f"{ORIGIN}{path}",
            "product": tag + self._text(128 - len(tag)),
            "parent": PARENT,
        }

    def body(self) -> tuple[bytes, int]:
        """The largest request of at most ``self.batch`` events that fits the body limit."""
        events: list[dict[str, object]] = []
        size = len(compact({"site": self.site_key, "events": []}))
        while len(events) < self.batch:
            event = self.event()
            cost = len(compact(event)) + 1
            if size + cost > MAX_BODY:
                self.sent -= 1
                break
            events.append(event)
            size += cost
        return compact({"site": self.site_key, "events": events}), len(events)


def post(server: Server, body: bytes, address: str, agent: str) -> tuple[int | None, int]:
    headers = {"Origin": ORIGIN, "Content-Type": TEXT, "User-Agent": agent}
    answer = exchange(
        HOST, server.port, "POST", "/v1/events", headers, body, timeout=30, source=address
    )
    if answer.status == 202:
        return 202, int(json.loads(answer.body)["accepted"])
    return answer.status, 0


def flood(server: Server, clients: list[Client], until: float, result: Flood) -> None:
    """Clients in turn, each as fast as it can, until ``until``."""
    lock = threading.Lock()

    def work(mine: list[Client]) -> None:
        i = 0
        while time.time() < until:
            client = mine[i % len(mine)]
            i += 1
            body, count = client.body()
            status, accepted = post(server, body, client.address, client.agent)
            if status == 202:
                client.batch = min(MAX_BATCH, client.batch * 2)
            elif status == 429:
                client.sent -= count  # its codes were not stored; the next may use them
                client.batch = max(1, client.batch // 2)
            else:
                raise BenchError(f"an abusive request answered {status}")
            with lock:
                result.requests += 1
                result.refused += status == 429
                result.accepted += accepted

    groups = [clients[i::THREADS] for i in range(min(THREADS, len(clients)))]
    threads = [threading.Thread(target=work, args=(g,)) for g in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def window_start() -> float:
    """The start of the window just begun (the scenario before ended with it), else the next."""
    now = time.time()
    current = now // WINDOW * WINDOW
    return current if now - current < LATE else current + WINDOW


def abusive(server: Server, env: dict[str, str], result: Flood, seconds: float, site: str) -> None:
    start = window_start()
    windows = max(1, math.ceil(seconds / WINDOW))
    wait = start - time.time()
    print(
        f"  {result.name}: waiting {wait:.0f} s for a rate-limit window to start, "
        f"then {windows * WINDOW} s",
        flush=True,
    )
    time.sleep(max(0.0, wait))
    before = database_bytes(env)
    clients = [
        Client(n + (1000 if result.clients > 1 else 0), site, 1) for n in range(result.clients)
    ]
    flood(server, clients, start + windows * WINDOW, result)
    after = database_bytes(env)
    result.seconds = windows * WINDOW
    result.growth = after["database"] - before["database"]
    result.tables = after["tables"] - before["tables"]


def baseline(server: Server, env: dict[str, str], site: str, count: int, tag: str) -> Flood:
    """``count`` minimal shares (at least ``MIN_BASELINE``), 100 to a request, limits lifted."""
    count = max(count, MIN_BASELINE)
    result = Flood(f"baseline: {count:,} minimal shares", 1)
    before = database_bytes(env)
    start = time.monotonic()
    sent = 0
    while sent < count:
        n = min(MAX_BATCH, count - sent)
        events = [
            {"type": "share", "code": f"{tag}{sent + i:05d}", "channel": "x", "url": f"{ORIGIN}/"}
            for i in range(n)
        ]
        status, accepted = post(
            server, compact({"site": site, "events": events}), "127.0.0.9", CHROME
        )
        if status != 202 or accepted != n:
            raise BenchError(f"a baseline request answered {status} with {accepted} of {n}")
        sent += n
        result.requests += 1
        result.accepted += n
    result.seconds = time.monotonic() - start
    after = database_bytes(env)
    result.growth = after["database"] - before["database"]
    result.tables = after["tables"] - before["tables"]
    return result


def register_parent(server: Server, site: str) -> None:
    event = {"type": "share", "code": PARENT, "channel": "x", "url": f"{ORIGIN}/"}
    status, accepted = post(server, compact({"site": site, "events": [event]}), "127.0.0.8", CHROME)
    if status != 202 or accepted != 1:
        raise BenchError(f"registering the parent code answered {status}")


def grow(folder: Path, url: str | None, seconds: float, workers: int) -> None:
    env = instance_env(folder, url)
    site = create_site(env)["public_key"]
    one = Flood("one client (one address and user agent)", 1)
    many = Flood(f"{MANY_CLIENTS} clients on one site", MANY_CLIENTS)
    print("\nDatabase growth under abuse (default rate limits)", flush=True)
    server = start_server(env, folder / "growth.log", workers)
    try:
        register_parent(server, site)
        abusive(server, env, one, seconds, site)
        abusive(server, env, many, seconds, site)
    finally:
        server.stop()
    lifted = instance_env(folder, url, EVENTS_LIMIT_CLIENT=10**9, EVENTS_LIMIT_SITE=10**9)
    server = start_server(lifted, folder / "baseline.log", workers)
    try:
        base_one = baseline(server, lifted, site, one.accepted, "b1x")
        base_many = baseline(server, lifted, site, many.accepted, "b2x")
    finally:
        server.stop()
    print_growth([(one, base_one), (many, base_many)], url is not None)


def _mb(value: float) -> str:
    return f"{value / 1e6:,.1f} MB"


def print_growth(pairs: list[tuple[Flood, Flood]], postgres: bool) -> None:
    what = "pg_database_size" if postgres else "SQLite file + WAL after a checkpoint"
    print(
        f"\n| scenario | seconds | requests | 429 share | accepted events/s | database growth "
        f"({what}) | bytes/event | events + ref_codes | per hour |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for abuse, base in pairs:
        rate = abuse.accepted / abuse.seconds
        for row, hourly in (
            (abuse, abuse.growth / abuse.seconds * 3600),
            (base, base.growth / max(1, base.accepted) * rate * 3600),
        ):
            share = f"{row.refused / row.requests:.2%}" if row.requests else "-"
            per_event = row.growth / row.accepted if row.accepted else 0
            events_s = f"{rate:,.1f}" if row is abuse else "(same)"
            print(
                f"| {row.name} | {row.seconds:.1f} | {row.requests:,} | {share} | "
                f"{events_s} | {_mb(row.growth)} | {per_event:,.0f} | {_mb(row.tables)} | "
                f"{_mb(hourly)} |"
            )
        if abuse.accepted and base.growth > 0:
            ratio = (abuse.growth / abuse.accepted) / (base.growth / base.accepted)
            print(f"|   bytes per event, abuse / baseline | | | | | | {ratio:.1f}x | | |")
