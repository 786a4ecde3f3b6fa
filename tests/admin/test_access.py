"""An owner sees and changes only their own sites; an admin sees all; guessed ids say nothing."""

from __future__ import annotations

import pytest

from widgetserver.models import Site

from ..conftest import all_rows

PAGES = [
    ("GET", "/admin/sites/{id}/"),
    ("GET", "/admin/sites/{id}/?period=7d"),
    ("GET", "/admin/sites/{id}/settings"),
    ("GET", "/admin/sites/{id}/rotate"),
    ("GET", "/admin/sites/{id}/export/channels.csv"),
    ("GET", "/admin/sites/{id}/export/conversions.csv?from=2026-05-01&to=2026-05-12"),
    ("POST", "/admin/sites/{id}/settings"),
    ("POST", "/admin/sites/{id}/rotate"),
]


@pytest.fixture
def world(owners):
    """Two owners with a site each, and an administrator with none."""
    alice = owners.create("alice@shop.example")
    bob = owners.create("bob@shop.example")
    admin = owners.create("admin@widgets.example", admin=True)
    return {
        "accounts": {"alice": alice, "bob": bob, "admin": admin},
        "sites": {"alice": owners.site(alice, "Alice's"), "bob": owners.site(bob, "Bob's")},
    }


def _request(owners, method, path):
    if method == "GET":
        return owners.client.get(path)
    data = {
        "what": "secret",
        "grace_hours": "0",
        "name": "Taken over",
        "origins": "https://x.example",
    }
    return owners.post(path, data, form_page="/admin/")


@pytest.mark.parametrize(("method", "page"), PAGES)
@pytest.mark.parametrize(
    ("who", "whose", "allowed"),
    [
        ("alice", "alice", True),
        ("alice", "bob", False),
        ("bob", "alice", False),
        ("bob", "bob", True),
        ("admin", "alice", True),
        ("admin", "bob", True),
    ],
)
def test_who_may_open_which_sites_pages(app, owners, world, who, whose, allowed, method, page):
    before = {s.id: (s.name, s.secret) for s in all_rows(app, Site)}
    owners.login(world["accounts"][who])
    site = world["sites"][whose]
    response = _request(owners, method, page.format(id=site.id))
    if allowed:
        assert response.status_code in (200, 303, 422), response.status_code
    else:
        assert response.status_code == 404
        assert {s.id: (s.name, s.secret) for s in all_rows(app, Site)} == before
        assert "Bob" not in response.get_data(True) and "Alice" not in response.get_data(True)


@pytest.mark.parametrize(("method", "page"), PAGES)
@pytest.mark.parametrize("guess", [0, 999, 2**31 - 1])
def test_guessed_ids_are_not_found_even_for_an_admin(owners, world, method, page, guess):
    owners.login(world["accounts"]["admin"])
    assert _request(owners, method, page.format(id=guess)).status_code == 404


@pytest.mark.parametrize(("method", "page"), PAGES)
def test_nobody_logged_in_is_sent_to_the_login(owners, world, method, page):
    path = page.format(id=world["sites"]["alice"].id)
    response = _request(owners, method, path)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize(
    ("who", "sees", "hidden"),
    [
        ("alice", ["Alice&#39;s"], ["Bob&#39;s"]),
        ("bob", ["Bob&#39;s"], ["Alice&#39;s"]),
        ("admin", ["Alice&#39;s", "Bob&#39;s", "alice@shop.example", "bob@shop.example"], []),
    ],
)
def test_the_site_list_shows_own_sites_and_an_admin_all(owners, world, who, sees, hidden):
    owners.login(world["accounts"][who])
    page = owners.client.get("/admin/").get_data(as_text=True)
    for text in sees:
        assert text in page
    for text in hidden:
        assert text not in page


@pytest.mark.parametrize("site_id", ["2147483648", "9223372036854775808", "9" * 30])
@pytest.mark.parametrize(
    "page", ["/admin/sites/{id}/", "/admin/sites/{id}/settings", "/admin/sites/{id}/rotate"]
)
def test_a_site_id_out_of_range_is_not_found(owners, world, site_id, page):
    owners.login(world["accounts"]["admin"])
    assert owners.client.get(page.format(id=site_id)).status_code == 404
    path = page.format(id=site_id)
    if path.endswith(("/settings", "/rotate")):
        assert owners.post(path, {"what": "key"}, form_page="/admin/").status_code == 404
