"""The widgetserver command, in process and as the installed console script."""

import json
import os
import signal
import subprocess
import urllib.request

from widgetserver.core import migrate

from ..live import WIDGETSERVER, cli, free_port, wait_ready


def run(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    return result


#: Every command of the console script: Flask's ``routes`` and ``shell``, and the groups the
#: packages register from their ``init_app``.
COMMANDS = ["db", "demo", "drops", "owners", "purge", "routes", "serve", "shell", "sites", "stats"]


def test_the_console_script_lists_every_command(tmp_path):
    env = {**os.environ, "WIDGETSERVER_INSTANCE_PATH": str(tmp_path)}
    env.pop("WIDGETSERVER_DATABASE_URL", None)
    done = subprocess.run(
        [WIDGETSERVER, "--help"], env=env, capture_output=True, text=True, check=True
    )
    listed = done.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == COMMANDS


def test_db_upgrade_reports_the_schema_revision(runner):
    result = run(runner, "db", "upgrade", "--json")
    assert result.exit_code == 0, result.output
    head = migrate.head_revision()
    assert json.loads(result.output) == {"before": head, "after": head, "changed": False}


def test_the_console_script_sets_up_and_serves_ingest_and_orders_with_gunicorn(tmp_path):
    """The production path end to end: CLI set-up, gunicorn workers, browser and signed posts."""
    from sqlalchemy import create_engine, text

    from widgetserver.web.client import SignedClient

    env = {**os.environ, "WIDGETSERVER_INSTANCE_PATH": str(tmp_path)}
    env.pop("WIDGETSERVER_DATABASE_URL", None)
    assert cli(env, "db", "upgrade")["after"] == migrate.head_revision()
    cli(env, "owners", "create", "owner@shop.example")
    site = cli(
        env,
        "sites",
        "create",
        "--owner",
        "owner@shop.example",
        "--name",
        "Shop",
        "--origin",
        "https://shop.example",
    )
    port = free_port()
    server = subprocess.Popen(
        [WIDGETSERVER, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        body = wait_ready(base)
        assert body == {"status": "ready", "schema": migrate.head_revision()}
        share = json.dumps(
            {
                "site": site["public_key"],
                "events": [
                    {
                        "type": "share",
                        "code": "served-code",
                        "channel": "x",
                        "url": "https://shop.example/p",
                    }
                ],
            }
        )
        request = urllib.request.Request(
            f"{base}/v1/events",
            data=share.encode(),
            headers={
                "Origin": "https://shop.example",
                "Content-Type": "text/plain",
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert (response.status, json.loads(response.read())["accepted"]) == (202, 1)
            assert response.headers["Set-Cookie"] is None
        client = SignedClient(base, site["public_key"], site["secret"])
        status, answer = client.post(
            "/v1/conversions?via=gunicorn",
            {
                "order_id": "G-1",
                "amount": "12.00",
                "currency": "EUR",
                "status": "paid",
                "ref": "served-code",
            },
        )
        assert (status, answer["attribution"]["code"]) == (201, "served-code")
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert output.count("Booting worker") == 2
    engine = create_engine(f"sqlite:///{tmp_path / 'widgetserver.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
        assert connection.execute(text("SELECT status FROM conversions")).scalar() == "paid"
    engine.dispose()
