"""The widget server's paths never carry a cookie; only the owners' pages may."""

import pytest
from flask import session


def test_api_paths_have_a_null_session_that_refuses_writes(app, client):
    def write():
        session["x"] = 1
        return "written"

    app.add_url_rule("/v1/try-session", "try_session", write)
    response = client.get("/v1/try-session")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers


def test_owner_pages_get_a_path_scoped_http_only_cookie(app, client):
    def write():
        session["owner"] = 1
        return "ok"

    app.add_url_rule("/admin/try-session", "try_admin_session", write)
    cookie = client.get("/admin/try-session").headers["Set-Cookie"]
    assert "Path=/admin" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/v1/loader.js", "/v1/openapi.json", "/nowhere"]
)
def test_no_public_path_sets_a_cookie(client, path):
    assert "Set-Cookie" not in client.get(path).headers
