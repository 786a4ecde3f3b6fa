"""The owners' pages of one server, reached as nginx reaches it: forwarded HTTPS from a client.

Requests go straight to the server's port with the headers the shipped nginx file sets, so a
test chooses which of several servers answers. Forms are sent as the page shows them.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

from .clients import Answer, send

#: The client address nginx forwards for the owner.
OWNER_ADDRESS = "198.51.100.20"


def forwarded(client: str) -> dict[str, str]:
    """The headers nginx sends for a client at ``client`` over HTTPS."""
    return {
        "X-Forwarded-For": client,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "widgets.example",
    }


class _Form(HTMLParser):
    """The fields a browser would send for the first form posting to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._done = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[str | None, bool] | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = not self._done and a.get("action") == self.action
        if not self._inside:
            return
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option":
            self._option, self._text = (a.get("value"), "selected" in a), ""
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._done = self._done or self._inside
            self._inside = False
        elif tag == "option" and self._option is not None:
            value, selected = self._option
            self._options.append((self._text if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None


def form_fields(page: bytes, action: str) -> dict[str, str]:
    parser = _Form(action)
    parser.feed(page.decode())
    assert parser.fields, f"the page has no form posting to {action}"
    return dict(parser.fields)


@dataclass(frozen=True)
class OwnerPages:
    """One server's owners' pages, with a session cookie once logged in."""

    port: int
    cookie: str = ""

    def get(self, path: str) -> Answer:
        headers = {**forwarded(OWNER_ADDRESS), "Cookie": self.cookie}
        return send(self.port, "GET", path, headers=headers)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        headers = {
            **forwarded(OWNER_ADDRESS),
            "Cookie": self.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return send(
            self.port, "POST", path, headers=headers, body=urllib.parse.urlencode(fields).encode()
        )

    def submit(self, path: str, action: str | None = None, **changes: str) -> Answer:
        """Open ``path``, fill its form (posting to ``action``, else to ``path``) and send it."""
        page = self.get(path)
        assert page.status == 200, page.body
        return self.post(action or path, {**form_fields(page.body, action or path), **changes})

    def logged_in(self, email: str, password: str) -> OwnerPages:
        """These pages with the session cookie of a fresh login."""
        page = send(self.port, "GET", "/admin/login", headers=forwarded(OWNER_ADDRESS))
        cookie = _cookie(page)
        with_cookie = OwnerPages(self.port, cookie)
        fields = form_fields(page.body, "/admin/login")
        login = with_cookie.post("/admin/login", {**fields, "email": email, "password": password})
        assert login.status == 303, login.body
        return OwnerPages(self.port, _cookie(login))


def _cookie(answer: Answer) -> str:
    header = answer.headers["Set-Cookie"]
    assert header, "no session cookie"
    return str(header).split(";", 1)[0]


_SECRET = re.compile(rb'<pre class="snippet" id="secret"[^>]*><code>([^<]+)</code>')


def shown_secret(page: bytes) -> str:
    """The new secret on the page shown after replacing it."""
    found = _SECRET.search(page)
    assert found, "the page shows no new secret"
    return found[1].decode()
