"""Personal referral links: one per customer, or a fresh anonymous one with its claim link.

A referral link is a ``RefCode`` of kind ``referral``: its code is what the friend's visit
carries, so ingest counts that visit like any other (``ingest.pipeline.attribute``). Codes are
21 random characters of ``[0-9a-z]`` (108 bits), like the codes the share buttons make, within
what ingest takes (``core.fields.CODE``).

*One link per customer* is kept by the database: a unique index on (site, referrer) over the
referral codes. ``personal_link`` inserts with ``ON CONFLICT DO NOTHING`` and reads back the
customer's one row, so two requests racing for the same customer get the same code on SQLite
(where writers queue) and on PostgreSQL (where the second insert waits for the first and then
does nothing). Call both functions inside a write transaction (``db.writing()``).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import fields
from ..core.dbutil import insert_ignore
from ..core.errors import DomainError
from ..models import RefCode, ReferralClaim
from . import claims
from .token import INVALID_FIELD, Referrer

CODE_ALPHABET = string.digits + string.ascii_lowercase
CODE_LENGTH = 21
#: A new code that is already taken (about 2^-108 per code) is drawn again, at most this often.
ATTEMPTS = 3
#: Where a referral link's visitors come from, for the shop's own analytics (when enabled).
UTM_SOURCE = "referral"
UTM_MEDIUM = "referral"


@dataclass(frozen=True)
class Link:
    code: str
    #: The page the link leads to, with the site's reference parameter (and UTM) added.
    link: str
    created: bool
    #: Anonymous links only: the secret of the private claim link ``/r/<claim>``.
    claim: str | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def target_page(url: object, origins: Collection[str]) -> str | None:
    """The page a link is asked to lead to (on one of the site's origins), or None.

    The page is kept as origin and path (``core.fields.page_url``): a query string may carry
    personal data, and the link adds its own.
    """
    if url is None:
        return None
    try:
        page = fields.page_url(url)
    except fields.FieldError as exc:
        raise DomainError(INVALID_FIELD, f"url: {exc.message}", {"field": "url"}) from None
    parts = urlsplit(page)
    if f"{parts.scheme}://{parts.netloc}" not in origins:
        raise DomainError(
            INVALID_FIELD,
            "url: must be a page on one of the site's registered shop origins",
            {"field": "url"},
        )
    return page


def tracked(page: str, code: str, settings: dict[str, Any]) -> str:
    """The page with the site's reference parameter (and UTM, where enabled) added."""
    add = {settings["ref_param"]: code}
    if settings["utm_enabled"]:
        add |= {
            "utm_source": UTM_SOURCE,
            "utm_medium": UTM_MEDIUM,
            "utm_campaign": settings["utm_campaign"],
        }
    return page + "?" + urlencode(add)


def _insert(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a referral code unless its code or its customer is taken; the new row's id."""
    statement = insert_ignore(session, RefCode).values(values).returning(RefCode.id)
    return session.execute(statement).scalar_one_or_none()


def _values(site_id: int, page: str, visitor: int | None, now: datetime) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "code": new_code(),
        "kind": "referral",
        "url": page,
        "referrer": None,
        "visitor_hash": visitor,
        "created_at": now,
    }


def personal_link(
    session: Session,
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
    for _ in range(ATTEMPTS):
        values = _values(site_id, page or home + "/", visitor, now)
        values["referrer"] = referrer.customer_ref
        if _insert(session, values) is not None:
            return values["code"], values["url"], True
        existing = session.execute(
            select(RefCode.code, RefCode.url).where(
                RefCode.site_id == site_id,
                RefCode.kind == "referral",
                RefCode.referrer == referrer.customer_ref,
            )
        ).first()
        if existing is not None:
            return existing.code, page or existing.url or home + "/", False
    raise RuntimeError("no free referral code was drawn")  # pragma: no cover - 2^-324


def anonymous_link(
    session: Session, site_id: int, page: str, *, visitor: int | None, key: str, now: datetime
) -> tuple[str, str]:
    """A new anonymous code for ``page`` and its claim link's secret (only a digest is kept)."""
    for _ in range(ATTEMPTS):
        values = _values(site_id, page, visitor, now)
        code_id = _insert(session, values)
        if code_id is not None:
            secret = claims.new_secret()
            session.add(ReferralClaim(digest=claims.digest(key, secret), code_id=code_id))
            session.flush()
            return values["code"], secret
    raise RuntimeError("no free referral code was drawn")  # pragma: no cover - 2^-324
