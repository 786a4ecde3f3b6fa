"""``widgetserver owners`` and ``widgetserver sites``: accounts and sites from the shell."""

import json
from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from widgetserver.models import Owner, Site

from ..conftest import all_rows


def run(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


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
        (
            ["--owner", "a@shop.example", "--name", "X", "--origin", "https://ü..example"],
            "the host name has an empty part",
        ),
        (
            ["--owner", "a@shop.example", "--name", "X", "--origin", f"https://{'a' * 64}.de"],
            "longer than 63 characters",
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


def test_rotating_from_the_shell_never_overwrites_a_rotation_made_meanwhile(
    app, runner, site, clock, monkeypatch
):
    from widgetserver.core.db import db
    from widgetserver.sites import by_key, cli, rotate_secret

    with app.app_context():
        seen = by_key(db.session, site.key)  # what the command read ...
    with app.app_context(), db.writing() as session:  # ... before the owners' page rotated
        page_secret = rotate_secret(
            session, by_key(session, site.key), grace=timedelta(0), now=clock()
        )
    monkeypatch.setattr(cli, "by_key", lambda session, _key: session.merge(seen, load=False))
    result = run(runner, "sites", "rotate-secret", site.key, "--json")
    assert result.exit_code == 1 and "replaced meanwhile" in result.output
    (stored,) = all_rows(app, Site)
    assert (stored.secret, stored.rotation) == (page_secret, 1)
