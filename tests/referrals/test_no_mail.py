"""The widget server sends no mail: the whole recommend-a-friend flow runs beside a real SMTP
server the app is told about in every way it might read, and the server receives nothing.

Referrers hear of their rewards from the shop, in the shop's own mail; friends hear of the
shop from the referrer, in the referrer's own mail program. The server has no mail code, and
this test keeps it that way for the referral flow whatever mail settings an operator sets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from widgetserver import rewards, sites
from widgetserver.core.db import db
from widgetserver.core.signing import make_token, signed_headers
from widgetserver.referrals import REFERRER_TOKEN

from ..conftest import Browser, Shop, make_app, make_site
from ..live import free_port


class Inbox:
    """An SMTP handler that keeps whatever arrives."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_smtp_server_of_this_test_does_receive_mail(smtp):
    """The check below can fail: a mail sent to this server is seen."""
    import smtplib

    inbox, port = smtp
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.sendmail("a@example.org", ["b@example.org"], b"Subject: hi\r\n\r\nhello")
    assert len(inbox.received) == 1


MAIL = {
    "SERVER": "127.0.0.1",
    "HOST": "127.0.0.1",
    "USE_TLS": "false",
    "USE_SSL": "false",
    "USERNAME": "",
    "PASSWORD": "",
    "DEFAULT_SENDER": "widgets@example.org",
    "FROM": "widgets@example.org",
}


@pytest.fixture
def mailing_app(database_url, tmp_path, clock, smtp, monkeypatch) -> Iterator[Any]:
    """The app with every mail setting an operator might set pointing at the test's server."""
    _, port = smtp
    settings = {**MAIL, "PORT": str(port)}
    for prefix in ("MAIL_", "SMTP_", "WIDGETSERVER_MAIL_", "WIDGETSERVER_SMTP_"):
        for name, value in settings.items():
            monkeypatch.setenv(prefix + name, value)
    monkeypatch.setenv("WIDGETSERVER_SMTP_URL", f"smtp://127.0.0.1:{port}")
    app = make_app(database_url, tmp_path / "instance", clock)
    for prefix in ("MAIL_", "SMTP_"):
        app.config.update({prefix + k: v for k, v in settings.items()})
        app.config[prefix + "PORT"] = port
    yield app
    db.dispose(app)


def test_the_whole_referral_flow_sends_no_mail(mailing_app, smtp, clock):
    app, (inbox, _) = mailing_app, smtp
    site = make_site(
        app,
        clock,
        referral_offer="notice",
        friend_coupon="pool",
        reward_coupon="pool",
        reward_hold_days=14,
    )
    with app.app_context(), db.writing() as session:
        stored = sites.by_key(session, site.key)
        rewards.coupons.add(session, stored.id, "friend", "F-1\nF-2\nF-3", clock())
        rewards.coupons.add(session, stored.id, "reward", "R-1\nR-2\nR-3", clock())
    client = app.test_client()
    referrer, friend = Browser(client, site), Browser(client, site)
    friend.ip = "198.51.100.23"
    shop = Shop(client, site, clock)

    # The customer's personal link (with the shop's token) and an anonymous one with a claim.
    expires = int(clock().timestamp()) + 3600
    token = make_token(site.secret, REFERRER_TOKEN, {"customer_ref": "cust-1"}, expires)
    personal = ask_for_link(referrer, {"token": token, "hp": ""})
    anonymous = ask_for_link(referrer, {"hp": ""})
    assert anonymous["claim"].startswith("http")
    # Passed on by the referrer's own channels: each an invite, never a mail of ours.
    for made, channel in ((personal, "email"), (personal, "whatsapp"), (anonymous, "copy")):
        invite = {"type": "invite", "code": made["code"], "channel": channel}
        assert referrer.send(invite).json["accepted"] == 1
    # Friends come, get the owner's coupon, and order; the shop reports it, signed.
    for number, made in enumerate((personal, anonymous), start=1):
        assert friend.visit(made["code"]).status_code == 202
        offered = client.post(
            "/v1/offers",
            data=json.dumps({"site": site.key, "code": made["code"]}),
            headers=friend.headers(),
            environ_base={"REMOTE_ADDR": friend.ip},
        )
        assert offered.status_code == 200, offered.json
        order = {"ref": made["code"], "customer_ref": f"friend-{number}", "new_customer": True}
        assert shop.conversion(f"F{number}", **order).status_code == 201
        paid = shop.conversion(f"F{number}", status="paid", **order)
        assert paid.json["reward"]["status"] == "earned"

    # The hold passes; the shop lists the due rewards and hands them out.
    clock.advance(days=14, minutes=1)
    due = signed_get(shop, f"/v1/sites/{site.key}/rewards?status=due").json["rewards"]
    assert len(due) == 2
    for reward in due:
        handed = shop.post(f"/v1/sites/{site.key}/rewards/{reward['id']}/handout", {})
        assert handed.status_code == 201 and handed.json["coupon"].startswith("R-")
    # The anonymous referrer looks at their claim page.
    claim_path = "/r/" + anonymous["claim"].rsplit("/r/", 1)[1]
    assert client.get(claim_path).status_code == 200

    time.sleep(0.5)  # anything sent in the background would have arrived by now
    assert (inbox.received, inbox.connections) == ([], 0)


def ask_for_link(browser: Browser, body: dict[str, Any]) -> dict[str, Any]:
    answer = browser.client.post(
        "/v1/referrals",
        data=json.dumps({"site": browser.site.key, **body}),
        headers=browser.headers(),
        environ_base={"REMOTE_ADDR": browser.ip},
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def signed_get(shop: Shop, path: str) -> Any:
    ts = int(shop.clock().timestamp())
    headers = signed_headers(shop.site.key, shop.site.secret, "GET", path, b"", ts)
    return shop.client.get(path, headers=headers)
