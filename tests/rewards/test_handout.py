"""Handing out due rewards: a coupon assigned once, however often or in parallel it is asked."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from widgetserver.core.db import db
from widgetserver.core.signing import signed_headers
from widgetserver.models import Coupon, Reward
from widgetserver.rewards import coupons

from ..conftest import all_rows, make_referral
from .conftest import configure


def fill_pool(app, site, clock, codes, pool="reward"):
    with app.app_context(), db.writing() as session:
        return coupons.add(session, site.id, pool, "\n".join(codes), clock())


def due_rewards(app, site, owner, clock, count=1):
    configure(app, site, reward_hold_days=14)
    for number in range(count):
        owner.order(f"O-{number}", status="paid")
    clock.advance(days=14)
    return [r["id"] for r in owner.rewards("?status=due").json["rewards"]]


def test_a_due_reward_is_handed_out_with_a_pool_code_once(app, site, owner, friend, clock):
    configure(app, site, reward_coupon="pool")
    fill_pool(app, site, clock, ["R-1", "R-2"])
    (reward_id,) = due_rewards(app, site, owner, clock)
    first = owner.hand_out(reward_id)
    assert first.status_code == 201
    assert first.json["status"] == "handed_out" and first.json["coupon"] == "R-1"
    again = owner.hand_out(reward_id)
    assert again.status_code == 200 and again.json == first.json
    assert [c.code for c in all_rows(app, Coupon, Coupon.assigned_at.is_(None))] == ["R-2"]


def test_a_reward_that_is_not_due_is_refused_and_nothing_changes(app, site, owner, friend):
    configure(app, site, reward_coupon="pool")
    owner.order(status="paid")
    response = owner.hand_out(1)
    assert response.status_code == 409
    assert response.json["error"] == "reward_not_due"
    assert response.json["details"]["status"] == "earned"
    assert all_rows(app, Reward)[0].status == "earned"


def test_a_void_reward_is_refused_with_its_reason(app, site, owner, friend):
    configure(app, site, reward_hold_days=0)
    owner.order(status="cancelled")
    response = owner.hand_out(1)
    assert response.status_code == 409
    assert response.json["details"] == {"status": "void", "void_reason": "cancelled"}


def test_an_empty_pool_refuses_and_changes_nothing(app, site, owner, friend, clock):
    configure(app, site, reward_coupon="pool")
    (reward_id,) = due_rewards(app, site, owner, clock)
    response = owner.hand_out(reward_id)
    assert response.status_code == 409 and response.json["error"] == "pool_empty"
    assert all_rows(app, Reward)[0].status == "due"
    fill_pool(app, site, clock, ["LATE-1"])
    assert owner.hand_out(reward_id).json["coupon"] == "LATE-1"


def test_without_a_coupon_source_the_reward_is_handed_out_without_a_code(
    app, site, owner, friend, clock
):
    (reward_id,) = due_rewards(app, site, owner, clock)
    response = owner.hand_out(reward_id)
    assert response.status_code == 201 and response.json["coupon"] is None


def test_another_sites_reward_is_not_found(app, site, owner, friend, clock, client):
    from ..conftest import Shop, make_site
    from .conftest import Owner

    (reward_id,) = due_rewards(app, site, owner, clock)
    other = Owner(Shop(client, make_site(app, clock, email="b@shop.example"), clock))
    response = other.hand_out(reward_id)
    assert response.status_code == 404 and response.json["error"] == "reward_not_found"
    assert all_rows(app, Reward)[0].status == "due"


def test_a_forged_or_replayed_hand_out_is_refused(app, site, owner, friend, clock):
    (reward_id,) = due_rewards(app, site, owner, clock)
    path = f"/v1/sites/{site.key}/rewards/{reward_id}/handout"
    forged = owner.shop.post(path, {}, secret="not-the-secret")
    assert forged.status_code == 401
    stale = owner.shop.post(path, {}, timestamp=int(clock().timestamp()) - 301)
    assert stale.status_code == 401
    assert all_rows(app, Reward)[0].status == "due"


def test_the_rewards_list_refuses_an_unknown_status_and_pages(app, site, owner, friend, clock):
    assert owner.rewards("?status=paid").status_code == 400
    assert owner.rewards("?after=-1").status_code == 400
    ids = due_rewards(app, site, owner, clock, count=3)
    assert len(ids) == 3
    page = owner.rewards(f"?after={ids[0]}").json
    assert [r["id"] for r in page["rewards"]] == ids[1:]
    assert "next_after" not in page
    assert owner.rewards().headers["Cache-Control"] == "private, no-store"


# --- races: one reward, one code; two rewards, two codes ----------------------------------


def _parallel_hand_outs(app, site, clock, reward_ids):
    from ..live import serving

    answers: list[tuple[int, int, str]] = []
    barrier = threading.Barrier(len(reward_ids))

    def hand_out(reward_id: int) -> None:
        path = f"/v1/sites/{site.key}/rewards/{reward_id}/handout"
        ts = int(clock().timestamp())
        headers = {
            **signed_headers(site.key, site.secret, "POST", path, b"{}", ts),
            "Content-Type": "application/json",
        }
        request = urllib.request.Request(f"{server.url}{path}", data=b"{}", headers=headers)
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append((response.status, reward_id, json.load(response)["coupon"]))
        except urllib.error.HTTPError as error:
            answers.append((error.code, reward_id, json.load(error)["error"]))

    with serving(app) as server:
        threads = [threading.Thread(target=hand_out, args=(r,)) for r in reward_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return answers


def test_parallel_hand_outs_of_one_reward_assign_one_code(app, site, owner, friend, clock):
    configure(app, site, reward_coupon="pool")
    fill_pool(app, site, clock, [f"P-{n}" for n in range(10)])
    (reward_id,) = due_rewards(app, site, owner, clock)
    answers = _parallel_hand_outs(app, site, clock, [reward_id] * 6)
    assert sorted(status for status, _, _ in answers) == [200] * 5 + [201]
    assert len({coupon for _, _, coupon in answers}) == 1
    assert len(all_rows(app, Coupon, Coupon.assigned_at.is_not(None))) == 1


@pytest.mark.parametrize("pool_size", [6, 4])
def test_parallel_hand_outs_of_many_rewards_never_share_a_code(
    app, site, owner, clock, browser, pool_size
):
    configure(app, site, reward_coupon="pool")
    fill_pool(app, site, clock, [f"P-{n}" for n in range(pool_size)])
    make_referral(app, site, "friendlink0000000000a", "cust-7", clock)
    browser.visit("friendlink0000000000a")
    reward_ids = due_rewards(app, site, owner, clock, count=6)
    answers = _parallel_hand_outs(app, site, clock, reward_ids)
    handed = [coupon for status, _, coupon in answers if status == 201]
    assert len(handed) == min(6, pool_size) == len(set(handed))
    refused = [coupon for status, _, coupon in answers if status != 201]
    assert refused == ["pool_empty"] * (6 - len(handed))
    assigned = all_rows(app, Coupon, Coupon.assigned_at.is_not(None))
    assert sorted(c.code for c in assigned) == sorted(handed)
    rewards = all_rows(app, Reward, Reward.status == "handed_out")
    assert sorted(r.coupon for r in rewards) == sorted(handed)
