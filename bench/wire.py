"""Two HTTP/1.1 clients for hostile requests: raw bytes on a socket, and ``http.client``.

The raw client sends exactly the bytes it is given - broken chunked encodings, CR/LF inside
header values, bodies shorter than their ``Content-Length`` - which no ordinary client will
produce. Both give an ``Answer``: the status, or none (the server closed the connection without
one, or did not answer within the timeout), and the time it took.
"""

from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass, field

#: Longest answer body either client reads; hostile requests get short answers.
MAX_ANSWER = 4 * 1024 * 1024


@dataclass
class Answer:
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    body: bytes = b""
    seconds: float = 0.0
    #: No answer because the timeout passed (a hang), not because the server closed.
    timed_out: bool = False
    error: str = ""


def _read_until_closed(sock: socket.socket, deadline: float) -> tuple[bytes, bool]:
    """Everything the server sends until it closes; ``True`` if the deadline passed first."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_ANSWER:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), True
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return b"".join(chunks), True
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if _complete(b"".join(chunks)):
            break
    return b"".join(chunks), False


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole answer with a ``Content-Length`` (the server may linger)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return False


def _parse(data: bytes) -> tuple[int | None, dict[str, str], list[str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None, {}, [], b""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie":
            cookies.append(value.strip())
    return int(parts[1]), headers, cookies, body


def raw_exchange(
    host: str,
    port: int,
    request: bytes,
    *,
    timeout: float,
    source: str | None = None,
    half_close: bool = False,
) -> Answer:
    """Send ``request`` as it is and read the answer until the server closes the connection.

    ``half_close`` shuts the sending side after the request: the server sees the end of the
    stream where it may still expect body bytes.
    """
    start = time.monotonic()
    deadline = start + timeout
    try:
        with socket.create_connection(
            (host, port), timeout=timeout, source_address=(source, 0) if source else None
        ) as sock:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            data, timed_out = _read_until_closed(sock, deadline)
    except OSError as exc:
        return Answer(None, seconds=time.monotonic() - start, error=f"{type(exc).__name__}")
    status, headers, cookies, body = _parse(data)
    return Answer(
        status,
        headers,
        cookies,
        body,
        seconds=time.monotonic() - start,
        timed_out=timed_out and status is None,
        error="" if status is not None else ("timed out" if timed_out else "closed"),
    )


def exchange(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    *,
    timeout: float,
    source: str | None = None,
) -> Answer:
    """One request with ``http.client``, as an ordinary client sends it."""
    start = time.monotonic()
    conn = http.client.HTTPConnection(
        host, port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        # Values as UTF-8 bytes: a header may carry what no browser sends.
        encoded = {
            name: value.encode("utf-8", "surrogateescape") for name, value in headers.items()
        }
        conn.request(method, path, body=body, headers=encoded)
        response = conn.getresponse()
        data = response.read(MAX_ANSWER)
        cookies = response.headers.get_all("Set-Cookie") or []
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, found, cookies, data, seconds=time.monotonic() - start)
    except TimeoutError:
        return Answer(None, seconds=time.monotonic() - start, timed_out=True, error="timed out")
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, seconds=time.monotonic() - start, error=type(exc).__name__)
    finally:
        conn.close()
