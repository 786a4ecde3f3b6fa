"""The application factory: defaults, then environment, then test config."""

import os
import stat

import pytest

from widgetserver import create_app
from widgetserver.core.db import db


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("WIDGETSERVER_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_put_sqlite_and_a_generated_secret_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("WIDGETSERVER_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'widgetserver.sqlite3'}"
    key_file = tmp_path / "inst" / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A restart (or another worker) reads the same key instead of making a new one.
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert [p.name for p in (tmp_path / "inst").iterdir() if p.name.startswith(".")] == []
    db.dispose(app)


def test_the_environment_overrides_defaults_and_test_config_overrides_both(clean_env, tmp_path):
    clean_env.setenv("WIDGETSERVER_INSTANCE_PATH", str(tmp_path))
    clean_env.setenv("WIDGETSERVER_DATABASE_URL", "sqlite:///from-env.db")
    clean_env.setenv("WIDGETSERVER_SECRET_KEY", "from-env")
    clean_env.setenv("WIDGETSERVER_PUBLIC_URL", "https://widgets.example/")
    clean_env.setenv("WIDGETSERVER_TRUSTED_PROXIES", "1")
    clean_env.setenv("WIDGETSERVER_CONFIG_MAX_AGE", "120")
    app = create_app()
    assert app.config["DATABASE_URL"] == "sqlite:///from-env.db"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["PUBLIC_URL"] == "https://widgets.example"
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["CONFIG_MAX_AGE"] == 120
    overridden = create_app({"SECRET_KEY": "from-test", "DATABASE_URL": "sqlite:///t.db"})
    assert overridden.config["SECRET_KEY"] == "from-test"
    assert overridden.config["PUBLIC_URL"] == "https://widgets.example"
    db.dispose(app)
    db.dispose(overridden)


def test_a_malformed_variable_is_a_clear_error(clean_env, tmp_path):
    clean_env.setenv("WIDGETSERVER_INSTANCE_PATH", str(tmp_path))
    clean_env.setenv("WIDGETSERVER_TRUSTED_PROXIES", "many")
    with pytest.raises(RuntimeError, match="WIDGETSERVER_TRUSTED_PROXIES='many' is not valid"):
        create_app()


def test_behind_a_trusted_proxy_the_client_address_comes_from_the_proxy(tmp_path):
    from widgetserver.web.requestinfo import client_ip

    for proxies, expected in ((0, "10.0.0.1"), (1, "198.51.100.4")):
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "SECRET_KEY": "x",
                "TRUSTED_PROXIES": proxies,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            }
        )
        app.add_url_rule("/ip", "ip", lambda: client_ip())
        seen = app.test_client().get(
            "/ip",
            headers={"X-Forwarded-For": "198.51.100.4"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        assert seen.get_data(as_text=True) == expected
        db.dispose(app)


def test_signatures_see_the_path_as_sent_when_mounted_under_a_prefix(tmp_path):
    """In-process mounts keep the prefix in the raw target; prefix-stripping proxies do not."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    from widgetserver.web.requestinfo import signed_path

    seen = []
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    app.add_url_rule("/probe", "probe", lambda: seen.append(signed_path()) or "")
    mounted = Client(DispatcherMiddleware(lambda e, s: [], {"/widgets": app}))
    mounted.get("/widgets/probe?a=1", environ_base={"RAW_URI": "/widgets/probe?a=1"})
    proxied = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "TRUSTED_PROXIES": 1,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    proxied.add_url_rule("/probe", "probe", lambda: seen.append(signed_path()) or "")
    proxied.test_client().get(
        "/probe?a=1",
        headers={"X-Forwarded-Prefix": "/widgets"},
        environ_base={"RAW_URI": "/probe?a=1"},
    )
    assert seen == ["/widgets/probe?a=1", "/widgets/probe?a=1"]
    db.dispose(app)
    db.dispose(proxied)
