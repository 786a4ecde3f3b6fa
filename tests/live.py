"""Live servers and real Chromium for end-to-end tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

#: The console script installed beside the tests' Python, as an operator runs it.
WIDGETSERVER = str(Path(sys.executable).parent / "widgetserver")
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


def free_port() -> int:
    """A local TCP port free right now, for a server process a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    """Run ``widgetserver ARGS --json`` with ``env``; its JSON answer (a failure raises)."""
    done = subprocess.run(
        [WIDGETSERVER, *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        input=stdin,
    )
    return json.loads(done.stdout)


def wait_ready(base: str, seconds: float = 30) -> Any:
    """Wait until the server at ``base`` answers ``/readyz`` with 200; its JSON answer.

    A server process that is still starting refuses connections: that is retried until
    ``seconds`` have passed, then the last error is raised.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


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
