"""Owners log in with e-mail and password; sessions are narrow, fresh and bound to the owner."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from widgetserver.core.db import db
from widgetserver.models import LoginFailure, Owner

from ..conftest import Clock, all_rows, database_text
from .conftest import PASSWORD, Owners, parallel_wrong_logins, token_in


def test_the_owners_pages_send_a_visitor_to_the_login_first(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/"
    assert client.get("/admin/login").status_code == 200


def test_an_owner_logs_in_and_sees_their_sites(owners, client):
    account = owners.create()
    owners.site(account, "Mugs & More")
    response = owners.login(account)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert "Mugs &amp; More" in page


def test_a_wrong_password_or_an_unknown_address_gets_the_same_answer(owners):
    account = owners.create()
    wrong = owners.login(account, "not the password")
    unknown = owners.login("nobody@shop.example")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "The e-mail address or the password is not right." in response.get_data(True)
    assert owners.client.get("/admin/").status_code == 302


def test_the_login_goes_back_to_the_page_asked_for_but_never_elsewhere(owners):
    account = owners.create()
    site = owners.site(account)
    assert (
        owners.login(account, next=f"/admin/sites/{site.id}/settings").headers["Location"]
        == f"/admin/sites/{site.id}/settings"
    )
    owners.logout()
    for target in ("https://evil.example/", "//evil.example/admin", "/v1/loader.js", "/\\evil"):
        assert owners.login(account, next=target).headers["Location"] == "/admin/"
        owners.logout()


def test_the_session_cookie_is_http_only_lax_and_scoped_to_the_owners_pages(owners):
    account = owners.create()
    cookie = owners.login(account).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http, as in development


def test_the_cookie_is_secure_over_https(app, owners):
    account = owners.create()
    client = app.test_client()
    page = client.get("/admin/login", base_url="https://widgets.example")
    assert "Secure" in page.headers["Set-Cookie"]
    from .conftest import token_in

    response = client.post(
        "/admin/login",
        base_url="https://widgets.example",
        data={"email": account.email, "password": PASSWORD, "csrf_token": token_in(page.text)},
    )
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [(None, False), ("http://127.0.0.1:8000", False), ("https://w.example", True)],
)
def test_an_https_public_url_makes_the_cookie_secure_always(tmp_path, public_url, secure):
    from widgetserver import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "k",
            "PUBLIC_URL": public_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    db.dispose(app)


def test_a_login_starts_a_new_session(owners, client):
    account = owners.create()
    before = owners.token()
    client.set_cookie("session", "planted-by-someone-else", path="/admin")
    owners.login(account)
    after = owners.token("/admin/")
    assert after != before


def test_logging_out_ends_the_session(owners, client):
    account = owners.create()
    owners.login(account)
    assert client.get("/admin/").status_code == 200
    response = owners.logout()
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302


def test_a_stolen_session_ends_when_the_password_changes(app, owners, client):
    account = owners.create()
    owners.login(account)
    with app.app_context(), db.writing() as session:
        session.get(Owner, account.id).password_hash = generate_password_hash("new password")
    assert client.get("/admin/").status_code == 302


def test_a_session_ends_after_its_lifetime(owners, client, clock):
    account = owners.create()
    owners.login(account)
    clock.advance(hours=11)
    assert client.get("/admin/").status_code == 200
    clock.advance(hours=2)
    assert client.get("/admin/").status_code == 302


def test_an_owner_without_a_password_cannot_log_in(app, owners):
    with app.app_context(), db.writing() as session:
        from widgetserver.sites import create_owner

        create_owner(
            session, "nopass@shop.example", password=None, is_admin=False, now=owners.clock()
        )
    assert owners.login("nopass@shop.example", "").status_code == 200
    assert owners.client.get("/admin/").status_code == 302


def test_an_outdated_password_hash_is_renewed_at_login(app, owners):
    account = owners.create()
    old = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context(), db.writing() as session:
        session.get(Owner, account.id).password_hash = old
    assert owners.login(account).status_code == 303
    (stored,) = all_rows(app, Owner, Owner.id == account.id)
    assert stored.password_hash != old
    assert stored.password_hash.startswith(generate_password_hash("x").split("$")[0] + "$")
    assert check_password_hash(stored.password_hash, PASSWORD)


def test_failed_logins_are_limited_per_account_from_one_client(strict, owners, clock):
    account = owners.create()
    for _ in range(3):
        assert owners.login(account, "wrong").status_code == 200
    refused = owners.login(account)  # even the right password, until the limit has passed
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in refused.get_data(True)
    clock.advance(minutes=21)
    assert owners.login(account).status_code == 303


def test_failed_logins_are_limited_per_client_across_accounts(strict, owners, client):
    account = owners.create()
    for n in range(5):
        owners.login(f"guess{n}@shop.example", "wrong")
    assert owners.login(account).status_code == 429
    other = strict.test_client()
    other.environ_base.update(REMOTE_ADDR="198.51.100.9")
    from .conftest import token_in

    token = token_in(other.get("/admin/login").text)
    response = other.post(
        "/admin/login", data={"email": account.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def test_a_successful_login_clears_the_accounts_failures(strict, owners):
    account = owners.create()
    owners.login(account, "wrong")
    owners.login(account, "wrong")
    owners.login(account)
    owners.logout()
    owners.login(account, "wrong")
    owners.login(account, "wrong")
    assert owners.login(account).status_code == 303


def test_the_counters_keep_neither_addresses_nor_e_mails(strict, owners):
    owners.login("someone@shop.example", "wrong")
    rows = all_rows(strict, LoginFailure)
    assert len(rows) == 3 and all(row.count == 1 for row in rows)  # account, pair, client
    stored = database_text(strict)
    assert "203.0.113.7" not in stored
    assert "someone@shop.example" not in stored


def test_a_cookie_copied_before_logout_no_longer_works(owners, client):
    account = owners.create()
    site = owners.site(account)
    owners.login(account)
    copied = client.get_cookie("session", path="/admin")
    assert copied is not None
    owners.logout()
    client.set_cookie("session", copied.value, path="/admin")
    assert client.get(f"/admin/sites/{site.id}/").status_code == 302
    assert owners.login(account).status_code == 303  # a new login works again
    assert client.get(f"/admin/sites/{site.id}/").status_code == 200


def test_logging_out_ends_the_owners_sessions_on_every_device(app, owners, client):
    account = owners.create()
    owners.login(account)
    other = Owners(app, app.test_client(), owners.clock)
    other.login(account)
    assert other.client.get("/admin/").status_code == 200
    owners.logout()
    assert other.client.get("/admin/").status_code == 302


def test_parallel_wrong_passwords_are_limited_too(strict, owners):
    account = owners.create()
    clients = [strict.test_client() for _ in range(12)]
    answers = parallel_wrong_logins(clients, account.email)
    assert answers.count(200) == 3  # checked: exactly the limit of the account from one client
    assert answers.count(429) == len(clients) - 3


def test_a_success_takes_its_attempt_back_from_the_clients_counter(strict, owners, clock):
    account = owners.create()
    for _ in range(6):  # the client's limit is 5: successes do not count as failures
        assert owners.login(account).status_code == 303
        owners.logout()
    rows = all_rows(strict, LoginFailure)
    assert all(row.count == 0 for row in rows)


@pytest.mark.parametrize(
    "target", ["/admin/\r\nX-Evil: 1", "/admin/\x00", "/admin/\x7f", "/admin/sites\n"]
)
def test_a_next_with_control_characters_goes_to_the_default(owners, client, target):
    account = owners.create()
    assert owners.login(account, next=target).headers["Location"] == "/admin/"
    response = owners.post("/admin/language", {"lang": "de", "next": target}, "/admin/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("email", ["owner@shop.example\x00", "own\ner@shop.example", "\x7f"])
def test_an_e_mail_with_control_characters_is_a_counted_failed_login(strict, owners, email):
    owners.create()
    response = owners.login(email)
    assert response.status_code == 200
    assert "The e-mail address or the password is not right" in response.get_data(True)
    assert owners.client.get("/admin/").status_code == 302
    rows = all_rows(strict, LoginFailure)
    assert len(rows) == 3 and all(row.count == 1 for row in rows)


def _proxied(app_config: dict[str, object], tmp_path: Path, database_url: str, clock: Clock):
    from widgetserver import create_app

    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "proxied"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "CLOCK": clock,
            **app_config,
        }
    )


def test_behind_a_proxy_with_a_path_prefix_the_cookie_and_next_keep_the_prefix(
    database_url, tmp_path, clock
):
    app = _proxied({"TRUSTED_PROXIES": 1}, tmp_path, database_url, clock)
    try:
        proxied = Owners(app, app.test_client(use_cookies=False), clock)
        account = proxied.create()
        site = proxied.site(account)
        client = proxied.client
        client.environ_base.update(HTTP_X_FORWARDED_PREFIX="/swk", HTTP_X_FORWARDED_FOR="1.2.3.4")
        gate = client.get(f"/admin/sites/{site.id}/settings")
        assert gate.headers["Location"].startswith("/swk/admin/login?next=")
        assert "next=/swk/admin/sites/" in unquote(gate.headers["Location"])
        page = client.get("/admin/login")
        # The browser sends the cookie only to pages under its path: the prefixed ones.
        assert "Path=/swk/admin;" in page.headers["Set-Cookie"]
        assert 'action="/swk/admin/login"' in page.get_data(as_text=True)
        response = client.post(
            "/admin/login",
            data={
                "email": account.email,
                "password": PASSWORD,
                "csrf_token": token_in(page.get_data(as_text=True)),
                "next": f"/swk/admin/sites/{site.id}/settings",
            },
            headers={"Cookie": f"session={_cookie_value(page.headers['Set-Cookie'])}"},
        )
        assert response.status_code == 303
        assert response.headers["Location"] == f"/swk/admin/sites/{site.id}/settings"
        assert "Path=/swk/admin" in response.headers["Set-Cookie"]
    finally:
        db.dispose(app)


def _cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


def test_without_a_proxy_a_prefixed_next_is_refused(owners):
    account = owners.create()
    assert owners.login(account, next="/swk/admin/").headers["Location"] == "/admin/"
