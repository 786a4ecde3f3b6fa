"""``widgetserver db backup`` and restoring what it makes, on SQLite and PostgreSQL."""

import json
import os
import shutil
import sqlite3
import subprocess
import threading

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from widgetserver.core import migrate
from widgetserver.core.backup import postgres_command
from widgetserver.core.db import db, normalise_url

from ..api.test_stats import StatsClient
from ..conftest import POSTGRES_DEFAULT, POSTGRES_ENV, Browser, Shop, make_site
from ..conftest import make_app as new_app


def _rows(url, table="events"):
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {r[0]: tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}"))}
    engine.dispose()
    return rows


def _live_sqlite(sqlite_template, tmp_path, clock):
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    return path, new_app(f"sqlite:///{path}", tmp_path / "instance", clock)


def _backup(app, *args):
    return app.test_cli_runner().invoke(args=["db", "backup", *map(str, args)])


def test_a_backup_taken_while_events_are_written_restores_every_committed_row(
    sqlite_template, tmp_path, clock
):
    path, app = _live_sqlite(sqlite_template, tmp_path, clock)
    try:
        _backup_while_writing(app, path, tmp_path, clock)
    finally:
        db.dispose(app)


def _backup_while_writing(app, path, tmp_path, clock):
    site = make_site(app, clock)
    stop, reached, refused = threading.Event(), threading.Event(), []
    answered, goal = [0], [20]

    def keep_writing():
        browser = Browser(app.test_client(), site)
        while not stop.is_set():
            n = answered[0]
            browser.ip = f"198.51.{n // 200}.{n % 200 + 1}"
            response = browser.share(f"share{n:05d}")
            if response.status_code != 202:
                refused.append(response.get_json())
                return
            answered[0] += 1
            if answered[0] >= goal[0]:
                reached.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert reached.wait(60)
        committed = _rows(f"sqlite:///{path}")
        result = _backup(app, tmp_path / "backup.sqlite3", "--json")
        # The writer goes on after the backup: it wrote before, during and after it.
        goal[0] = answered[0] + 20
        reached.clear()
        assert reached.wait(60)
    finally:
        stop.set()
        writer.join()
    assert refused == []
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["database"] == "sqlite" and report["integrity"] == "ok"
    assert report["revision"] == migrate.head_revision() and report["at_head"] is True
    assert not [n for n in os.listdir(tmp_path) if n.startswith(("backup.sqlite3-", "."))]

    backup_url = f"sqlite:///{tmp_path / 'backup.sqlite3'}"
    saved, live = _rows(backup_url), _rows(f"sqlite:///{path}")
    # Every row committed before the backup began is in it, and every row in it is whole.
    assert set(committed) <= set(saved) <= set(live)
    assert all(saved[i] == live[i] for i in saved)
    assert len(committed) >= 20 and len(live) > len(saved)
    with sqlite3.connect(tmp_path / "backup.sqlite3") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)

    restored = new_app(backup_url, tmp_path / "restored", clock)
    try:
        with restored.app_context(), db.engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
        assert _rows(backup_url, "sites") == _rows(f"sqlite:///{path}", "sites")
        browser = Browser(restored.test_client(), site)
        assert browser.visit("afterRestore").status_code == 202
    finally:
        db.dispose(restored)


def test_a_backup_never_replaces_a_file_without_force(sqlite_template, tmp_path, clock):
    path, app = _live_sqlite(sqlite_template, tmp_path, clock)
    dest = tmp_path / "backup.sqlite3"
    dest.write_bytes(b"an older backup")
    try:
        refused = _backup(app, dest)
        assert refused.exit_code == 1 and "--force" in refused.output
        assert dest.read_bytes() == b"an older backup"

        replaced = _backup(app, dest, "--force")
        assert replaced.exit_code == 0, replaced.output
        assert replaced.output.startswith(f"Backed up to {dest} (")
        with sqlite3.connect(dest) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        itself = _backup(app, path, "--force")
        assert itself.exit_code == 1 and "live database itself" in itself.output
        nowhere = _backup(app, tmp_path / "missing" / "backup.sqlite3")
        assert nowhere.exit_code == 1 and "no directory" in nowhere.output
        assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]
    finally:
        db.dispose(app)


def _admin_url():
    return normalise_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT))


def _create_database(name):
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _admin_url().set(database=name).render_as_string(hide_password=False)


def _drop_database(name):
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _libpq(url):
    """The URL as pg_dump and pg_restore take it, and the environment with its password."""
    parsed = make_url(url)
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    return parsed.set(drivername="postgresql", password=None), env


def test_pg_dump_and_pg_restore_round_trip_keeps_the_stats(tmp_path, clock):
    source_name, restored_name = f"swk_backup_{os.getpid()}", f"swk_restored_{os.getpid()}"
    source_url = _create_database(source_name)
    restored_url = _create_database(restored_name)
    apps = []
    try:
        engine = create_engine(source_url)
        migrate.upgrade(engine)
        engine.dispose()
        app = new_app(source_url, tmp_path / "source", clock)
        apps.append(app)
        site = make_site(app, clock)
        browser = Browser(app.test_client(), site)
        assert browser.share("shareA01", "whatsapp", product="MUG-1").status_code == 202
        browser.ip = "198.51.100.2"
        assert browser.visit("shareA01").status_code == 202
        shop = Shop(app.test_client(), site, clock)
        assert shop.conversion("1001", ref="shareA01", status="paid").status_code == 201
        period = "from=2026-05-12&to=2026-05-12"
        before = StatsClient(app.test_client(), site, clock).get(period)
        assert before.status_code == 200 and before.get_json()["totals"]["visits"] == 1

        # The command line the CLI prints, run as printed (password from the environment).
        dump = tmp_path / "widgetserver.dump"
        printed = app.test_cli_runner().invoke(args=["db", "backup", str(dump), "--json"])
        assert printed.exit_code == 1
        report = json.loads(printed.output)
        assert report["done"] is False
        assert report["command"] == postgres_command(make_url(source_url), str(dump))
        password = make_url(source_url).password
        assert not password or not any(password in part for part in report["command"])
        told = app.test_cli_runner().invoke(args=["db", "backup", str(dump)])
        assert told.exit_code == 1 and "made no backup" in told.output
        assert "pg_dump --format=custom" in told.output and "pg_restore" in told.output
        assert not password or password not in told.output
        dump_url, env = _libpq(source_url)
        assert report["command"][-1] == f"--dbname={dump_url.database}"
        subprocess.run(report["command"], env=env, check=True, capture_output=True)
        restore_url, env = _libpq(restored_url)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restore_url.render_as_string()}", str(dump)],
            env=env,
            check=True,
            capture_output=True,
        )

        restored = new_app(restored_url, tmp_path / "restored", clock)
        apps.append(restored)
        with restored.app_context(), db.engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
        after = StatsClient(restored.test_client(), site, clock).get(period)
        assert after.status_code == 200
        assert after.get_json() == before.get_json()
    finally:
        for app in apps:
            db.dispose(app)
        _drop_database(source_name)
        _drop_database(restored_name)


def test_the_pg_dump_command_names_the_database_but_never_the_password():
    url = make_url("postgresql+psycopg://swk:s3cret@db.internal:5433/shop")
    assert postgres_command(url, "/backups/swk.dump") == [
        "pg_dump",
        "--format=custom",
        "--file=/backups/swk.dump",
        "--host=db.internal",
        "--port=5433",
        "--username=swk",
        "--dbname=shop",
    ]
