"""Referral links written on the driver's cursor: statements compiled once, no ORM.

``POST /v1/referrals`` makes a row or two per request; through the ORM session that cost
about 9 ms of each 10 ms request (docs/benchmarks.md). These functions run inside a short
write transaction of ``core.shortwrite.ShortWriter`` (``writer.write(work)``, the cursor is
``work``'s argument) with the statements of ``Statements``, built once per writer
(``writer.statements(Statements)``).

*One link per customer* is kept by the database: a partial unique index on (site, referrer)
over the referral codes. ``personal_link`` inserts with ``ON CONFLICT DO NOTHING`` and reads
back the customer's one row, so requests racing for the same customer get the same code on
SQLite (where writers queue) and on PostgreSQL (where the second insert waits for the first
and then does nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text

from .. import sites
from ..core.dbutil import dialect_insert
from ..core.prepared import Prepared, Query
from ..models import RefCode, ReferralClaim
from . import claims
from .links import new_code
from .token import Referrer

#: A new code that is already taken (about 2^-108 per code) is drawn again, at most this often.
ATTEMPTS = 3
_CODES = RefCode.__table__
_CLAIMS = ReferralClaim.__table__
CODE_COLUMNS = ["site_id", "code", "kind", "channel", "url", "product", "parent_id",
                "referrer", "visitor_hash", "created_at"]  # fmt: skip


class Statements:
    """The referral endpoints' statements for one database."""

    def __init__(self, dialect: Any) -> None:
        insert = dialect_insert(dialect.name, _CODES).on_conflict_do_nothing()
        self.insert_code = Prepared(insert.returning(_CODES.c.id), dialect, CODE_COLUMNS)
        self.insert_claim = Prepared(_CLAIMS.insert(), dialect, ["digest", "code_id"])
        # The literal kind lets the database use the partial unique index.
        customer = select(_CODES.c.code, _CODES.c.url).where(
            _CODES.c.site_id == bindparam("site_id"),
            _CODES.c.referrer == bindparam("referrer"),
            text("ref_codes.kind = 'referral'"),
        )
        self.customer_code = Query(customer, dialect)
        self.site_secrets = sites.secrets_query(dialect)


def _insert(cursor: Any, st: Statements, values: dict[str, Any]) -> int | None:
    """Insert a referral code unless its code or its customer is taken; the new row's id."""
    cursor.execute(st.insert_code.sql, st.insert_code.params(values))
    inserted = cursor.fetchone()
    return None if inserted is None else int(inserted[0])


def _values(site_id: int, page: str, visitor: int | None, now: datetime) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "code": new_code(),
        "kind": "referral",
        "channel": None,
        "url": page,
        "product": None,
        "parent_id": None,
        "referrer": None,
        "visitor_hash": visitor,
        "created_at": now,
    }


def personal_link(
    cursor: Any,
    st: Statements,
    site_id: int,
    referrer: Referrer,
    page: str | None,
    *,
    home: str,
    visitor: int | None,
    now: datetime,
) -> tuple[str, str, bool]:
    """The customer's one code on the site (made if missing), the page to link, whether new.

    A new code keeps ``page`` (else the site's ``home``) as its page; a later request links
    the page it names, or else the page the code was made for. ``visitor`` (the maker's
    visitor hash, for a link asked for in a browser) is kept with a new code, so that the
    referrer's own visit through it is marked as theirs.
    """
    found = {"site_id": site_id, "referrer": referrer.customer_ref}
    # Most requests are for a link that exists (a reloaded page, a replayed token): read first.
    existing = st.customer_code.first(cursor, found)
    for _ in range(ATTEMPTS):
        if existing is not None:
            code, url = existing
            return code, page or url or home + "/", False
        values = _values(site_id, page or home + "/", visitor, now)
        values["referrer"] = referrer.customer_ref
        if _insert(cursor, st, values) is not None:
            return values["code"], values["url"], True
        # Taken: the customer's link made meanwhile (or, about never, the code drawn).
        existing = st.customer_code.first(cursor, found)
    raise RuntimeError("no free referral code was drawn")  # pragma: no cover - 2^-324


@dataclass(frozen=True)
class Draft:
    """A new anonymous link drawn before the write lock is taken: its row and claim secret."""

    values: dict[str, Any]
    #: The driver's parameters of ``values`` for ``Statements.insert_code``.
    params: Any
    secret: str
    digest: str


def draft_anonymous(
    st: Statements, site_id: int, page: str, *, visitor: int | None, key: str, now: datetime
) -> Draft:
    """A new anonymous code for ``page`` and its claim secret (only the digest is stored):
    everything ``anonymous_link`` needs but its statements, drawn outside the transaction."""
    values = _values(site_id, page, visitor, now)
    secret = claims.new_secret()
    return Draft(values, st.insert_code.params(values), secret, claims.digest(key, secret))


def anonymous_link(cursor: Any, st: Statements, draft: Draft) -> tuple[str, str]:
    """Store a drafted anonymous link and its claim digest; its code and claim secret."""
    values, params = draft.values, draft.params
    for _ in range(ATTEMPTS):
        cursor.execute(st.insert_code.sql, params)
        inserted = cursor.fetchone()
        if inserted is not None:
            row = {"digest": draft.digest, "code_id": inserted[0]}
            cursor.execute(st.insert_claim.sql, st.insert_claim.params(row))
            return values["code"], draft.secret
        values = values | {"code": new_code()}  # taken: about 2^-108
        params = st.insert_code.params(values)
    raise RuntimeError("no free referral code was drawn")  # pragma: no cover - 2^-324


def verifying_secrets(cursor: Any, st: Statements, site_id: int, now: datetime) -> list[str] | None:
    """The site's secrets of the moment, read afresh (never from a cache); None if it is gone."""
    return sites.read_secrets(cursor, st.site_secrets, site_id, now)
