"""One error shape for API clients; a page for people."""


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
