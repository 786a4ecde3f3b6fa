from sqlalchemy import text

from widgetserver import create_app
from widgetserver.core.db import db


def test_alive(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_ready_when_the_database_answers_with_the_current_schema(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"


def test_not_ready_while_migrations_are_missing(app, client):
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    response = client.get("/readyz")
    assert (response.status_code, response.json["error"]) == (503, "schema_outdated")


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.json["error"]) == (503, "database_unavailable")
    db.dispose(app)
