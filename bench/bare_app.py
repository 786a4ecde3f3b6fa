"""The ceiling for the benchmarks: Flask and gunicorn doing nothing but the protocol.

A POST endpoint at the same path as the widget server's event endpoint reads the body,
decodes the JSON and answers 202 with the shape of an ingest result; one at the path of the
referral endpoint answers 201 with a fresh code. They touch no database, so the difference
between these and the widget server's endpoints is the cost of the work itself.

It is served exactly as ``widgetserver serve`` serves the widget server - the very same
gunicorn options (``widgetserver.serve.gunicorn_options``) for the same workers and threads.

    python bench/bare_app.py --port 8001 --workers 2 --threads 1
"""

from __future__ import annotations

import argparse
import json
import secrets

from flask import Flask, Response, jsonify, request

from widgetserver.core.serve import GunicornApp, gunicorn_options


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/healthz")
    def alive() -> Response:
        return jsonify(status="ok")

    @app.post("/v1/events")
    def receive_events() -> tuple[Response, int]:
        data = json.loads(request.get_data())
        return jsonify(accepted=len(data.get("events", ())), rejected=[]), 202

    @app.post("/v1/referrals")
    def create_referral() -> tuple[Response, int]:
        """The ceiling of ``bench/referrals.py``: a fresh code, no database."""
        json.loads(request.get_data())
        code = secrets.token_hex(10)
        return jsonify(code=code, link=f"https://shop.example/?swk={code}"), 201

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    options = gunicorn_options(
        args.host, args.port, args.workers, args.threads, proc_name="bench-bare-flask"
    )
    GunicornApp(create_app, options).run()


if __name__ == "__main__":
    main()
