"""The coupon pools on the settings page: how many codes are left, and an owner's upload.

The upload itself is ``rewards.coupons.add`` (inside ``db.writing()``); here it is read from
the form - pasted text or a CSV or text file, never both - and a refusal is said in the
owner's language, from the stable ``problem`` the refusal carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..core.errors import DomainError
from ..models import Site
from ..rewards import coupons
from ..sites.settings import effective
from . import i18n

#: The setting that says where each pool's codes are used.
SOURCES = {"friend": "friend_coupon", "reward": "reward_coupon"}
NAMES: dict[str, Any] = {
    "friend": _l("Coupons for friends"),
    "reward": _l("Coupons for referrers"),
}
PROBLEMS: dict[str, Any] = {
    "too_large": _l("The upload is larger than %(mib)s MiB."),
    "not_text": _l("The file is not text. Save it as CSV or plain text (UTF-8)."),
    "bad_line": _l("Line %(line)s cannot be read as a CSV line."),
    "bad_code": _l(
        "Line %(line)s holds no code. A code has 1 to 64 letters, digits, dots, dashes or "
        "underscores and begins with a letter or digit."
    ),
    "too_many": _l("An upload may hold at most %(codes)s codes (line %(line)s is one too many)."),
    "empty": _l("The upload holds no code."),
    "both": _l("Paste codes or choose a file, not both."),
}


@dataclass(frozen=True)
class Pool:
    name: str
    remaining: int
    #: The site's setting takes this pool's codes (its source is ``pool``).
    in_use: bool

    @property
    def label(self) -> str:
        return str(NAMES[self.name])

    @property
    def empty_in_use(self) -> bool:
        return self.in_use and self.remaining == 0

    @property
    def low(self) -> bool:
        return 0 < self.remaining < coupons.LOW


def pools(session: Session, site: Site) -> list[Pool]:
    settings = effective(site.settings)
    return [
        Pool(name, coupons.remaining(session, site.id, name), settings[SOURCES[name]] == "pool")
        for name in coupons.POOLS
    ]


class UploadRefused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def read_upload(request: Request) -> str | bytes:
    """The pasted text or the file's bytes (at most ``coupons.MAX_BYTES`` and one more)."""
    pasted = request.form.get("codes", "")
    chosen = request.files.get("file")
    data = chosen.stream.read(coupons.MAX_BYTES + 1) if chosen and chosen.filename else b""
    if data and pasted.strip():
        raise UploadRefused("both")
    return data or pasted


def refusal(problem: str | DomainError) -> str:
    """What went wrong, in the owner's language, and that nothing was added."""
    details: dict[str, Any] = {}
    if isinstance(problem, DomainError):
        details = problem.details or {}
        problem = str(details.get("problem", "empty"))
    words = PROBLEMS.get(problem, PROBLEMS["empty"])
    text = str(words) % {
        "mib": i18n.number(coupons.MAX_BYTES // 1024 // 1024),
        "codes": i18n.number(coupons.MAX_CODES),
        "line": i18n.number(details.get("line")),
    }
    nothing = _("Nothing was added.")
    return f"{text} {nothing}"
