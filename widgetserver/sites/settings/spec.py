"""What a setting is made of, and the registry that holds every setting once.

A ``Setting`` says everything the service needs to know about one option: the key it is
stored under, its default, its check, where (if anywhere) a browser sees it in the public
configuration, and how the owners' settings form shows it. Settings come in sections,
one per feature (share buttons, the site as a whole, tracking, …); a ``Registry`` is an ordered
set of sections that refuses to be built when two settings would collide anywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .checks import Check, SettingsError

#: How a field is shown: a list of options (``choice``), the IANA time zones (``zone``), a
#: tick box (``check``), a line of text (``text``), a whole number (``number``), or the ticked
#: and ordered share networks with their arrows (``networks``, at most one per registry), or
#: short texts per language (``texts``: ``choices`` name the texts, one line each, inputs
#: named ``<key>.<lang>.<text>``).
Kind = Literal["choice", "zone", "check", "text", "number", "networks", "texts"]

#: Names the public configuration (``GET /v1/sites/{key}/config``) gives itself, not a setting.
RESERVED_PUBLIC = frozenset({"site", "endpoint"})
#: Inputs of the settings form that are not settings (the site's name and shop addresses, the
#: networks' arrows, the form token); the networks' inputs are ``net_<channel>``, ``pos_<channel>``.
RESERVED_FORM = frozenset({"name", "origins", "move", "csrf_token"})


@dataclass(frozen=True)
class Field:
    """How a setting appears in the owners' settings form; its input is named by the key."""

    kind: Kind
    #: The label beside the input (a lazily translated text).
    label: Any
    #: What the owner is told when the value is refused.
    error: Any
    #: The fieldset it is shown in, declared by any section; ``None``: a fieldset of its own.
    fieldset: str | None = None
    #: A line under the input, if it needs one.
    hint: Any = None
    #: For ``choice``: each value with its words, in the order shown.
    choices: tuple[tuple[str, Any], ...] = ()
    #: For ``text``: the longest value; for ``number``: the range offered.
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Setting:
    """One option of a site, declared once."""

    #: Stored under this key, found under it in ``effective()``, the form input's name.
    key: str
    default: Any
    check: Check
    #: Its place in the public configuration, dotted for nesting (``"utm.enabled"``);
    #: ``None``: browsers never see it.
    public: str | None = None
    #: ``None``: not in the owners' form.
    field: Field | None = None


@dataclass(frozen=True)
class Section:
    """The settings of one feature, with the fieldsets of the form it brings."""

    name: str
    settings: tuple[Setting, ...]
    #: Fieldset names with their legends, in the order shown.
    fieldsets: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Block:
    """A part of the settings form: a fieldset with a legend, or one field standing alone."""

    legend: Any
    settings: list[Setting] = field(default_factory=list)


class RegistryError(ValueError):
    """Sections that cannot stand together (two settings would collide)."""


class Registry:
    """An ordered set of sections; the order is the order of the form and the public config."""

    def __init__(self, sections: Iterable[Section]) -> None:
        self.sections = tuple(sections)
        self.settings: dict[str, Setting] = {}
        self._section_of: dict[str, str] = {}
        names = [section.name for section in self.sections]
        if len(set(names)) != len(names):
            raise RegistryError("a section is declared twice")
        for section in self.sections:
            for setting in section.settings:
                if setting.key in self.settings:
                    raise RegistryError(f"setting {setting.key!r} is declared twice")
                self.settings[setting.key] = setting
                self._section_of[setting.key] = section.name
        self._defaults = {key: s.default for key, s in self.settings.items()}
        self._check_defaults()
        self._check_public()
        self._check_form()

    def with_section(self, section: Section) -> Registry:
        """This registry and one more section after the others."""
        return Registry((*self.sections, section))

    def section_of(self, key: str) -> str:
        return self._section_of[key]

    def defaults(self) -> dict[str, Any]:
        """Every setting's default, a fresh copy each time (callers may change it)."""
        return copy.deepcopy(self._defaults)

    def public(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """What browsers may see of effective ``settings``, nested as the public paths say."""
        body: dict[str, Any] = {}
        for setting in self.settings.values():
            if setting.public is None:
                continue
            *parents, leaf = setting.public.split(".")
            node = body
            for name in parents:
                node = node.setdefault(name, {})
            node[leaf] = settings[setting.key]
        return body

    def form(self) -> list[Block]:
        """The settings form's blocks in order: each begins where its first field is declared."""
        legends = {name: legend for s in self.sections for name, legend in s.fieldsets}
        blocks: list[Block] = []
        by_fieldset: dict[str, Block] = {}
        for setting in self.settings.values():
            if setting.field is None:
                continue
            name = setting.field.fieldset
            if name is None:
                blocks.append(Block(None, [setting]))
            elif name in by_fieldset:
                by_fieldset[name].settings.append(setting)
            else:
                by_fieldset[name] = Block(legends[name], [setting])
                blocks.append(by_fieldset[name])
        return blocks

    def _check_defaults(self) -> None:
        for key, setting in self.settings.items():
            try:
                clean = setting.check(key, copy.deepcopy(setting.default))
            except SettingsError as refused:
                raise RegistryError(f"the default of {key!r} is refused: {refused}") from None
            if clean != setting.default:
                raise RegistryError(f"the default of {key!r} is not what its check keeps")

    def _check_public(self) -> None:
        paths: dict[str, str] = {}
        for key, setting in self.settings.items():
            if setting.public is None:
                continue
            if setting.public in paths:
                raise RegistryError(f"{key!r} and {paths[setting.public]!r} are public as one")
            paths[setting.public] = key
        for path, key in paths.items():
            parts = path.split(".")
            if not all(parts):
                raise RegistryError(f"{key!r} has an empty name in its public path {path!r}")
            if parts[0] in RESERVED_PUBLIC:
                raise RegistryError(f"{key!r}: {parts[0]!r} is the public config's own name")
            for end in range(1, len(parts)):
                if ".".join(parts[:end]) in paths:
                    raise RegistryError(f"{key!r} would be nested inside another public value")

    def _check_form(self) -> None:
        declared = [name for s in self.sections for name, _legend in s.fieldsets]
        if len(set(declared)) != len(declared):
            raise RegistryError("a fieldset is declared twice")
        fields = {key: s.field for key, s in self.settings.items() if s.field is not None}
        for key, spec in fields.items():
            if key in RESERVED_FORM or key.startswith(("net_", "pos_")):
                raise RegistryError(f"{key!r} is the name of another input of the form")
            if spec.fieldset is not None and spec.fieldset not in declared:
                raise RegistryError(f"{key!r} is shown in an undeclared fieldset")
            if (spec.kind in ("choice", "texts")) != bool(spec.choices):
                raise RegistryError(f"{key!r}: choices belong to choice fields, and they need them")
            for value, _words in spec.choices if spec.kind == "choice" else ():
                try:
                    self.settings[key].check(key, value)
                except SettingsError:
                    raise RegistryError(f"{key!r} offers {value!r}, which it refuses") from None
        if sum(spec.kind == "networks" for spec in fields.values()) > 1:
            raise RegistryError("the form has room for one list of networks")
