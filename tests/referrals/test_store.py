"""Referral links on the short writer: counted, kept one per customer, all or nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from widgetserver import referrals, sites
from widgetserver.core import shortwrite
from widgetserver.core.db import db
from widgetserver.models import RateCounter, RefCode, ReferralClaim

from ..conftest import all_rows
from .test_links import Recommender, referral_codes, token_for


@pytest.fixture
def form(client, site):
    return Recommender(client, site)


def counts(app):
    return sorted((r.key.split(":")[1], r.count) for r in all_rows(app, RateCounter))


def test_each_link_made_is_counted_under_the_clients_and_the_sites_limit(app, form, site, clock):
    assert form.ask().status_code == 201
    assert form.ask(token=token_for(site, clock)).status_code == 201
    assert counts(app) == [("c", 2), ("s", 2)]


def test_a_refused_token_counts_nothing_and_makes_nothing(app, form, site, clock):
    assert form.ask(token=token_for(site, clock, secret="sk_forged")).status_code == 403
    assert counts(app) == [] and referral_codes(app) == []


def test_a_token_of_the_previous_secret_works_during_the_grace_period(app, form, site, clock):
    old = token_for(site, clock, lifetime=7200)
    with app.app_context(), db.writing() as session:
        stored = sites.by_key(session, site.key)
        sites.rotate_secret(session, stored, grace=timedelta(hours=1), now=clock())
    assert form.ask(token=old).status_code == 201
    clock.advance(hours=1, seconds=1)
    refused = form.ask(token=old)
    assert (refused.status_code, refused.json["error"]) == (403, "token_invalid")


def test_a_request_failing_mid_write_leaves_nothing_and_costs_no_other_its_link(
    app, form, monkeypatch
):
    original = referrals.anonymous_link

    def broken(cursor, *args, **kwargs):
        original(cursor, *args, **kwargs)  # its rows are written, then it fails
        raise RuntimeError("failed after its inserts")

    monkeypatch.setattr(referrals, "anonymous_link", broken)
    assert form.ask().status_code == 500
    assert referral_codes(app) == [] and all_rows(app, ReferralClaim) == []
    assert counts(app) == []  # not counted either: the whole transaction was rolled back
    monkeypatch.setattr(referrals, "anonymous_link", original)
    assert form.ask().status_code == 201
    assert len(referral_codes(app)) == 1 and counts(app) == [("c", 1), ("s", 1)]


def test_writers_of_several_workers_racing_for_one_customer_make_one_code(app, site, clock):
    """Each worker has its own writer and connection; the database keeps one link."""
    with app.app_context():
        engine = db.engine
    writers = [shortwrite.ShortWriter(engine, durable=False) for _ in range(4)]
    referrer = referrals.Referrer("cust-race")
    barrier = threading.Barrier(len(writers))
    made: list[tuple[str, str, bool]] = []

    def make(writer: shortwrite.ShortWriter) -> None:
        st = writer.statements(referrals.Statements)
        barrier.wait()
        made.append(
            writer.write(
                lambda cursor: referrals.personal_link(
                    cursor, st, site.id, referrer, None, home=site.origin, visitor=1, now=clock()
                )
            )
        )

    threads = [threading.Thread(target=make, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.close()
    assert len({code for code, _, _ in made}) == 1
    assert sorted(created for _, _, created in made) == [False, False, False, True]
    assert [r.referrer for r in all_rows(app, RefCode)] == ["cust-race"]


def test_a_customers_link_is_read_without_drawing_a_new_code(app, form, site, clock, monkeypatch):
    code = form.ask(token=token_for(site, clock)).json["code"]
    drawn = []
    monkeypatch.setattr(referrals.store, "new_code", lambda: drawn.append(1) or "x" * 21)
    assert form.ask(token=token_for(site, clock)).json["code"] == code
    assert drawn == []
