"""Rewards for shops' plugins: ``GET /v1/sites/{key}/rewards`` and
``POST /v1/sites/{key}/rewards/{id}/handout``, both signed like conversions.

A plugin lists the due rewards, hands each out (the server assigns the coupon, once) and tells
its own customer through its own shop's mail. Listing first makes rewards whose hold has
passed due. A hand-out is idempotent: asked again, it answers the same coupon with ``200``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from .. import rewards
from ..core import clock
from ..core.db import db
from ..models import Conversion, RefCode, Reward, Site
from ..orders import money
from ..web.errors import ApiError
from . import bp
from .signed import signed_site_at

#: Rewards in one answer at most; ``after`` (the last id seen) pages on.
PAGE = 100
#: The largest id a reward can have (a signed 64-bit integer); a larger one names none.
MAX_ID = 2**63 - 1


@bp.get("/sites/<key>/rewards")
def site_rewards(key: str) -> Response:
    site = _site(key, 0)
    status = request.args.get("status")
    if status is not None and status not in rewards.STATUSES:
        raise ApiError(
            400, "invalid_field", f"status: must be one of {', '.join(rewards.STATUSES)}"
        )
    after = request.args.get("after", "0")
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        raise ApiError(400, "invalid_field", "after: must be a reward id (a whole number)")
    now = clock.now()
    with db.writing() as session:
        rewards.promote(session, site.id, now)
    query = (
        db.session.query(Reward, Conversion.order_id, RefCode.code)
        .join(Conversion, Conversion.id == Reward.conversion_id)
        .outerjoin(RefCode, RefCode.id == Reward.code_id)
        .filter(Reward.site_id == site.id, Reward.id > int(after))
    )
    if status is not None:
        query = query.filter(Reward.status == status)
    rows = query.order_by(Reward.id).limit(PAGE + 1).all()
    body: dict[str, Any] = {
        "rewards": [as_json(reward, order_id, code) for reward, order_id, code in rows[:PAGE]]
    }
    if len(rows) > PAGE:
        body["next_after"] = rows[PAGE - 1][0].id
    return _private(jsonify(body))


@bp.post("/sites/<key>/rewards/<int:id>/handout")
def hand_out_reward(key: str, id: int) -> tuple[Response, int]:
    site = _site(key, 1024)
    if id > MAX_ID:
        raise ApiError(404, "reward_not_found", f"Site has no reward {id}.")
    now = clock.now()
    with db.writing() as session:
        reward, fresh = rewards.hand_out(session, site, id, now)
        order_id = session.get(Conversion, reward.conversion_id).order_id  # type: ignore[union-attr]
        code = session.get(RefCode, reward.code_id) if reward.code_id else None
        body = as_json(reward, order_id, code.code if code else None)
    return _private(jsonify(body)), 201 if fresh else 200


def as_json(reward: Reward, order_id: str, code: str | None) -> dict[str, Any]:
    """A reward as the API shows it."""
    body: dict[str, Any] = {
        "id": reward.id,
        "status": reward.status,
        "order_id": order_id,
        "referral_code": code,
        "customer_ref": reward.referrer,
        "currency": reward.currency,
        "order_amount": money.to_decimal_string(reward.amount_minor, reward.currency),
        "created_at": _time(reward.created_at),
        "earned_at": _time(reward.earned_at),
        "due_at": _time(reward.due_at),
        "handed_out_at": _time(reward.handed_out_at),
        "coupon": reward.coupon,
        "refunded_after_handout": reward.refunded_after_handout,
    }
    if reward.status == "void":
        body["void_reason"] = reward.void_reason
    return body


def _time(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _site(key: str, max_bytes: int) -> Site:
    return signed_site_at(db.session, key, max_bytes)[0]


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response
