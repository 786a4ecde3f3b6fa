"""A referrer's reward follows the friend's order: pending, earned, due, handed out, or void."""

from __future__ import annotations

import pytest

from widgetserver.models import Reward

from ..conftest import all_rows
from .conftest import CODE, configure


def reward_of(app, order_id="1001"):
    rows = all_rows(app, Reward)
    return rows[0] if rows else None


def test_a_friends_placed_order_makes_a_pending_reward(app, owner, friend):
    response = owner.order()
    assert response.status_code == 201
    assert response.json["reward"]["status"] == "pending"
    reward = reward_of(app)
    assert (reward.status, reward.referrer, reward.amount_minor) == ("pending", "cust-7", 5990)


def test_paid_is_earned_and_due_after_the_hold_period(app, owner, friend, clock):
    owner.order()
    assert owner.order(status="paid").json["reward"]["status"] == "earned"
    clock.advance(days=13, hours=23)
    assert owner.rewards("?status=due").json["rewards"] == []
    clock.advance(hours=1)
    (due,) = owner.rewards("?status=due").json["rewards"]
    assert due["status"] == "due" and due["order_id"] == "1001"
    assert due["customer_ref"] == "cust-7" and due["referral_code"] == CODE
    assert due["order_amount"] == "59.90" and due["currency"] == "EUR"


def test_the_hold_period_is_the_owners(app, site, owner, friend, clock):
    configure(app, site, reward_hold_days=0)
    owner.order(status="paid")
    assert owner.rewards().json["rewards"][0]["status"] == "due"


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "refunded"}, "refunded"),
    ],
)
def test_a_cancelled_or_refunded_order_voids_its_reward(app, owner, friend, report, reason):
    owner.order(status="paid")
    assert owner.order(**report).json["reward"] == {
        "id": 1,
        "status": "void",
        "void_reason": reason,
    }


def test_a_refund_inside_the_hold_voids_the_reward_and_it_never_becomes_due(
    app, owner, friend, clock
):
    owner.order(status="paid")
    clock.advance(days=5)
    owner.order(status="refunded")
    clock.advance(days=30)
    assert owner.rewards("?status=due").json["rewards"] == []
    assert reward_of(app).void_reason == "refunded"


def test_a_partial_refund_rechecks_the_minimum(app, site, owner, friend):
    configure(app, site, reward_min_amount="50")
    owner.order(status="paid")
    assert reward_of(app).status == "earned"
    owner.order(status="paid", refunded_amount="10.00")
    reward = reward_of(app)
    assert (reward.status, reward.void_reason, reward.amount_minor) == (
        "void",
        "below_minimum",
        4990,
    )


def test_only_first_orders_when_the_owner_says_so(app, site, owner, friend):
    configure(app, site, reward_first_orders_only=True)
    owner.order("1", status="paid", new_customer=False)
    owner.order("2", status="paid", new_customer=True)
    rows = {r.conversion_id: r for r in all_rows(app, Reward)}
    assert rows[1].void_reason == "not_first_order"
    assert rows[2].status == "earned"


def test_without_new_customer_an_earlier_order_of_the_same_customer_tells(
    app, site, owner, friend, clock
):
    configure(app, site, reward_first_orders_only=True)
    owner.order("1", ref=None, customer_ref="buyer-1", status="paid")
    clock.advance(minutes=5)
    owner.order("2", customer_ref="buyer-1", status="paid")
    owner.order("3", customer_ref="buyer-2", status="paid")
    rows = {r.conversion_id: r for r in all_rows(app, Reward)}
    assert rows[2].void_reason == "not_first_order"
    assert rows[3].status == "earned"


def test_self_referral_by_customer_ref_voids_the_reward(app, owner, friend):
    response = owner.order(customer_ref="cust-7", status="paid")
    assert response.json["reward"]["void_reason"] == "self_referral"


def test_a_browser_report_never_earns_a_reward(app, friend):
    response = friend.convert(order_id="B-1", amount="59.90", currency="EUR", ref=CODE)
    assert response.json["reward"]["void_reason"] == "unverified_order"


def test_a_share_code_makes_no_reward(app, owner, browser):
    assert browser.share("sharecode000000000001").status_code == 202
    response = owner.order(ref="sharecode000000000001", status="paid")
    assert "reward" not in response.json
    assert all_rows(app, Reward) == []


def test_a_verified_report_without_the_ref_takes_the_reward_away(app, owner, friend):
    friend.convert(order_id="1001", amount="59.90", currency="EUR", ref=CODE)
    response = owner.order(ref=None, status="paid")
    assert response.json["reward"]["void_reason"] == "not_attributed"


def test_a_refund_after_the_hand_out_is_recorded_not_dropped(app, site, owner, friend):
    configure(app, site, reward_hold_days=0, reward_coupon="fixed", reward_coupon_code="THANKS5")
    owner.order(status="paid")
    handed = owner.hand_out(1)
    assert handed.status_code == 201 and handed.json["coupon"] == "THANKS5"
    owner.order(status="refunded")
    (reward,) = owner.rewards().json["rewards"]
    assert reward["status"] == "handed_out" and reward["refunded_after_handout"] is True


def test_a_replayed_report_changes_nothing(app, owner, friend, clock):
    owner.order(status="paid")
    before = reward_of(app)
    clock.advance(minutes=1)
    assert owner.order(status="paid").json["reward"]["status"] == "earned"
    after = reward_of(app)
    assert (after.earned_at, after.updated_at) == (before.earned_at, before.updated_at)


def test_a_browser_report_vouched_by_the_shops_token_earns_nothing_until_the_shop_reports(
    app, site, owner, friend, clock
):
    from widgetserver.core.signing import make_token

    configure(app, site, reward_hold_days=0)
    claims = {"order_id": "1001", "amount": "59.90", "currency": "EUR", "status": "paid"}
    token = make_token(site.secret, "conversion", claims, int(clock().timestamp()) + 600)
    vouched = friend.convert(order_id="1001", amount="59.90", currency="EUR", ref=CODE, token=token)
    assert vouched.json["verified"] is True and vouched.json["status"] == "paid"
    assert vouched.json["reward"]["void_reason"] == "unverified_order"
    assert owner.order(status="paid").json["reward"] == {"id": 1, "status": "due"}
