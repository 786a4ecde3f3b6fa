"""Orders reported by shops: validated, stored once per (site, order id), moved forward.

``report`` turns a report body into a ``Report``; ``lifecycle`` records it and moves the
stored order's status forward only; ``view`` shows a stored order as the API returns it;
``attribution`` decides which link brought the order; ``money`` keeps amounts exact. The
names callers need are re-exported here. Nothing in this package knows HTTP: refusals are
``core.errors.DomainError`` with a stable reason.
"""

from .lifecycle import FINAL, Outcome, SiteLike, record
from .report import (
    CONVERSION_TOKEN,
    CONVERSION_TOKEN_MAX_AGE,
    Report,
    parse_report,
    vouched_status,
)
from .view import net_minor, state

__all__ = [
    "CONVERSION_TOKEN",
    "CONVERSION_TOKEN_MAX_AGE",
    "FINAL",
    "Outcome",
    "Report",
    "SiteLike",
    "net_minor",
    "parse_report",
    "record",
    "state",
    "vouched_status",
]
