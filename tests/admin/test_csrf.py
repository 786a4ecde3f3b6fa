"""Every form of the owners' pages carries a token; a request without the right one changes nothing."""

from __future__ import annotations

import pytest

from widgetserver.core.db import db
from widgetserver.models import Site

from ..conftest import all_rows


@pytest.fixture
def logged_in(mine):
    return mine


def _unsafe_requests(site_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/admin/sites/{site_id}/settings", {"name": "Changed", "origins": "https://a.example"}),
        (f"/admin/sites/{site_id}/rotate", {"what": "secret", "grace_hours": "0"}),
        (f"/admin/sites/{site_id}/rotate", {"what": "key"}),
        ("/admin/logout", {}),
        ("/admin/language", {"lang": "de"}),
    ]


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_an_unsafe_request_without_the_right_token_is_refused_and_changes_nothing(
    app, owners, client, logged_in, token
):
    before = all_rows(app, Site)[0]
    for path, data in _unsafe_requests(logged_in.id):
        body = dict(data) if token is None else {**data, "csrf_token": token}
        response = client.post(path, data=body)
        assert response.status_code == 400, path
        assert "This form has expired" in response.get_data(True)
    after = all_rows(app, Site)[0]
    assert (after.name, after.secret, after.public_key) == (
        before.name,
        before.secret,
        before.public_key,
    )
    assert client.get("/admin/").status_code == 200  # still logged in, still English
    assert 'lang="en"' in client.get("/admin/").get_data(True)


def test_the_login_form_needs_its_token_too(owners, client):
    account = owners.create()
    response = client.post("/admin/login", data={"email": account.email, "password": "x"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_token_from_another_session_is_refused(app, owners, client, logged_in):
    stranger = app.test_client()
    from .conftest import token_in

    foreign = token_in(stranger.get("/admin/login").get_data(as_text=True))
    response = client.post(
        f"/admin/sites/{logged_in.id}/rotate", data={"what": "key", "csrf_token": foreign}
    )
    assert response.status_code == 400


def test_the_token_also_comes_as_a_header(app, owners, client, logged_in):
    token = owners.token("/admin/")
    response = client.post("/admin/language", data={"lang": "de"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Site, logged_in.id) is not None
