"""The checks a setting's value must pass, and the error that names the refused setting.

Each check takes the setting's key and a value and returns the value as stored, or raises
``SettingsError`` with that key; the messages are for logs and the command line, the owners'
pages say it in their own words (``spec.Field.error``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from zoneinfo import available_timezones

#: A setting's check: ``check(key, value)`` returns the clean value or raises ``SettingsError``.
Check = Callable[[str, Any], Any]


class SettingsError(ValueError):
    """A settings change that is refused, with the name of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def choice(options: tuple[str, ...]) -> Check:
    """One of ``options``."""

    def check(key: str, value: Any) -> str:
        if value not in options:
            raise SettingsError(key, f"must be one of {', '.join(options)}")
        return value

    return check


def boolean(key: str, value: Any) -> bool:
    """True or false, nothing that merely looks like it."""
    if not isinstance(value, bool):
        raise SettingsError(key, "must be true or false")
    return value


def networks(options: tuple[str, ...]) -> Check:
    """A non-empty list of distinct ``options`` in the order given."""

    def check(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise SettingsError(key, "must be a non-empty list of networks")
        unknown = [v for v in value if v not in options]
        if unknown:
            raise SettingsError(key, f"unknown network {unknown[0]!r}")
        if len(set(value)) != len(value):
            raise SettingsError(key, "lists a network twice")
        return list(value)

    return check


def pattern(regex: str, hint: str) -> Check:
    """A string matching ``regex`` as a whole; ``hint`` says what that means."""
    compiled = re.compile(regex)

    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise SettingsError(key, hint)
        return value

    return check


def days(low: int, high: int) -> Check:
    """A whole number of days from ``low`` to ``high`` (an int, not a bool or a string)."""
    return whole_number(low, high, "days")


def timezone(key: str, value: Any) -> str:
    """An IANA time zone name this Python knows."""
    if not isinstance(value, str) or value not in available_timezones():
        raise SettingsError(key, "must be an IANA time zone such as Europe/Berlin")
    return value


def texts(languages: tuple[str, ...], names: tuple[str, ...], longest: int) -> Check:
    """The owner's texts per language: ``{lang: {name: text}}``, each text one printable line
    of at most ``longest`` characters; empty texts and languages are dropped (the widget's own
    words stand in for them)."""

    def check(key: str, value: Any) -> dict[str, dict[str, str]]:
        if not isinstance(value, dict):
            raise SettingsError(key, "must be an object of languages")
        clean: dict[str, dict[str, str]] = {}
        for lang, entries in value.items():
            if lang not in languages:
                raise SettingsError(key, f"unknown language {lang!r}")
            if not isinstance(entries, dict):
                raise SettingsError(key, f"{lang}: must be an object of texts")
            kept: dict[str, str] = {}
            for name, text in entries.items():
                if name not in names:
                    raise SettingsError(key, f"{lang}: unknown text {name!r}")
                if not isinstance(text, str) or len(text) > longest:
                    raise SettingsError(key, f"{lang}.{name}: at most {longest} characters")
                text = " ".join(text.split())
                if any(not ch.isprintable() for ch in text):
                    raise SettingsError(key, f"{lang}.{name}: only printable characters")
                if text:
                    kept[name] = text
            if kept:
                clean[lang] = kept
        return clean

    return check


def whole_number(low: int, high: int, unit: str = "") -> Check:
    """A whole number (of ``unit``) from ``low`` to ``high`` (an int, not a bool or a string)."""
    what = f"a whole number of {unit}" if unit else "a whole number"

    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(key, f"must be {what} from {low} to {high}")
        return value

    return check
