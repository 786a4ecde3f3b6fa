"""Domain errors: what the service's own rules refuse, with a stable machine reason.

Order and site code (and every job or command that calls it) raises ``DomainError``; it knows
nothing of HTTP, so it can be raised and caught outside any request - a CLI command prints its
``message``, a background job logs its ``reason``. The web layer alone decides what a reason
means on the wire: ``web/errors.py`` maps each reason to an HTTP status and answers with the
one JSON error shape ``{"error": reason, "message": ..., "details"?: ...}``.

Every reason is declared with ``reason()`` as a module constant beside the code that raises
it, so ``declared()`` knows every reason domain code can raise and the test suite checks that
the web layer has a status for each. Subclasses exist only where a caller catches one kind
(``sites.InputError``, ``sites.GraceRunning``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_WORD = re.compile(r"[a-z][a-z0-9_]{1,62}")
_DECLARED: dict[str, str] = {}


def reason(word: str, meaning: str) -> str:
    """Declare a machine reason (``snake_case``) and what it means; returns ``word``.

    Declaring the same word twice is allowed (two modules may refuse for the same reason);
    the first meaning stays.
    """
    if not _WORD.fullmatch(word):
        raise ValueError(f"{word!r} is not a reason: use snake_case words")
    _DECLARED.setdefault(word, meaning)
    return word


def declared() -> Mapping[str, str]:
    """Every reason declared so far (by the modules imported so far), with its meaning."""
    return MappingProxyType(_DECLARED)


class DomainError(Exception):
    """A request of the domain refused for ``reason``; ``message`` is a sentence for people.

    ``details`` is optional machine-readable context (the offending field, the stored state)
    that API clients receive as ``"details"``.
    """

    def __init__(self, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!r}, {self.message!r})"
