"""A section of a widget that does not exist, to show that a section is one registry entry."""

from __future__ import annotations

import pytest

from widgetserver.sites import settings as sitesettings
from widgetserver.sites.settings import Field, Section, Setting, checks

SAMPLE = Section(
    "sample",
    fieldsets=(("sample", "Sample widget"),),
    settings=(
        Setting(
            "sample_enabled",
            False,
            checks.boolean,
            public="sample.enabled",
            field=Field("check", "Show the sample widget", "Choose yes or no.", fieldset="sample"),
        ),
        Setting(
            "sample_greeting",
            "hello",
            checks.pattern(r"[a-z]{1,20}", "must be 1-20 lower-case letters"),
            public="sample.greeting",
            field=Field(
                "text",
                "Greeting of the sample widget",
                "Use 1 to 20 lower-case letters.",
                fieldset="sample",
                hint="Visitors see it above the widget.",
                maximum=20,
            ),
        ),
        Setting(
            # Private: in the form, never in the public configuration.
            "sample_days",
            7,
            checks.days(1, 30),
            field=Field(
                "number",
                "Days the sample widget waits",
                "Enter a whole number of days from 1 to 30.",
                fieldset="privacy",
                minimum=1,
                maximum=30,
            ),
        ),
    ),
)


def extend_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the registry with ``SAMPLE`` after the real sections, for one test."""
    monkeypatch.setattr(sitesettings, "REGISTRY", sitesettings.REGISTRY.with_section(SAMPLE))
