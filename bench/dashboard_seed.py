"""Seed a site with a year of word of mouth, fast: raw bulk inserts on the driver's connection.

The shape: share codes with their share events (a fifth of them shared by someone who arrived
through another share), visits through those codes spread over the days after the share,
invites through referral codes, and orders - most attributed, some unverified, some refunded
or cancelled - in three currencies. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

CHANNELS = ("whatsapp", "facebook", "x", "linkedin", "pinterest", "telegram", "email", "copy")
#: Distinct products shared (``--products``); 50,000 is the many-pages case of docs/benchmarks.md.
PRODUCTS = 200
CURRENCIES = (("EUR", 0.8), ("CHF", 0.15), ("JPY", 0.05))
STATUSES = (("paid", 0.7), ("placed", 0.2), ("refunded", 0.05), ("cancelled", 0.05))
SPAN_DAYS = 400
EVENT_COLUMNS = (
    "site_id", "type", "occurred_at", "code_id", "channel", "url", "product", "visitor_hash",
    "is_self", "page", "from_share",
)  # fmt: skip
CODE_COLUMNS = (
    "id", "site_id", "code", "kind", "channel", "url", "product", "parent_id", "referrer",
    "visitor_hash", "created_at",
)  # fmt: skip
CONVERSION_COLUMNS = (
    "site_id", "order_id", "verified", "status", "currency", "amount_minor", "refunded_minor",
    "code_id", "attribution", "self_referral", "visitor_hash", "customer_ref", "items",
    "occurred_at", "status_at", "created_at", "updated_at",
)  # fmt: skip


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _after(rng: random.Random, start: datetime, days: int, now: datetime) -> datetime:
    """A moment in the ``days`` after ``start``, but not after ``now``."""
    seconds = min(days * 86400, (now - start).total_seconds())
    return start + timedelta(seconds=rng.random() * seconds)


def rows(
    site_id: int,
    now: datetime,
    events: int,
    conversions: int,
    seed: int = 7,
    products: int = PRODUCTS,
    since: datetime | None = None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(codes, events, conversions) as tuples in the column orders above, spread from
    ``since`` to ``now`` (default: the ``SPAN_DAYS`` before ``now``)."""
    rng = random.Random(seed)
    start = since if since is not None else now - timedelta(days=SPAN_DAYS)
    span = (now - start).total_seconds()
    n_shares = events * 3 // 10
    n_referrals = max(1, events // 100)
    n_invites = events // 20
    n_visits = events - n_shares - n_invites
    codes: list[tuple[Any, ...]] = []
    out: list[tuple[Any, ...]] = []
    created: list[datetime] = []
    for n in range(n_shares):
        at = start + timedelta(seconds=rng.random() * span)
        channel = rng.choice(CHANNELS)
        product = f"SKU-{rng.randrange(products):0{len(str(products - 1))}d}"
        url = f"https://shop.example/p/{product.lower()}"
        parent = rng.randrange(n) + 1 if n and rng.random() < 0.2 else None
        visitor = rng.getrandbits(62)
        codes.append(
            (n + 1, site_id, f"s{n:09d}", "share", channel, url, product, parent, None, visitor, at)
        )
        created.append(at)
        out.append(
            (site_id, "share", at, n + 1, channel, url, product, visitor, False, None,
             parent is not None)
        )  # fmt: skip
    for n in range(n_referrals):
        at = start + timedelta(seconds=rng.random() * span)
        codes.append(
            (n_shares + n + 1, site_id, f"r{n:09d}", "referral", None, None, None, None,
             f"cust-{n}", None, at)
        )  # fmt: skip
        created.append(at)
    for _ in range(n_invites):
        index = n_shares + rng.randrange(n_referrals)
        at = _after(rng, created[index], 3, now)
        out.append(
            (site_id, "invite", at, index + 1, rng.choice(CHANNELS), None, None,
             rng.getrandbits(62), False, None, False)
        )  # fmt: skip
    for _ in range(n_visits):
        index = rng.randrange(len(codes))
        code = codes[index]
        at = _after(rng, created[index], 5, now)
        out.append(
            (site_id, "visit", at, index + 1, code[4], code[5], code[6], rng.getrandbits(62),
             rng.random() < 0.02, None, code[3] == "share")
        )  # fmt: skip
    out.sort(key=lambda row: row[2])
    orders: list[tuple[Any, ...]] = []
    for n in range(conversions):
        at = start + timedelta(seconds=rng.random() * span)
        currency = _weighted(rng, CURRENCIES)
        status = _weighted(rng, STATUSES)
        amount = rng.randrange(500, 30000)
        refunded = amount if status == "refunded" else (amount // 4 if rng.random() < 0.1 else 0)
        attributed = rng.random() < 0.7
        code_id = rng.randrange(len(codes)) + 1 if attributed else None
        orders.append(
            (site_id, f"{n + 1000}", rng.random() < 0.9, status, currency, amount, refunded,
             code_id, "attributed" if attributed else "no_ref", attributed and rng.random() < 0.01,
             None, None, None, at, at, at, at)
        )  # fmt: skip
    return codes, out, orders


def insert(
    engine: Engine, table: str, columns: tuple[str, ...], data: list[tuple[Any, ...]]
) -> None:
    """Bulk insert: ``COPY`` on PostgreSQL, one prepared ``executemany`` on SQLite."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in data:
                    copy.write_row(row)
        else:
            cursor.execute("BEGIN")
            marks = ", ".join("?" * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (tuple(_sqlite(v) for v in row) for row in data),
            )
            cursor.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed(
    engine: Engine,
    site_id: int,
    now: datetime,
    events: int,
    conversions: int,
    products: int = PRODUCTS,
    since: datetime | None = None,
) -> dict[str, int]:
    codes, event_rows, order_rows = rows(
        site_id, now, events, conversions, products=products, since=since
    )
    insert(engine, "ref_codes", CODE_COLUMNS, codes)
    insert(engine, "events", EVENT_COLUMNS, event_rows)
    insert(engine, "conversions", CONVERSION_COLUMNS, order_rows)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('ref_codes', 'id'), max(id))"
                    " FROM ref_codes"
                )
            )
    settle(engine)
    return {"codes": len(codes), "events": len(event_rows), "conversions": len(order_rows)}


def settle(engine: Engine) -> None:
    """What a running database has done by itself after a bulk load: statistics, and on
    PostgreSQL a vacuum (autovacuum), so that index-only scans need not visit the table."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
