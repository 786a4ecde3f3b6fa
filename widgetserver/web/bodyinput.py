"""The request body as the client sends it: a broken or stalled body is the client's error.

Under gunicorn the body is read from the client's socket while the app runs, and gunicorn's
parser raises its own exceptions there (``gunicorn.http.errors``: a chunk size that is not hex,
a chunk without its CRLF, the connection closed half-way). ``BodyGuard`` wraps ``wsgi.input``
for every request, so every reader - ``jsonbody.read_body`` of the JSON endpoints and the form
parser of the owners' pages alike - meets these as ``ApiError``:

- ``400 malformed_body``: the transfer encoding is broken, or the body ended before its
  ``Content-Length``;
- ``408 body_timeout``: the body did not arrive within ``BODY_TIMEOUT`` seconds of the request.

Each is logged as one warning line, never as a traceback. The timeout is a timeout on the
client's socket (``gunicorn.socket``), so it bounds a client that stops sending; a client that
trickles a byte now and then can still keep a worker (a synchronous one until gunicorn's worker
timeout), which only a buffering reverse proxy in front prevents. Other servers (the
development server, the test client) give no socket: there the errors are still turned into
answers, and nothing times out.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

from gunicorn.http.errors import ParseException
from werkzeug.wsgi import get_content_length

from .errors import ApiError

log = logging.getLogger("widgetserver")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Seconds a request's body may take to arrive when ``BODY_TIMEOUT`` is not configured.
DEFAULT_TIMEOUT = 10.0


class GuardedInput:
    """``wsgi.input`` whose failures are refusals, read within a deadline where it can be."""

    def __init__(self, environ: Mapping[str, Any], timeout: float | None) -> None:
        self._raw = environ["wsgi.input"]
        self._where = f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"
        self._socket = environ.get("gunicorn.socket")
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._timeout = timeout
        # Bytes still owed by a body of declared length (None: chunked or unknown length).
        # Not ``wsgi.input_terminated``: gunicorn sets it on every request, so a body cut
        # short by a closed connection would pass for a whole one.
        self._owed = get_content_length(environ)

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._wanted(size)
        data: bytes = self._call(self._raw.read, size)
        self._count(data, wanted)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        wanted = self._wanted(1 if size is None or size < 0 else min(size, 1))
        data: bytes = self._call(self._raw.readline, size)
        self._count(data, wanted)
        return data

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def _wanted(self, size: int | None) -> int | None:
        if self._owed is None:
            return None
        return self._owed if size is None or size < 0 else min(size, self._owed)

    def _count(self, data: bytes, wanted: int | None) -> None:
        if self._owed is None or wanted is None:
            return
        self._owed -= len(data)
        if len(data) < wanted:
            self._refuse(
                400,
                "malformed_body",
                "The body ended before its Content-Length; nothing was stored.",
                "closed early",
            )

    def _call(self, read: Callable[[int | None], bytes], size: int | None) -> bytes:
        sock = self._socket
        prior = None
        if sock is not None and self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                self._timed_out()
            prior = sock.gettimeout()
            sock.settimeout(left)
        try:
            return read(size)
        except TimeoutError:
            self._timed_out()
        except (ParseException, OSError) as exc:
            self._refuse(
                400,
                "malformed_body",
                "The body is not valid HTTP (a broken chunked encoding or a connection closed "
                "half-way); nothing was stored.",
                f"{type(exc).__name__}: {str(exc)[:200]}",
            )
        finally:
            if sock is not None and self._deadline is not None:
                with contextlib.suppress(OSError):
                    sock.settimeout(prior)

    def _timed_out(self) -> NoReturn:
        within = "" if self._timeout is None else f" within {self._timeout:g} seconds"
        self._refuse(
            408,
            "body_timeout",
            f"The body did not arrive{within}; nothing was stored.",
            "timed out",
        )

    def _refuse(self, status: int, error: str, message: str, why: str) -> NoReturn:
        log.warning("refused the body of %s: %s", self._where, why)
        raise ApiError(status, error, message) from None


class BodyGuard:
    """WSGI middleware: every request's ``wsgi.input`` becomes a ``GuardedInput``.

    ``config`` is the app's configuration, read per request, so ``BODY_TIMEOUT`` (seconds; set
    by ``widgetserver serve --body-timeout``) can be set after the app was created.
    """

    def __init__(self, app: WSGIApp, config: Mapping[str, Any]) -> None:
        self.app = app
        self.config = config

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "wsgi.input" in environ:
            timeout = self.config.get("BODY_TIMEOUT", DEFAULT_TIMEOUT)
            environ["wsgi.input"] = GuardedInput(environ, timeout)
        return self.app(environ, start_response)
