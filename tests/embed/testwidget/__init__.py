"""A widget that exists only in the tests, registered beside the real ones.

Its files are in this folder; nothing of the build knows it. It uses the shared ``dom`` and
``text`` helpers and one icon.
"""

from __future__ import annotations

from pathlib import Path

from widgetserver.embed.registry import WIDGETS, Widget

HELLO = Widget(
    name="hello",
    home=Path(__file__).parent,
    script="hello.js",
    style="hello.css",
    strings="i18n",
    budget=2 * 1024,
    icons=("copy",),
    helpers=("dom", "text"),
)

#: The real widgets and the test widget.
REGISTRY = (*WIDGETS, HELLO)
