"""Slow clients: connections that send their request a byte at a time and never finish it.

Half of them trickle header lines after a request line and a Host header, half announce a body
and trickle it; a sync worker that accepted either waits for the rest of it.
"""

from __future__ import annotations

import itertools
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Seconds between two bytes on each connection.
TRICKLE = 0.2


def _starts(count: int) -> list[tuple[bytes, bytes]]:
    """(what is sent at once, what is then trickled for ever) per connection."""
    header = b"GET /healthz HTTP/1.1\r\nHost: widgets.example\r\n"
    body = (
        b"POST /v1/events HTTP/1.1\r\nHost: widgets.example\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 60000\r\n\r\n{"
    )
    return [(header, b"X-Slow: 1\r\n") if i % 2 == 0 else (body, b" ") for i in range(count)]


def connect(port: int, context: ssl.SSLContext | None) -> socket.socket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    if context is None:
        return raw
    return context.wrap_socket(raw, server_hostname="widgets.example")


@contextmanager
def slow_clients(
    port: int, count: int, context: ssl.SSLContext | None = None
) -> Iterator[list[socket.socket]]:
    """``count`` connections to ``port`` (over TLS with ``context``), trickling while open."""
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def trickle(plans: list[tuple[socket.socket, Iterator[int]]]) -> None:
        while plans and not stop.wait(TRICKLE):
            for plan in list(plans):
                connection, drip = plan
                try:
                    connection.sendall(bytes([next(drip)]))
                except OSError:  # the server gave up on this client
                    plans.remove(plan)

    try:
        plans = []
        for start, drip in _starts(count):
            connection = connect(port, context)
            sockets.append(connection)
            connection.sendall(start)
            plans.append((connection, itertools.cycle(drip)))
        thread = threading.Thread(target=trickle, args=(plans,), daemon=True)
        thread.start()
        try:
            yield sockets
        finally:
            stop.set()
            thread.join(timeout=5)
    finally:
        for connection in sockets:
            connection.close()
