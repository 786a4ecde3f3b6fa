"""German and English: from the browser, switchable, and every text translated."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import widgetserver.admin

from .conftest import token_in

TRANSLATIONS = Path(widgetserver.admin.__file__).parent / "translations"
PO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.mo"


def test_the_browsers_language_is_used(client):
    german = client.get("/admin/login", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text and "Anmelden" in german.text
    english = client.get("/admin/login", headers={"Accept-Language": "fr,en;q=0.5"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    assert '<html lang="en">' in client.get("/admin/login").text


def test_the_owner_switches_the_language_and_it_is_remembered(owners, client):
    account = owners.create()
    page = client.get("/admin/login").text
    assert (
        '<button type="submit" name="lang" value="de" lang="de" class="link">Deutsch</button>'
        in page
    )
    response = owners.post(
        "/admin/language", {"lang": "de", "next": "/admin/login"}, "/admin/login"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login"
    assert "Anmelden" in client.get("/admin/login", headers={"Accept-Language": "en"}).text
    owners.login(account)  # a new session keeps the chosen language
    assert "Websites" in client.get("/admin/", headers={"Accept-Language": "en"}).text
    owners.post("/admin/language", {"lang": "en", "next": "https://evil.example/"}, "/admin/")
    assert "Sites" in client.get("/admin/", headers={"Accept-Language": "de"}).text


def test_a_wrong_login_is_explained_in_german(owners, client):
    owners.create()
    german = {"Accept-Language": "de"}
    token = token_in(client.get("/admin/login", headers=german).text)
    response = client.post(
        "/admin/login",
        data={"email": "owner@shop.example", "password": "falsch", "csrf_token": token},
        headers=german,
    )
    assert "Die E-Mail-Adresse oder das Passwort stimmt nicht." in response.text


def _source_messages() -> set[object]:
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(Path(widgetserver.admin.__file__).parent),
        method_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None},
    ):
        found.add(message)
    return found


def test_every_text_of_the_pages_has_a_german_translation():
    with PO.open("rb") as source:
        catalog = read_po(source)
    translated = {m.id for m in catalog if m.id and m.string and all(m.string) and not m.fuzzy}
    missing = sorted(map(str, _source_messages() - translated))
    assert missing == [], "run `make translations` and translate these: " + ", ".join(missing)


def test_the_compiled_catalog_matches_its_source():
    def texts(catalog):
        def flat(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {flat(m.id): flat(m.string) for m in catalog if m.id}

    with PO.open("rb") as source:
        po = texts(read_po(source))
    mo = texts(read_mo(io.BytesIO(MO.read_bytes())))
    assert po == mo, "run `make translations` to compile the German catalog"
