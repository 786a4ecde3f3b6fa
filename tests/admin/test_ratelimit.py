"""The login limit stops guessers without locking the owner out, and its table stays small."""

from __future__ import annotations

from sqlalchemy import func, select

from widgetserver.core.db import db
from widgetserver.models import LoginFailure

from ..conftest import all_rows
from .conftest import Owners, client_from, parallel_wrong_logins

ATTACKER = "198.51.100.66"
OWNER = "192.0.2.10"


def counted(app) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.coalesce(func.sum(LoginFailure.count), 0))))


def test_a_guesser_over_its_limit_does_not_lock_the_owner_out(strict, owners, clock):
    account = owners.create()
    guesser = Owners(strict, client_from(strict, ATTACKER), clock)
    answers = [guesser.login(account, "wrong").status_code for _ in range(20)]
    assert answers == [200] * 3 + [429] * 17
    assert guesser.login(account).status_code == 429  # even the right password, from there
    owner = Owners(strict, client_from(strict, OWNER), clock)
    assert owner.login(account).status_code == 303


def test_refused_attempts_are_not_counted_and_do_not_extend_the_wait(strict, owners, clock):
    account = owners.create()
    for _ in range(3):
        owners.login(account, "wrong")
    for _ in range(3):
        clock.advance(minutes=4)
        assert owners.login(account, "wrong").status_code == 429
    assert counted(strict) == 3 * 3  # three attempts, each on three counters
    clock.advance(minutes=9)  # 21 minutes after the failures: their windows have passed
    assert owners.login(account).status_code == 303


def test_the_wait_is_until_enough_failures_have_passed(strict, owners, clock):
    account = owners.create()
    owners.login(account, "wrong")
    clock.advance(minutes=10)
    owners.login(account, "wrong")
    owners.login(account, "wrong")
    refused = owners.login(account)
    # The first failure's window (10:30-10:35) leaves the 15 minutes at 10:50, freeing one try.
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(10 * 60)
    clock.advance(minutes=10)
    assert owners.login(account).status_code == 303


def test_many_clients_together_meet_the_account_wide_limit(strict, owners, clock):
    account = owners.create()
    for n in range(6):  # each client below its own limit of 3
        guesser = Owners(strict, client_from(strict, f"198.51.100.{n + 1}"), clock)
        assert guesser.login(account, "wrong").status_code == 200
    owner = Owners(strict, client_from(strict, OWNER), clock)
    assert owner.login(account).status_code == 429
    clock.advance(minutes=21)
    assert owner.login(account).status_code == 303


def test_parallel_guesses_from_many_clients_cannot_pass_the_account_wide_limit(strict, owners):
    account = owners.create()
    clients = [client_from(strict, f"198.51.100.{n + 1}") for n in range(12)]
    answers = parallel_wrong_logins(clients, account.email)
    assert answers.count(200) == 6 and answers.count(429) == 6
    assert counted(strict) == 6 * 3


def test_a_flood_of_addresses_from_one_client_adds_a_bounded_number_of_rows(strict, owners):
    for n in range(60):
        owners.login(f"nobody{n}@shop.example", "wrong")
    rows = all_rows(strict, LoginFailure)
    # Five counted attempts (the client's limit): five accounts, five pairs, one client.
    assert len(rows) == 2 * 5 + 1
    assert counted(strict) == 3 * 5


def test_counters_older_than_the_limit_are_deleted(strict, owners, clock):
    owners.login("first@shop.example", "wrong")
    clock.advance(minutes=21)
    owners.login("second@shop.example", "wrong")
    rows = all_rows(strict, LoginFailure)
    assert len(rows) == 3 and {row.window_start for row in rows} == {clock().replace(minute=50)}


def test_the_addresses_of_one_ipv6_network_are_one_client(strict, owners, clock):
    account = owners.create()
    for n in range(3):
        guesser = Owners(strict, client_from(strict, f"2001:db8:1:2::{n + 1}"), clock)
        guesser.login(account, "wrong")
    neighbour = Owners(strict, client_from(strict, "2001:db8:1:2:ffff::9"), clock)
    assert neighbour.login(account).status_code == 429
    elsewhere = Owners(strict, client_from(strict, "2001:db8:1:3::1"), clock)
    assert elsewhere.login(account).status_code == 303
