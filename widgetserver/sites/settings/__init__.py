"""A site's settings: the registry of every option, the effective values, checking changes.

Settings live in one JSON column, so a new option needs no migration. Each option is declared
once, in its section in ``sections.py``; ``REGISTRY`` holds them all, and everything
else - the defaults, the checks, the public configuration a browser sees (``public``), the
owners' settings form - is read from it. Stored settings are flat, ``{key: value}``, as every
earlier version stored them; keys no setting declares are kept in storage and left out here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checks import SettingsError
from .sections import (
    CHANNELS,
    COLOURS,
    LANGUAGES,
    LAYOUTS,
    SECTIONS,
    STORAGE_MODES,
    THEMES,
)
from .spec import Block, Field, Registry, RegistryError, Section, Setting

__all__ = [
    "CHANNELS",
    "COLOURS",
    "DEFAULTS",
    "LANGUAGES",
    "LAYOUTS",
    "REGISTRY",
    "STORAGE_MODES",
    "THEMES",
    "Block",
    "Field",
    "Registry",
    "RegistryError",
    "Section",
    "Setting",
    "SettingsError",
    "effective",
    "form",
    "public",
    "validate",
]

#: Every section and setting of a site; the functions below read it when they are called.
REGISTRY = Registry(SECTIONS)
#: Every setting's default, as the registry is built (``effective`` reads the registry itself).
DEFAULTS: dict[str, Any] = REGISTRY.defaults()


def effective(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings over the defaults (unknown keys from older versions are dropped)."""
    merged = REGISTRY.defaults()
    for key, value in (stored or {}).items():
        if key in merged:
            merged[key] = value
    return merged


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check a partial update; returns it normalised or raises ``SettingsError``."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        setting = REGISTRY.settings.get(key)
        if setting is None:
            raise SettingsError(key, "unknown setting")
        clean[key] = setting.check(key, value)
    return clean


def public(settings: Mapping[str, Any]) -> dict[str, Any]:
    """What the browsers of a site may see of its effective ``settings``."""
    return REGISTRY.public(settings)


def form() -> list[Block]:
    """The owners' settings form, block by block."""
    return REGISTRY.form()
