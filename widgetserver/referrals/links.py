"""Personal referral links: one per customer, or a fresh anonymous one with its claim link.

A referral link is a ``RefCode`` of kind ``referral``: its code is what the friend's visit
carries, so ingest counts that visit like any other (``ingest.pipeline.attribute``). Codes are
21 random characters of ``[0-9a-z]`` (108 bits), like the codes the share buttons make, within
what ingest takes (``core.fields.CODE``).

Here: what a link is, its code, the page it leads to and its address; the rows are written by
``store`` (``personal_link``, ``anonymous_link``) on a short writer's cursor.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..core import fields
from ..core.errors import DomainError
from .token import INVALID_FIELD

CODE_ALPHABET = string.digits + string.ascii_lowercase
CODE_LENGTH = 21
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


_CODES = len(CODE_ALPHABET) ** CODE_LENGTH


def new_code() -> str:
    """A uniformly drawn code: one random number below 36^21, written in base 36.

    (One call for the system's randomness instead of one per character, as each request
    draws a code.)
    """
    number = secrets.randbelow(_CODES)
    digits = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


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
