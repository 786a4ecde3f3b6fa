"""One error shape for API clients; a page for people; one table of statuses for domain reasons."""

import ast
import importlib
import logging
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from widgetserver.core.errors import DomainError, declared, reason
from widgetserver.web.errors import STATUS, ApiError, Refused


def test_api_clients_get_the_json_error_shape(client):
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert set(response.json) == {"error", "message"}


def test_a_wrong_method_is_a_405_naming_the_allowed_ones(client):
    response = client.get("/v1/events")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_people_get_a_page_with_the_same_words(client):
    response = client.get("/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_an_unexpected_failure_is_a_500_in_the_same_shape_without_internals(app, client):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/v1/explode", "explode", explode)
    response = client.get("/v1/explode")
    assert response.status_code == 500
    assert response.json["error"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_an_unreachable_database_is_a_503_to_retry_not_a_500(tmp_path):
    from widgetserver import create_app
    from widgetserver.core.db import db

    app = create_app(
        {
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    client = app.test_client()
    body = '{"site": "pk_aaaaaaaaaaaaaaaaaaaa", "events": [{"type": "visit", "code": "abcdefgh"}]}'
    response = client.post(
        "/v1/events",
        data=body,
        headers={"Origin": "https://shop.example", "Content-Type": "text/plain"},
    )
    assert response.status_code == 503
    assert response.json["error"] == "storage_unavailable"
    assert response.headers["Retry-After"] == "5"
    db.dispose(app)


# --- domain errors: one table of statuses ---------------------------------------------------


def _every_module() -> list[ModuleType]:
    """Import every module of the service, so every reason is declared.

    Alembic's migration scripts are left out: they run only inside Alembic.
    """
    import widgetserver

    names = [
        m.name
        for m in pkgutil.walk_packages(widgetserver.__path__, "widgetserver.")
        if not m.name.startswith("widgetserver.migrations")
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def test_every_reason_domain_code_declares_has_an_http_status():
    _every_module()
    assert set(declared()) <= set(STATUS), "add the reason to web.errors.STATUS"


def test_the_status_table_lists_only_reasons_domain_code_declares():
    _every_module()
    assert set(STATUS) <= set(declared()), "a reason nobody raises: drop it from STATUS"


def _source(module: ModuleType) -> str:
    return Path(module.__file__).read_text(encoding="utf-8") if module.__file__ else ""


def _reason_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "reason":
            return keyword.value
    return call.args[0] if call.args else None


def _domain_error_constructions(module: ModuleType) -> Iterator[tuple[int, ast.expr | None]]:
    """Where ``module`` makes a DomainError: direct calls, and ``super().__init__`` of subclasses."""
    for node in ast.walk(ast.parse(_source(module))):
        if isinstance(node, ast.ClassDef):
            cls = getattr(module, node.name, None)
            if isinstance(cls, type) and issubclass(cls, DomainError) and cls is not DomainError:
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "__init__"
                        and isinstance(inner.func.value, ast.Call)
                        and getattr(inner.func.value.func, "id", None) == "super"
                    ):
                        yield inner.lineno, _reason_argument(inner)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and getattr(module, node.func.id, None) is DomainError
        ):
            yield node.lineno, _reason_argument(node)


def test_domain_code_raises_only_declared_reasons():
    """Each reason is a declared constant (or a declared word), so STATUS can know it."""
    found = 0
    for module in _every_module():
        if module.__name__ == "widgetserver.core.errors":
            continue
        for line, argument in _domain_error_constructions(module):
            found += 1
            where = f"{module.__name__}, line {line}"
            if isinstance(argument, ast.Constant):
                value = argument.value
            elif isinstance(argument, ast.Name):
                value = getattr(module, argument.id, None)
            else:
                pytest.fail(f"{where}: pass a reason declared with core.errors.reason()")
            assert value in declared(), f"{where}: {value!r} is not a declared reason"
    assert found >= len(STATUS)  # the scan sees the raising code at all


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("invalid_field", 400),
        ("token_mismatch", 400),
        ("status_regression", 409),
        ("refund_regression", 409),
        ("currency_mismatch", 409),
        ("unknown_site", 404),
        ("origin_not_allowed", 403),
    ],
)
def test_a_domain_error_in_a_request_is_answered_with_its_status_and_the_error_shape(
    app, client, reason, status
):
    def refuse():
        raise DomainError(reason, "A sentence for people.", {"field": "amount"})

    app.add_url_rule("/v1/refuse", "refuse", refuse)
    response = client.get("/v1/refuse")
    assert response.status_code == status
    assert response.json == {
        "error": reason,
        "message": "A sentence for people.",
        "details": {"field": "amount"},
    }


def test_a_domain_error_without_details_has_no_details_key(app, client):
    def refuse():
        raise DomainError("unknown_site", "No active site has this public key.")

    app.add_url_rule("/v1/refuse", "refuse", refuse)
    response = client.get("/v1/refuse")
    assert (response.status_code, response.json) == (
        404,
        {"error": "unknown_site", "message": "No active site has this public key."},
    )


def test_an_unmapped_reason_is_a_400_and_a_warning_never_a_500(app, client, caplog):
    def refuse():
        raise DomainError("reason_nobody_mapped", "Refused.")

    app.add_url_rule("/v1/refuse", "refuse", refuse)
    with caplog.at_level(logging.WARNING, logger="widgetserver"):
        response = client.get("/v1/refuse")
    assert (response.status_code, response.json["error"]) == (400, "reason_nobody_mapped")
    assert "reason_nobody_mapped" in caplog.text and "STATUS" in caplog.text


def test_people_get_a_page_for_a_domain_error_too(app, client):
    def refuse():
        raise DomainError("origin_not_allowed", "Not from here.")

    app.add_url_rule("/refuse", "refuse", refuse)
    response = client.get("/refuse", headers={"Accept": "text/html"})
    assert (response.status_code, response.mimetype) == (403, "text/html")
    assert "Not from here." in response.get_data(as_text=True)


def test_an_http_error_made_of_a_domain_error_takes_the_tables_status():
    refused = Refused.of(DomainError("origin_not_allowed", "No.", {"origin": "x"}))
    assert isinstance(refused, Refused)
    assert (refused.status, refused.error, refused.message, refused.details) == (
        403,
        "origin_not_allowed",
        "No.",
        {"origin": "x"},
    )
    assert ApiError.of(DomainError("status_regression", "Late.")).status == 409


def test_reasons_are_snake_case_words():
    with pytest.raises(ValueError, match="snake_case"):
        reason("Not A Reason", "spaces and capitals")
