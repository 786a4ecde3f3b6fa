"""Live servers and real Chromium for end-to-end tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
#: Chromium must not phone home: this machine's network is closed and tests assert on requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class LiveServer:
    """A WSGI app served on a free local port from a background thread."""

    def __init__(self, app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serving(
    app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0
) -> Iterator[LiveServer]:
    server = LiveServer(app, host, port)
    try:
        yield server
    finally:
        server.stop()
