"""Strict JSON request bodies: one parser for every endpoint, with one set of refusals."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from .errors import ApiError


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def parse(raw: bytes) -> Any:
    """Decode UTF-8 JSON; NaN, Infinity and repeated keys are refused as ambiguous."""
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "The body is not UTF-8 text.") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "The body is nested too deeply.") from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {exc}") from None


def read_body(max_bytes: int) -> bytes:
    """The raw request body, refused with 413 beyond ``max_bytes`` (also when chunked).

    Reads at most one byte more than allowed, so an oversized chunked body is recognised as
    such instead of arriving cut off. A body that is broken on the wire, shorter than its
    Content-Length or too slow is refused while it is read (``bodyinput``: 400 or 408).
    """
    length = request.content_length  # None when chunked (or not declared)
    if length is not None and length > max_bytes:
        raise ApiError(413, "body_too_large", f"The body may be at most {max_bytes} bytes.")
    if length is not None:
        # The common case, and the hot path of ingest: exactly Content-Length bytes.
        return request.environ["wsgi.input"].read(length) if length else b""
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(413, "body_too_large", f"The body may be at most {max_bytes} bytes.")
    return raw


def require_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    return value


def require_content_type(*allowed: str) -> None:
    """Refuse other media types with 415 (parameters such as charset are ignored)."""
    mimetype = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if mimetype not in allowed:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Send the body as {' or '.join(allowed)}.",
        )
