"""``widgetserver serve``: the production server (gunicorn), one app per worker process.

Workers share nothing but the database, so more throughput means more workers (or machines)
against the same PostgreSQL. Each worker builds its own app after the fork: no database
connection is ever shared between processes.

A sync worker reads a request's body from the client's socket itself, so a client that stops
sending would hold it until gunicorn's worker ``timeout`` kills it; ``--body-timeout`` bounds that
wait (``web.bodyinput``: ``408 body_timeout``). Nothing in the app bounds the request line and
headers, which gunicorn reads before the app sees the request: only a buffering reverse proxy in
front, which passes on whole requests, keeps slow clients off the workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornApp(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``load()`` in every worker, after the fork."""

    def __init__(self, load: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._load = load
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._load()


def gunicorn_options(
    host: str,
    port: int,
    workers: int,
    threads: int,
    *,
    access_log: bool = False,
    proc_name: str = "widgetserver",
) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "keepalive": 5,
        "timeout": 30,
        "graceful_timeout": 20,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "proc_name": proc_name,
        # No control socket in $HOME: two servers on one machine would share its path.
        "control_socket_disable": True,
    }


def _create_app(body_timeout: float) -> Flask:
    from .. import create_app

    app = create_app()
    app.config["BODY_TIMEOUT"] = body_timeout
    return app


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


@click.command("serve", help="Serve the widget server with gunicorn (for production).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=default_workers,
    show_default="2 x cores + 1, at most 8",
    help="Worker processes.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Threads per worker. 1: synchronous workers, the fastest behind a reverse proxy; "
    "more: threaded workers that also keep idle client connections open.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds a request's body may take to arrive; a client still sending after that is "
    "answered 408.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (IP addresses and claim links appear in such a log).",
)
def command(
    host: str, port: int, workers: int, threads: int, body_timeout: float, access_log: bool
) -> None:
    options = gunicorn_options(host, port, workers, threads, access_log=access_log)
    GunicornApp(partial(_create_app, body_timeout), options).run()
