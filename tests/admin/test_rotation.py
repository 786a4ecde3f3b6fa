"""Replacing a site's secret or key: one replacement per confirmation, however often it is sent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widgetserver.models import Site

from ..conftest import BROWSER_UA, SHOP, Shop, SiteInfo, all_rows
from .conftest import OwnedSite, Owners, confirm_in, token_in

ALREADY_USED = "This confirmation was already used"
NOT_AGAIN = "This request did not replace it again"


def stored(app: Flask, site_id: int) -> Site:
    (site,) = all_rows(app, Site, Site.id == site_id)
    return site


def tabs(app: Flask, owners: Owners, count: int) -> list[FlaskClient]:
    """Clients with the logged-in owner's cookie: tabs of one browser, each on its own connection."""
    cookie = owners.client.get_cookie("session", path="/admin")
    assert cookie is not None
    found = []
    for _ in range(count):
        client = app.test_client()
        client.environ_base.update(HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR="203.0.113.7")
        client.set_cookie("session", cookie.value, path="/admin")
        found.append(client)
    return found


def form_of(client: FlaskClient, site: OwnedSite, **data: str) -> dict[str, str]:
    page = client.get(f"/admin/sites/{site.id}/rotate").get_data(as_text=True)
    return {"csrf_token": token_in(page), "confirm": confirm_in(page), **data}


def at_once(clients: list[FlaskClient], path: str, forms: list[dict[str, str]]) -> list[Any]:
    """Post each form from its own client, all released at the same moment."""
    start = threading.Barrier(len(clients))

    def post(pair: tuple[FlaskClient, dict[str, str]]) -> Any:
        client, data = pair
        start.wait()
        return client.post(path, data=data)

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(post, zip(clients, forms, strict=True)))


def signs(client: FlaskClient, site: OwnedSite, secret: str, clock: Any, order: str) -> bool:
    shop = Shop(client, SiteInfo(site.id, site.key, secret, SHOP), clock)
    return bool(shop.conversion(order).status_code < 300)


@pytest.mark.parametrize("grace", ["0", "24"])
def test_parallel_copies_of_one_confirmation_replace_the_secret_once(
    app, owners, client, clock, mine, grace
):
    data = form_of(client, mine, what="secret", grace_hours=grace)
    clients = tabs(app, owners, 5)
    answers = at_once(clients, f"/admin/sites/{mine.id}/rotate", [data] * len(clients))
    done = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 409]
    assert (len(done), len(refused)) == (1, 4), [a.status_code for a in answers]
    site = stored(app, mine.id)
    assert site.secret in done[0].get_data(as_text=True)
    assert site.previous_secret == (mine.secret if grace == "24" else None)
    for answer in refused:
        page = answer.get_data(as_text=True)
        assert ALREADY_USED in page and NOT_AGAIN in page
        assert site.secret not in page and "The secret was replaced" not in page
    assert signs(client, mine, site.secret, clock, "1001")


def test_two_tabs_with_a_grace_period_replace_the_secret_once(app, owners, clock, mine):
    first, second = tabs(app, owners, 2)
    forms = [form_of(c, mine, what="secret", grace_hours="24") for c in (first, second)]
    answers = at_once([first, second], f"/admin/sites/{mine.id}/rotate", forms)
    assert sorted(a.status_code for a in answers) == [200, 409]
    site = stored(app, mine.id)
    assert site.previous_secret == mine.secret
    assert site.previous_secret_until == clock() + timedelta(hours=24)
    (done,) = [a for a in answers if a.status_code == 200]
    assert site.secret in done.get_data(as_text=True)
    assert signs(first, mine, mine.secret, clock, "1001")  # the shop's secret keeps its grace
    assert signs(first, mine, site.secret, clock, "1002")


def test_a_double_click_with_grace_says_the_first_click_replaced_the_secret(
    app, owners, client, clock, mine
):
    data = form_of(client, mine, what="secret", grace_hours="24")
    first = client.post(f"/admin/sites/{mine.id}/rotate", data=data)
    second = client.post(f"/admin/sites/{mine.id}/rotate", data=data)
    site = stored(app, mine.id)
    assert first.status_code == 200 and site.secret in first.get_data(as_text=True)
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert ALREADY_USED in page and NOT_AGAIN in page and "nothing was changed" not in page
    assert site.secret not in page
    assert signs(client, mine, site.secret, clock, "1001")


def test_parallel_copies_of_one_confirmation_replace_the_key_once(app, owners, client, mine):
    data = form_of(client, mine, what="key")
    clients = tabs(app, owners, 4)
    answers = at_once(clients, f"/admin/sites/{mine.id}/rotate", [data] * len(clients))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    key = stored(app, mine.id).public_key
    (done,) = [a for a in answers if a.status_code == 200]
    assert key in done.get_data(as_text=True)
    assert client.get(f"/v1/sites/{key}/config").status_code == 200


def test_a_confirmation_is_out_of_date_once_the_key_was_replaced(app, owners, client, mine):
    secret_form = form_of(client, mine, what="secret", grace_hours="0")
    assert owners.post(f"/admin/sites/{mine.id}/rotate", {"what": "key"}).status_code == 200
    late = client.post(f"/admin/sites/{mine.id}/rotate", data=secret_form)
    assert late.status_code == 409 and ALREADY_USED in late.get_data(as_text=True)
    assert stored(app, mine.id).secret == mine.secret


@pytest.mark.parametrize("confirm", ["", "0", "0.abc", "x.y", "1." + "0" * 32, "9" * 400])
def test_a_forged_confirmation_changes_nothing(app, client, mine, confirm):
    data = {**form_of(client, mine, what="secret", grace_hours="0"), "confirm": confirm}
    answer = client.post(f"/admin/sites/{mine.id}/rotate", data=data)
    assert answer.status_code == 409 and ALREADY_USED in answer.get_data(as_text=True)
    assert stored(app, mine.id).secret == mine.secret


def test_a_confirmation_of_one_site_does_not_replace_another(app, owners, client, mine):
    account = owners.create("second@shop.example")
    other = owners.site(account, "Other Shop")
    owners.login(account)
    data = form_of(client, other, what="secret", grace_hours="0")
    owners.logout()
    owners.login("owner@shop.example")
    data = {**form_of(client, mine, what="secret", grace_hours="0"), "confirm": data["confirm"]}
    assert client.post(f"/admin/sites/{mine.id}/rotate", data=data).status_code == 409
    assert stored(app, mine.id).secret == mine.secret
