"""The ceiling for the ingest benchmark: Flask and gunicorn doing nothing but the protocol.

One POST endpoint at the same path as the widget server's event endpoint reads the body,
decodes the JSON and answers 202 with the shape of an ingest result. It touches no database, so
the difference between this and ``POST /v1/events`` is the cost of ingest itself.

It is served exactly as ``widgetserver serve`` serves the widget server: gunicorn, the same
number of worker processes and threads, the same worker class (``gthread`` when a worker has
more than one thread, otherwise ``sync``), keep-alive and timeouts, no access log.

    python bench/bare_app.py --port 8001 --workers 2 --threads 4
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from flask import Flask, Response, jsonify, request
from gunicorn.app.base import BaseApplication


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/healthz")
    def alive() -> Response:
        return jsonify(status="ok")

    @app.post("/v1/events")
    def receive_events() -> tuple[Response, int]:
        data = json.loads(request.get_data())
        return jsonify(accepted=len(data.get("events", ())), rejected=[]), 202

    return app


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The options ``widgetserver serve`` gives gunicorn, for the same flags."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "keepalive": 5,
        "timeout": 30,
        "graceful_timeout": 20,
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "bench-bare-flask",
    }


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    _Gunicorn(gunicorn_options(args.host, args.port, args.workers, args.threads)).run()


if __name__ == "__main__":
    main()
