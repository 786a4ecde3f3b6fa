"""One browser event checked field by field: what ingest keeps of it, or the reason it is not.

Every field is bounded, and a page address must lie on one of the site's shop origins: a share
or a visit names a page of the shop, never anybody else's, so nobody can store arbitrary
addresses under a shop's name (and the shop's figures list only its own pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..core import fields
from ..sites.settings import CHANNELS

EVENT_TYPES = ("share", "visit", "invite")
#: Longest path kept of a page address (after its origin; the query is dropped): long enough
#: for category paths and slugs in percent-encoded scripts, short enough to bound every row.
MAX_PATH = 1024
#: Longest product id or name.
MAX_PRODUCT = 128
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}

# Crawlers, link-preview fetchers and HTTP libraries; real browsers never say these words.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|whatsapp/|telegrambot|preview|"
    r"python-|curl/|wget/|httpclient|java/|go-http|okhttp|axios/|node-fetch",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    return not user_agent or _BOT.search(user_agent) is not None


@dataclass
class Incoming:
    """One event that passed validation."""

    index: int
    type: str
    code: str
    channel: str | None
    url: str | None
    product: str | None
    parent: str | None
    code_id: int | None = None
    parent_id: int | None = None
    is_self: bool = False
    #: Set by ``attribute``: see ``Event.page`` and ``Event.from_share``.
    page: str | None = None
    from_share: bool = False


def validate_event(index: int, raw: Any, origins: frozenset[str]) -> Incoming:
    """Check one event of a site with these shop ``origins``; ``fields.FieldError`` if refused."""
    if not isinstance(raw, dict):
        raise fields.FieldError("invalid_event", "an event must be a JSON object")
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        raise fields.FieldError("invalid_type", f"type must be one of {', '.join(EVENT_TYPES)}")
    channel = raw.get("channel")
    if kind == "visit":
        channel = None
    elif channel not in CHANNELS:
        raise fields.FieldError("invalid_channel", f"channel must be one of {', '.join(CHANNELS)}")
    url = raw.get("url")
    if kind == "share" or url is not None:
        url = shop_page(url, origins)
    parent = raw.get("parent")
    return Incoming(
        index=index,
        type=kind,
        code=fields.code(raw.get("code")),
        channel=channel,
        url=url,
        product=fields.optional_text(raw.get("product"), "invalid_product", MAX_PRODUCT),
        parent=None if kind != "share" or parent is None else fields.code(parent, "invalid_parent"),
    )


def shop_page(value: object, origins: frozenset[str]) -> str:
    """A page address as kept (origin and path), refused unless it is on one of ``origins``."""
    url = fields.page_url(value)
    scheme_end = url.index("://") + 3
    path_start = url.find("/", scheme_end)
    origin, path = url[:path_start], url[path_start:]
    scheme = url[: scheme_end - 3]
    if origin.endswith(_DEFAULT_PORTS[scheme]):
        origin = origin[: -len(_DEFAULT_PORTS[scheme])]
    if origin not in origins:
        raise fields.FieldError(
            "url_not_allowed", "the page must be on one of the site's registered shop origins"
        )
    if len(path) > MAX_PATH:
        raise fields.FieldError("invalid_url", f"the path must be at most {MAX_PATH} characters")
    return origin + path
