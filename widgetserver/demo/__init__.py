"""``widgetserver demo``: the widget server beside a small demo shop that integrates it by hand."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .command import command

    app.cli.add_command(command)
