"""Fixtures for rewards: a site with a friend who came through a customer's referral link."""

from __future__ import annotations

import json
from typing import Any

import pytest

from widgetserver.core.db import db
from widgetserver.core.signing import signed_headers
from widgetserver.sites import by_key

from ..conftest import BROWSER_UA, SHOP, Shop, make_referral


class Owner:
    """The shop's server asking for rewards and handing them out (signed)."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def rewards(self, query: str = "") -> Any:
        path = f"/v1/sites/{self.shop.site.key}/rewards{query}"
        ts = int(self.shop.clock().timestamp())
        headers = signed_headers(self.shop.site.key, self.shop.site.secret, "GET", path, b"", ts)
        return self.shop.client.get(path, headers=headers)

    def hand_out(self, reward_id: int) -> Any:
        return self.shop.post(f"/v1/sites/{self.shop.site.key}/rewards/{reward_id}/handout", {})

    def order(self, order_id: str = "1001", **fields: Any) -> Any:
        return self.shop.conversion(order_id, ref=fields.pop("ref", CODE), **fields)


CODE = "friendlink0000000000a"


@pytest.fixture
def owner(shop: Shop) -> Owner:
    return Owner(shop)


@pytest.fixture
def friend(app, client, site, clock, browser):
    """A referral link of customer ``cust-7`` and a friend's visit through it."""
    make_referral(app, site, CODE, "cust-7", clock)
    assert browser.visit(CODE).status_code == 202
    return browser


def configure(app, site, **settings: Any) -> None:
    with app.app_context(), db.writing() as session:
        stored = by_key(session, site.key)
        stored.settings = {**(stored.settings or {}), **settings}


def offer(client, site, code: str = CODE, ip: str = "198.51.100.9", ua: str = BROWSER_UA) -> Any:
    return client.post(
        "/v1/offers",
        data=json.dumps({"site": site.key, "code": code}),
        headers={"Origin": SHOP, "User-Agent": ua, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": ip},
    )
