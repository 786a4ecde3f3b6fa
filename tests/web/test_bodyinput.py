"""A body the server cannot read whole is the client's error: 400 or 408, one shape, no 500.

These feed a failing ``wsgi.input`` to the app in process; ``tests/core/test_serve_bodies.py``
sends the same broken bodies to a real gunicorn over raw sockets.
"""

import io
import logging

import pytest
from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkSize, NoMoreData

from widgetserver.web.bodyinput import GuardedInput
from widgetserver.web.errors import ApiError

from ..conftest import drop_counts


class Failing(io.RawIOBase):
    """A body stream that fails as gunicorn's chunked reader does on a broken body."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def read(self, size: int | None = -1) -> bytes:
        raise self.exc

    def readline(self, size: int | None = -1) -> bytes:
        raise self.exc


CHUNKED = {"wsgi.input_terminated": True}
BROKEN = [InvalidChunkSize(b"zz"), ChunkMissingTerminator(b"XX"), InvalidChunkSize(b"-3")]


def _environ(stream, **extra):
    return {"wsgi.input": stream, "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/x", **extra}


@pytest.mark.parametrize("exc", [*BROKEN, NoMoreData(), ConnectionResetError()])
def test_a_broken_transfer_is_a_malformed_body(exc, caplog):
    guarded = GuardedInput(_environ(Failing(exc), **CHUNKED), None)
    with caplog.at_level(logging.WARNING, "widgetserver"), pytest.raises(ApiError) as refused:
        guarded.read(100)
    assert (refused.value.status, refused.value.error) == (400, "malformed_body")
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert caplog.records[0].exc_info is None
    assert "POST /v1/x" in caplog.records[0].getMessage()


def test_a_stall_is_a_timeout():
    guarded = GuardedInput(_environ(Failing(TimeoutError()), **CHUNKED), None)
    with pytest.raises(ApiError) as refused:
        guarded.readline()
    assert (refused.value.status, refused.value.error) == (408, "body_timeout")


def test_a_body_shorter_than_its_content_length_is_malformed():
    guarded = GuardedInput(_environ(io.BytesIO(b'{"a":'), CONTENT_LENGTH="100"), None)
    with pytest.raises(ApiError) as refused:
        guarded.read(100)
    assert refused.value.error == "malformed_body"
    assert "Content-Length" in refused.value.message


def test_a_short_body_is_malformed_also_where_the_server_marks_every_input_terminated():
    # gunicorn sets wsgi.input_terminated on every request, chunked or not.
    environ = _environ(io.BytesIO(b'{"a":1}'), CONTENT_LENGTH="100", **CHUNKED)
    with pytest.raises(ApiError) as refused:
        GuardedInput(environ, None).read(65537)
    assert refused.value.error == "malformed_body"
    chunked = _environ(io.BytesIO(b'{"a":1}'), HTTP_TRANSFER_ENCODING="chunked", **CHUNKED)
    assert GuardedInput(chunked, None).read(65537) == b'{"a":1}'


def test_a_whole_body_reads_as_it_is_in_pieces_lines_and_to_the_end():
    body = b"line one\nline two\nrest"
    guarded = GuardedInput(_environ(io.BytesIO(body), CONTENT_LENGTH=str(len(body))), None)
    assert guarded.read(5) == b"line "
    assert guarded.readline() == b"one\n"
    assert list(guarded) == [b"line two\n", b"rest"]
    assert guarded.read() == b""
    chunked = GuardedInput(
        _environ(io.BytesIO(body), HTTP_TRANSFER_ENCODING="chunked", **CHUNKED), None
    )
    assert chunked.read() == body


def _post(client, path, exc, content_type, **headers):
    return client.post(
        path,
        headers={"Content-Type": content_type, "Transfer-Encoding": "chunked", **headers},
        environ_overrides={"wsgi.input": Failing(exc), "wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("exc", BROKEN)
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/events", "text/plain"),
        ("/v1/conversions", "application/json"),
        ("/v1/conversions/browser", "text/plain"),
        ("/v1/referrals", "text/plain"),
        ("/v1/sites/pk_example_site_key/referrals", "application/json"),
    ],
)
def test_every_json_endpoint_answers_a_broken_body_with_400(client, site, path, content_type, exc):
    response = _post(client, path, exc, content_type, Origin="https://shop.example")
    assert response.status_code == 400
    assert response.json == {
        "error": "malformed_body",
        "message": response.json["message"],
    }


def test_a_broken_events_body_is_counted_as_a_refusal(app, client, site):
    _post(client, "/v1/events", InvalidChunkSize(b"zz"), "text/plain")
    assert sum(n for (_, reason), n in drop_counts(app).items() if reason == "malformed_body") == 1


@pytest.mark.parametrize("exc", BROKEN)
def test_the_admin_forms_answer_a_broken_body_with_400(client, exc):
    response = _post(client, "/admin/login", exc, "application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "malformed_body" in response.get_data(as_text=True)
    asked_for_json = _post(
        client,
        "/admin/login",
        exc,
        "application/x-www-form-urlencoded",
        Accept="application/json",
    )
    assert asked_for_json.json["error"] == "malformed_body"
