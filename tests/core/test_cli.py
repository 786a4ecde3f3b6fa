"""The widgetserver command, in process and as the installed console script."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from widgetserver.core import migrate
from widgetserver.models import Owner, Site

from ..conftest import all_rows

WIDGETSERVER = str(Path(sys.executable).parent / "widgetserver")


def run(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    return result


def test_db_upgrade_reports_the_schema_revision(runner):
    result = run(runner, "db", "upgrade", "--json")
    assert result.exit_code == 0, result.output
    head = migrate.head_revision()
    assert json.loads(result.output) == {"before": head, "after": head, "changed": False}


def test_owners_create_hashes_the_password_from_stdin(app, runner):
    result = run(
        runner,
        "owners",
        "create",
        "Owner@Shop.Example",
        "--admin",
        "--password-stdin",
        "--json",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {
        "id": data["id"],
        "email": "owner@shop.example",
        "admin": True,
        "password_set": True,
    }
    (owner,) = all_rows(app, Owner)
    assert owner.password_hash != "correct horse battery"
    assert check_password_hash(owner.password_hash, "correct horse battery")


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (["not-an-email"], None, "is not an e-mail address"),
        (["a@shop.example", "--password-stdin"], "short\n", "at least 8 characters"),
    ],
)
def test_owners_create_refuses_bad_input(app, runner, args, input, message):
    result = run(runner, "owners", "create", *args, input=input)
    assert result.exit_code == 1
    assert message in result.output
    assert all_rows(app, Owner) == []


def test_an_owner_cannot_be_created_twice(runner):
    assert run(runner, "owners", "create", "a@shop.example").exit_code == 0
    again = run(runner, "owners", "create", "A@shop.example")
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_sites_create_prints_key_secret_and_snippet(app, runner):
    run(runner, "owners", "create", "a@shop.example")
    result = run(
        runner,
        "sites",
        "create",
        "--owner",
        "a@shop.example",
        "--name",
        "Mugs & More",
        "--origin",
        "https://Mugs.Example/",
        "--origin",
        "https://www.mugs.example",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (site,) = all_rows(app, Site)
    assert (data["public_key"], data["secret"]) == (site.public_key, site.secret)
    assert data["origins"] == ["https://mugs.example", "https://www.mugs.example"]
    assert f'data-site="{site.public_key}"' in data["snippet"]
    assert "/v1/loader.js" in data["snippet"]
    text = run(
        runner,
        "sites",
        "create",
        "--owner",
        "a@shop.example",
        "--name",
        "Second",
        "--origin",
        "https://second.example",
    ).output
    assert "public key:" in text and "secret:" in text and "<script async" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--owner", "nobody@shop.example", "--name", "X", "--origin", "https://x.example"],
            "no owner",
        ),
        (
            ["--owner", "a@shop.example", "--name", "X", "--origin", "x.example"],
            "must start with https://",
        ),
        (
            ["--owner", "a@shop.example", "--name", "\x07", "--origin", "https://x.example"],
            "printable",
        ),
        (["--owner", "a@shop.example", "--name", "X"], "Missing option '--origin'"),
    ],
)
def test_sites_create_refuses_bad_input(app, runner, args, message):
    run(runner, "owners", "create", "a@shop.example")
    result = run(runner, "sites", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert all_rows(app, Site) == []


def test_sites_list_and_rotate_secret(app, runner, site):
    listed = json.loads(run(runner, "sites", "list", "--json").output)
    assert [(s["public_key"], s["owner"]) for s in listed] == [(site.key, "owner@shop.example")]
    assert "secret" not in listed[0]
    rotated = json.loads(
        run(runner, "sites", "rotate-secret", site.key, "--grace-hours", "24", "--json").output
    )
    assert rotated["secret"] != site.secret
    assert rotated["previous_secret_valid_until"] == "2026-05-13T10:30:00+00:00"
    (stored,) = all_rows(app, Site)
    assert (stored.secret, stored.previous_secret) == (rotated["secret"], site.secret)
    unknown = run(runner, "sites", "rotate-secret", "pk_nobody")
    assert unknown.exit_code == 1 and "no active site" in unknown.output


def test_rotating_again_during_a_grace_period_keeps_the_first_secret_working(app, runner, site):
    run(runner, "sites", "rotate-secret", site.key, "--grace-hours", "24")
    (before,) = all_rows(app, Site)
    again = run(runner, "sites", "rotate-secret", site.key, "--grace-hours", "24")
    assert again.exit_code == 1 and "still works until" in again.output
    (after,) = all_rows(app, Site)
    assert (after.secret, after.previous_secret) == (before.secret, site.secret)
    # Ending the old secrets at once is always allowed (a leaked secret).
    assert run(runner, "sites", "rotate-secret", site.key).exit_code == 0
    (ended,) = all_rows(app, Site)
    assert ended.previous_secret is None and ended.secret != before.secret


def test_drops_lists_refused_events_by_reason(runner, browser, site):
    browser.origin = "https://evil.example"
    browser.share("share-code")
    browser.send({"type": "visit", "code": "abcdefgh"}, site="pk_nobody")
    data = json.loads(run(runner, "drops", "--json").output)
    assert {(d["site"], d["reason"], d["count"]) for d in data} == {
        (site.key, "origin_not_allowed", 1),
        (None, "unknown_site", 1),
    }
    only = json.loads(run(runner, "drops", "--site", site.key, "--json").output)
    assert [d["reason"] for d in only] == ["origin_not_allowed"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_console_script_sets_up_and_serves_ingest_and_orders_with_gunicorn(tmp_path):
    """The production path end to end: CLI set-up, gunicorn workers, browser and signed posts."""
    from sqlalchemy import create_engine, text

    from widgetserver.web.client import SignedClient

    env = {**os.environ, "WIDGETSERVER_INSTANCE_PATH": str(tmp_path)}
    env.pop("WIDGETSERVER_DATABASE_URL", None)

    def cli(*args, stdin=None):
        done = subprocess.run(
            [WIDGETSERVER, *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            input=stdin,
        )
        return json.loads(done.stdout)

    assert cli("db", "upgrade")["after"] == migrate.head_revision()
    cli("owners", "create", "owner@shop.example")
    site = cli(
        "sites",
        "create",
        "--owner",
        "owner@shop.example",
        "--name",
        "Shop",
        "--origin",
        "https://shop.example",
    )
    port = _free_port()
    server = subprocess.Popen(
        [WIDGETSERVER, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.1)
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
