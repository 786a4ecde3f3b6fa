"""The hostile requests of the attack battery, per endpoint, built from a seed.

Every ``Attack`` names the endpoint it is counted under (a row of the table), what it tries,
the request (``raw`` bytes for framing and header attacks, else method, path, headers and body
for ``http.client``), the statuses that are right for it (empty: any answer below 500) and, for
``202`` answers of ``/v1/events``, how many events may be accepted. Nothing here sends
anything; ``attack.py`` does.
"""

from __future__ import annotations

import json
import random
import re
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import quote

from widgetserver.core.signing import make_token, signed_headers

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
TEXT = "text/plain;charset=UTF-8"
#: Strings a visitor or a shop could send that must be refused or stored and shown harmlessly.
#: What the server refuses in free text (``core.fields``): controls, separators, surrogates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
HOSTILE_STRINGS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "abc\x00def",
    "\u202eevil\u202c",
    "line\r\nSet-Cookie: x=1",
    "\ud800",
    '=HYPERLINK("https://evil.example")',
    "../../../../etc/passwd",
    "' OR 1=1 --",
    "\U0001f600" * 40,
    "\ufeff",
)


@dataclass(frozen=True)
class Target:
    """What the battery knows of the server under attack, from its setup."""

    host: str
    port: int
    site_key: str
    secret: str
    site_id: int
    origin: str
    idn_origin: str
    code: str
    asset: str
    anon_cookie: str
    anon_csrf: str
    admin_cookie: str
    admin_csrf: str
    events_max_bytes: int
    conversions_max_bytes: int


@dataclass(frozen=True)
class Attack:
    endpoint: str
    kind: str
    method: str = "GET"
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    raw: bytes | None = None
    half_close: bool = False
    #: Statuses that are right (empty: any answer below 500).
    expect: frozenset[int] = frozenset()
    #: For a ``202`` of ``/v1/events``: the number of events that may be accepted.
    accepted: int | None = None
    #: Send it from its own loopback address (so rate limits of other attacks do not apply).
    own_address: bool = True


def _s(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


def compact(value: object) -> bytes:
    """Compact UTF-8 JSON; a lone surrogate goes as its ``\\u`` escape, as browsers send it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode()


def raw_request(
    method: str,
    target: str,
    headers: list[str],
    body: bytes = b"",
    *,
    version: str = "HTTP/1.1",
    host: str = "127.0.0.1",
) -> bytes:
    """A request as bytes: the request line, ``Host``, the headers as given, the body as given."""
    lines = [f"{method} {target} {version}", f"Host: {host}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "surrogateescape") + body


class Builder:
    """Builds the attacks of one run from a ``Target`` and a seeded random generator."""

    def __init__(self, target: Target, seed: int) -> None:
        self.t = target
        self.rng = random.Random(seed)
        self._orders = 0

    # --- small makers ---------------------------------------------------------------------

    def code(self, length: int = 12) -> str:
        alphabet = string.ascii_letters + string.digits + "_-"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def order_id(self) -> str:
        self._orders += 1
        return f"attack-{self._orders}-{self.code(6)}"

    def share(self, **fields: object) -> dict[str, object]:
        event: dict[str, object] = {
            "type": "share",
            "code": self.code(),
            "channel": "whatsapp",
            "url": f"{self.t.origin}/p/1",
        }
        event.update(fields)
        return {k: v for k, v in event.items() if v is not None}

    def browser(
        self,
        endpoint: str,
        kind: str,
        path: str,
        body: bytes,
        *,
        origin: str | None = "",
        ctype: str = TEXT,
        agent: str = CHROME,
        expect: frozenset[int] = frozenset(),
        accepted: int | None = None,
        method: str = "POST",
    ) -> Attack:
        headers = {"User-Agent": agent, "Content-Type": ctype}
        if origin is not None:
            headers["Origin"] = origin or self.t.origin
        return Attack(
            endpoint,
            kind,
            method,
            path,
            tuple(headers.items()),
            body,
            expect=expect,
            accepted=accepted,
        )

    def events(self, kind: str, body: object, **kw: object) -> Attack:
        raw = body if isinstance(body, bytes) else compact(body)
        return self.browser("POST /v1/events", kind, "/v1/events", raw, **kw)  # type: ignore[arg-type]

    def batch(self, kind: str, events: list[object], **kw: object) -> Attack:
        return self.events(kind, {"site": self.t.site_key, "events": events}, **kw)

    def signed(
        self,
        endpoint: str,
        kind: str,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        key: str | None = None,
        signed_path: str | None = None,
        signed_body: bytes | None = None,
        override: dict[str, str] | None = None,
        ctype: str | None = "application/json",
        expect: frozenset[int] = frozenset(),
    ) -> Attack:
        headers = signed_headers(
            key or self.t.site_key,
            secret or self.t.secret,
            method,
            signed_path or path,
            body if signed_body is None else signed_body,
            int(time.time()) if timestamp is None else timestamp,
        )
        headers.update(override or {})
        if ctype:
            headers["Content-Type"] = ctype
        headers["User-Agent"] = "attack-battery/1"
        return Attack(
            endpoint,
            kind,
            method,
            path,
            tuple(headers.items()),
            body if method != "GET" or body else None,
            expect=expect,
        )

    def conversion(self, **fields: object) -> dict[str, object]:
        report: dict[str, object] = {
            "order_id": self.order_id(),
            "amount": "59.90",
            "currency": "EUR",
            "status": "placed",
            "ref": self.t.code,
        }
        report.update(fields)
        return {k: v for k, v in report.items() if v is not None}

    def browser_order(self, **fields: object) -> dict[str, object]:
        report: dict[str, object] = {
            "site": self.t.site_key,
            "order_id": self.order_id(),
            "amount": "19.90",
            "currency": "EUR",
            "ref": self.t.code,
        }
        report.update(fields)
        return {k: v for k, v in report.items() if v is not None}

    # --- the battery ----------------------------------------------------------------------

    def all(self) -> list[Attack]:
        import hostile_rewards  # a sibling that builds on this module

        return [
            *self.events_attacks(),
            *self.browser_conversion_attacks(),
            *self.referral_attacks(),
            *hostile_rewards.offer_attacks(self),
            *hostile_rewards.reward_attacks(self),
            *self.conversion_attacks(),
            *self.stats_attacks(),
            *self.config_attacks(),
            *self.asset_attacks(),
            *self.operations_attacks(),
            *self.framing_attacks(),
            *self.header_attacks(),
            *self.admin_attacks(),
            *self.method_attacks(),
        ]

    def malformed_bodies(self, limit: int) -> Iterator[tuple[str, bytes]]:
        """Bodies no JSON endpoint may accept, all within ``limit`` bytes."""
        yield "malformed JSON: empty", b""
        yield "malformed JSON: cut off", b'{"site": "'
        yield "malformed JSON: single quotes", b"{'site': 1}"
        yield "malformed JSON: trailing garbage", b'{"site": "x"} {}'
        yield "malformed JSON: NaN", b'{"site": NaN}'
        yield "malformed JSON: Infinity", b'{"amount": -Infinity}'
        yield "malformed JSON: repeated key", b'{"site": "a", "site": "b"}'
        yield "malformed JSON: not UTF-8", b'{"site": "\xff\xfe"}'
        yield "malformed JSON: overlong UTF-8", b'{"site": "\xc0\xaf\xe0\x80\xaf"}'
        yield "malformed JSON: UTF-16", '{"site": "x"}'.encode("utf-16")
        yield "malformed JSON: 5,000-digit number", b'{"n": ' + b"9" * 5000 + b"}"
        yield "wrong type: array", b"[]"
        yield "wrong type: string", b'"site"'
        yield "wrong type: null", b"null"
        yield "wrong type: number", b"12"
        depth = min(limit // 2 - 8, 40000)
        yield "deep nesting: arrays", b"[" * depth + b"]" * depth
        pairs = min(limit // 8 - 8, 8000)
        yield "deep nesting: objects", b'{"a":' * pairs + b"1" + b"}" * pairs
        yield "deep nesting: in a field", b'{"site": ' + b"[" * depth + b"]" * depth + b"}"

    def body_limit_attacks(
        self, endpoint: str, path: str, limit: int, headers: dict[str, str]
    ) -> Iterator[Attack]:
        """Over the limit: sent whole, declared only, and chunked (raw)."""
        over = b'{"site":"' + b"a" * (limit + 16) + b'"}'
        yield Attack(
            endpoint, "huge body", "POST", path, tuple(headers.items()), over, expect=_s(413)
        )
        lines = [f"{k}: {v}" for k, v in headers.items()]
        yield Attack(
            endpoint,
            "huge body: declared 1 TB, not sent",
            raw=raw_request("POST", path, [*lines, "Content-Length: 1000000000000"]),
            expect=_s(413),
        )
        chunk = b"a" * 8192
        chunks = b"".join(b"2000\r\n" + chunk + b"\r\n" for _ in range(limit // 8192 + 2))
        yield Attack(
            endpoint,
            "huge body: chunked",
            raw=raw_request("POST", path, [*lines, "Transfer-Encoding: chunked"], chunks)
            + b"0\r\n\r\n",
            expect=_s(413),
        )

    def events_attacks(self) -> Iterator[Attack]:
        t = self.t
        for kind, body in self.malformed_bodies(t.events_max_bytes):
            yield self.events(kind, body, expect=_s(400))
        yield from self.body_limit_attacks(
            "POST /v1/events",
            "/v1/events",
            t.events_max_bytes,
            {"Origin": t.origin, "Content-Type": TEXT, "User-Agent": CHROME},
        )
        yield self.events("missing field: site", {"events": [self.share()]}, expect=_s(400))
        yield self.events("missing field: events", {"site": t.site_key}, expect=_s(400))
        yield self.events(
            "wrong type: site 1e999999 (infinity)", b'{"site": 1e999999}', expect=_s(400)
        )
        yield self.batch("empty events", [], expect=_s(400))
        for value in (1, None, [], {}, True, "x" * 10000):
            yield self.events(
                f"wrong type: site {type(value).__name__}",
                {"site": value, "events": [self.share()]},
                expect=_s(400, 404),
            )
        for value in (1, "share", {}, None):
            yield self.events(
                f"wrong type: events {type(value).__name__}",
                {"site": t.site_key, "events": value},
                expect=_s(400),
            )
        yield self.events(
            "unknown site",
            {"site": "pk_" + self.code(24), "events": [self.share()]},
            expect=_s(404),
        )
        for value in HOSTILE_STRINGS:
            yield self.events(
                f"hostile site key {value[:12]!r}",
                {"site": value, "events": [self.share()]},
                expect=_s(400, 404),
            )
        yield self.batch("too many events", [self.share() for _ in range(101)], expect=_s(400))
        yield self.batch(
            "wrong type: each event", [1, "share", None, [], True], expect=_s(202), accepted=0
        )
        bad_events = [
            ("missing field: code", self.share(code=None)),
            ("missing field: type", {"code": self.code(), "channel": "x"}),
            ("missing field: channel", self.share(channel=None)),
            ("missing field: url", self.share(url=None)),
            ("unknown type", self.share(type="purchase")),
            ("unknown channel", self.share(channel="myspace")),
            ("code too short", self.share(code="abc")),
            ("code too long", self.share(code=self.code(33))),
            ("code wrong type", self.share(code=123456)),
            ("url on a foreign origin", self.share(url="https://evil.example/p/1")),
            ("url on a look-alike origin", self.share(url=f"{t.origin}.evil.example/p")),
            ("url with user info", self.share(url=f"https://user:pw@{t.origin[8:]}/p")),
            ("url javascript:", self.share(url="javascript:alert(1)")),
            ("url data:", self.share(url="data:text/html,<script>alert(1)</script>")),
            ("url IDN in Unicode", self.share(url="https://bücher.example/p")),
            ("url IDN look-alike", self.share(url="https://xn--shp-ple.example/p")),
            ("url path too long", self.share(url=f"{t.origin}/{'a' * 1100}")),
            ("url too long", self.share(url=f"{t.origin}/?q={'a' * 3000}")),
            ("url port out of range", self.share(url=f"{t.origin}:99999/p")),
            ("url wrong type", self.share(url=["x"])),
            ("product too long", self.share(product="p" * 129)),
            ("product empty", self.share(product="")),
            ("product wrong type", self.share(product={"a": 1})),
            ("parent malformed", self.share(parent="<b>")),
            ("parent wrong type", self.share(parent=7)),
            ("duplicate code", self.share(code=t.code)),
            ("visit to unknown code", {"type": "visit", "code": self.code()}),
            ("invite without channel", {"type": "invite", "code": self.code()}),
        ]
        for kind, event in bad_events:
            yield self.batch(kind, [event], expect=_s(202), accepted=0)
        for value in HOSTILE_STRINGS:
            for name in ("code", "channel", "url", "product", "parent", "type"):
                event = self.share(**{name: value})
                # Free text is stored (and escaped where shown) unless it has control characters.
                stored = name == "product" and value.strip() and not _CONTROL.search(value)
                yield self.batch(
                    f"hostile {name}", [event], expect=_s(202), accepted=1 if stored else 0
                )
        yield self.batch(
            "hostile string in a url path",
            [self.share(url=f"{t.origin}/{quote('<script>alert(1)</script>')}")],
            expect=_s(202),
            accepted=1,
        )
        yield self.batch(
            "IDN origin as registered",
            [self.share(url=f"{t.idn_origin}/p")],
            origin=t.idn_origin,
            expect=_s(202),
            accepted=1,
        )
        one = [self.share()]
        for kind, origin in (
            ("no Origin", None),
            ("Origin null", "null"),
            ("foreign Origin", "https://evil.example"),
            ("look-alike Origin", f"{t.origin}.evil.example"),
            ("Origin http instead of https", "http://" + t.origin[8:]),
            ("Origin with another port", f"{t.origin}:8443"),
            ("Origin with a path", f"{t.origin}/p"),
            ("Origin IDN in Unicode", "https://bücher.example"),
            ("Origin with CRLF", "https://evil.example\r\nX-Test: 1"),
        ):
            if origin is not None and "\r" in origin:
                yield self.raw_post(
                    "POST /v1/events",
                    f"wrong origin: {kind}",
                    "/v1/events",
                    [f"Origin: {origin}", f"Content-Type: {TEXT}", f"User-Agent: {CHROME}"],
                    compact({"site": t.site_key, "events": [self.share()]}),
                    expect=_s(400, 403),
                )
                continue
            yield self.batch(f"wrong origin: {kind}", one, origin=origin, expect=_s(403))
        for kind, ctype in (
            ("no Content-Type", ""),
            ("form Content-Type", "application/x-www-form-urlencoded"),
            ("multipart Content-Type", "multipart/form-data; boundary=x"),
            ("XML Content-Type", "application/xml"),
        ):
            yield self.batch(f"wrong media type: {kind}", one, ctype=ctype, expect=_s(415))
        yield self.batch(
            "bot user agent", [self.share()], agent="curl/8.5.0", expect=_s(202, 403), accepted=0
        )
        yield self.batch(
            "user agent of 100 KB", [self.share()], agent="A" * 100_000, expect=_s(202, 400, 431)
        )
        # The per-client limit (120 events a minute): the second batch from one address is over.
        flood = [self.share() for _ in range(100)]
        first = self.batch("rate limit: 100 events", flood, expect=_s(202), accepted=100)
        yield replace(first, own_address=False)
        again = self.batch(
            "rate limit: 100 more in the same minute",
            [self.share() for _ in range(100)],
            expect=_s(429),
        )
        yield replace(again, own_address=False)

    def raw_post(
        self,
        endpoint: str,
        kind: str,
        path: str,
        headers: list[str],
        body: bytes,
        *,
        expect: frozenset[int] = frozenset(),
    ) -> Attack:
        lines = [*headers, f"Content-Length: {len(body)}"]
        return Attack(endpoint, kind, raw=raw_request("POST", path, lines, body), expect=expect)

    def referral_attacks(self) -> Iterator[Attack]:
        """``POST /v1/referrals``: bodies, origins, tokens, pages and the honeypot."""
        t = self.t
        ep, path = "POST /v1/referrals", "/v1/referrals"
        limit = 8 * 1024

        def send(kind: str, body: object, **kw: object) -> Attack:
            raw = body if isinstance(body, bytes) else compact(body)
            return self.browser(ep, kind, path, raw, **kw)  # type: ignore[arg-type]

        def ask(**fields: object) -> dict[str, object]:
            return {"site": t.site_key, **fields}

        for kind, body in self.malformed_bodies(limit):
            yield send(kind, body, expect=_s(400))
        yield from self.body_limit_attacks(
            ep, path, limit, {"Origin": t.origin, "Content-Type": TEXT}
        )
        yield send("unknown site", ask(site="pk_nobody"), expect=_s(404))
        yield send("foreign Origin", ask(), origin="https://evil.example", expect=_s(403))
        yield send("no Origin", ask(), origin=None, expect=_s(403))
        yield send("wrong media type", ask(), ctype="application/xml", expect=_s(415))
        yield send("honeypot filled", ask(hp="https://spam.example"), expect=_s(400))
        for kind, url in (
            ("page off the site", "https://evil.example/"),
            ("javascript: page", "javascript:alert(1)"),
            ("page with markup", t.origin + '/"><script>alert(1)</script>'),
            ("page of 5,000 characters", t.origin + "/" + "a" * 5000),
        ):
            yield send(kind, ask(url=url), expect=_s(201, 400))
        now = int(time.time())
        for kind, token, expect in (
            ("forged token", "eyJhIjoxfQ." + self.code(43), _s(403)),
            ("token wrong type", 12345, _s(403)),
            ("token of 5 KB", "a" * 5_000 + "." + "b" * 43, _s(403)),
            (
                "expired token",
                make_token(t.secret, "referrer", {"customer_ref": "c"}, now - 10),
                _s(403),
            ),
            (
                "conversion token as referrer token",
                make_token(t.secret, "conversion", {"customer_ref": "c"}, now + 60),
                _s(403),
            ),
            (
                "customer_ref with a control character",
                make_token(t.secret, "referrer", {"customer_ref": "a\u0000b"}, now + 60),
                _s(400),
            ),
            (
                "customer_ref with markup",
                make_token(t.secret, "referrer", {"customer_ref": "<b>x</b>"}, now + 60),
                _s(201),
            ),
        ):
            yield send(kind, ask(token=token), expect=expect)

    def browser_conversion_attacks(self) -> Iterator[Attack]:
        t = self.t
        ep, path = "POST /v1/conversions/browser", "/v1/conversions/browser"

        def send(kind: str, body: object, **kw: object) -> Attack:
            raw = body if isinstance(body, bytes) else compact(body)
            return self.browser(ep, kind, path, raw, **kw)  # type: ignore[arg-type]

        for kind, body in self.malformed_bodies(t.events_max_bytes):
            yield send(kind, body, expect=_s(400))
        yield from self.body_limit_attacks(
            ep, path, t.events_max_bytes, {"Origin": t.origin, "Content-Type": TEXT}
        )
        # A site key that is not a string names no site (``/v1/events`` says 400 instead).
        yield send("wrong type: site 1e999999 (infinity)", b'{"site": 1e999999}', expect=_s(404))
        yield send("unknown site", self.browser_order(site="pk_nobody"), expect=_s(404))
        yield send("missing field: site", self.browser_order(site=None), expect=_s(400, 404))
        yield send(
            "foreign Origin", self.browser_order(), origin="https://evil.example", expect=_s(403)
        )
        yield send("no Origin", self.browser_order(), origin=None, expect=_s(403))
        yield send(
            "wrong media type", self.browser_order(), ctype="application/xml", expect=_s(415)
        )
        for kind, fields in self.order_field_attacks(verified=False):
            yield send(kind, self.browser_order(**fields), expect=_s(400))
        yield send(
            "over the unverified cap", self.browser_order(amount="1000000.01"), expect=_s(400)
        )
        yield send(
            "status claimed without a token", self.browser_order(status="paid"), expect=_s(201)
        )
        now = int(time.time())
        claims = {"order_id": "token-1", "amount": "10.00", "currency": "EUR"}
        for kind, token, expect in (
            ("forged token", "eyJhIjoxfQ." + self.code(43), _s(403)),
            ("token without a dot", self.code(60), _s(403)),
            ("token wrong type", 12345, _s(400, 403)),
            ("token of 10 KB", "a" * 10_000 + "." + "b" * 43, _s(403)),
            ("expired token", make_token(t.secret, "conversion", claims, now - 10), _s(403)),
            (
                "token valid for a year",
                make_token(t.secret, "conversion", claims, now + 365 * 86400),
                _s(403),
            ),
            ("token for another purpose", make_token(t.secret, "vote", claims, now + 600), _s(403)),
            (
                "token of another secret",
                make_token("sk_other", "conversion", claims, now + 600),
                _s(403),
            ),
            (
                "token for another order",
                make_token(t.secret, "conversion", {**claims, "order_id": "other"}, now + 600),
                _s(400, 403, 409),
            ),
        ):
            yield send(kind, {**self.browser_order(), **claims, "token": token}, expect=expect)
        # A deeply nested token payload, signed correctly: the signature passes, the body not.
        nested = make_token(t.secret, "conversion", {"x": [[[[[[[[[[1]]]]]]]]]]}, now + 600)
        yield send(
            "signed token of the wrong shape",
            {**self.browser_order(), **claims, "token": nested},
            expect=_s(400, 403, 409),
        )
        order = self.browser_order()
        yield send("duplicate order: first", order, expect=_s(201))
        yield send("duplicate order: again", order, expect=_s(200))
        yield send(
            "duplicate order: other amount", {**order, "amount": "999.00"}, expect=_s(200, 409)
        )

    def order_field_attacks(self, *, verified: bool) -> Iterator[tuple[str, dict[str, object]]]:
        """Fields of an order report that must be refused, verified or not."""
        for value in (None, "", "x" * 129, 12, ["a"], "abc\x00", "\ud800"):
            yield f"order_id {value!r:.20}", {"order_id": value}
        for value in (
            None,
            "-1",
            "1e5",
            59.9,
            "59,90",
            " 59.90",
            "0x10",
            "59.901",
            "NaN",
            "99999999999999999",
            "100000000000.01",
            "١٢٣",
            "59.90\x00",
            True,
        ):
            yield f"amount {value!r:.20}", {"amount": value}
        for value in (None, "eur", "XXX", "EURO", 978, "EUR\x00", "XTS"):
            yield f"currency {value!r:.20}", {"currency": value}
        for value in (
            "2026-W01-1T00:00:00Z",
            "2026-001T00:00:00Z",
            "20260105T000000Z",
            "2026-01-05T00:00:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-02-30T00:00:00Z",
            "2026-01-05T24:00:00Z",
            "2000-01-01T00:00:00Z",
            "2026-01-05T00:00:00+25:00",
            "x" * 1000,
            1767571200,
            "٢٠٢٦-01-05T00:00:00Z",
        ):
            yield f"occurred_at {value!r:.24}", {"occurred_at": value}
        for value in ("x" * 129, "a\x00b", 7):
            yield f"customer_ref {value!r:.20}", {"customer_ref": value}
        item = {"sku": "s1", "quantity": 1, "amount": "1.00"}
        for kind, items in (
            ("201 items", [item] * 201),
            ("items wrong type", {"sku": "s1"}),
            ("item wrong type", ["s1"]),
            ("item without sku", [{"quantity": 1}]),
            ("item sku too long", [{**item, "sku": "s" * 129}]),
            ("item name too long", [{**item, "name": "n" * 201}]),
            ("item quantity 0", [{**item, "quantity": 0}]),
            ("item quantity -1", [{**item, "quantity": -1}]),
            ("item quantity huge", [{**item, "quantity": 10**30}]),
            ("item quantity float", [{**item, "quantity": 1.5}]),
            ("item quantity bool", [{**item, "quantity": True}]),
            ("item quantity string", [{**item, "quantity": "1"}]),
            ("item amount negative", [{**item, "amount": "-1.00"}]),
        ):
            yield kind, {"items": items}
        if verified:
            for value in (None, "shipped", "PAID", 1):
                yield f"status {value!r:.20}", {"status": value}
            yield "refund over the amount", {"status": "refunded", "refunded_amount": "60.00"}
            yield "refund malformed", {"status": "refunded", "refunded_amount": "-5"}

    def conversion_attacks(self) -> Iterator[Attack]:
        t = self.t
        ep, path = "POST /v1/conversions", "/v1/conversions"
        now = int(time.time())

        def send(kind: str, body: object, **kw: object) -> Attack:
            raw = body if isinstance(body, bytes) else compact(body)
            return self.signed(ep, kind, "POST", path, raw, **kw)  # type: ignore[arg-type]

        for kind, body in self.malformed_bodies(t.conversions_max_bytes):
            yield send(kind, body, expect=_s(400))
        over = b'{"order_id":"' + b"a" * t.conversions_max_bytes + b'"}'
        yield send("huge body", over, expect=_s(413))
        good = compact(self.conversion())
        yield Attack(
            ep,
            "no signature",
            "POST",
            path,
            (("Content-Type", "application/json"),),
            good,
            expect=_s(401),
        )
        yield send("unknown site", good, key="pk_nobody", expect=_s(401))
        yield send("wrong secret", good, secret="sk_wrong", expect=_s(401))
        yield send("signature of another body", good, signed_body=b"{}", expect=_s(401))
        yield send("signature of another path", good, signed_path="/v1/events", expect=_s(401))
        yield send("expired timestamp", good, timestamp=now - 1000, expect=_s(401))
        yield send("timestamp in the future", good, timestamp=now + 1000, expect=_s(401))
        for value in ("", "abc", "1e9", "-1", "9" * 40, "\uff11\uff12\uff13", " 1", "1.5"):
            yield send(
                f"timestamp {value!r:.12}",
                good,
                override={"X-SWK-Timestamp": value},
                expect=_s(401),
            )
        for value in (
            "",
            "sha256=",
            "sha256=zz",
            "md5=abc",
            "sha256=" + "0" * 64,
            "sha256=" + "a" * 10000,
        ):
            yield send(
                f"signature {value[:16]!r}",
                good,
                override={"X-SWK-Signature": value},
                expect=_s(401, 431),
            )
        yield send(
            "site key of 10 KB", good, override={"X-SWK-Site": "k" * 10_000}, expect=_s(401, 431)
        )
        yield send("wrong media type", good, ctype="text/plain", expect=_s(415))
        replay = send("replayed: first", good, expect=_s(201))
        yield replay
        yield replace(replay, kind="replayed: again", expect=_s(200))
        for kind, fields in self.order_field_attacks(verified=True):
            yield send(kind, self.conversion(**fields), expect=_s(400))
        order = self.conversion(status="paid")
        yield send("status regression: paid", order, expect=_s(201))
        yield send(
            "status regression: placed after paid", {**order, "status": "placed"}, expect=_s(409)
        )
        refund = self.conversion(status="paid", refunded_amount="20.00")
        yield send("shrinking refund: first", refund, expect=_s(201))
        yield send("shrinking refund: less", {**refund, "refunded_amount": "10.00"}, expect=_s(409))
        yield send(
            "oversized amount at the bound",
            self.conversion(amount="100000000000.00"),
            expect=_s(201),
        )
        for value in HOSTILE_STRINGS:
            yield send(
                f"hostile ref {value[:10]!r}", self.conversion(ref=value), expect=_s(201, 400)
            )

    def stats_attacks(self) -> Iterator[Attack]:
        t = self.t
        ep = "GET /v1/sites/{key}/stats"
        base = f"/v1/sites/{t.site_key}/stats"

        def send(kind: str, query: str, **kw: object) -> Attack:
            path = f"{base}?{query}" if query else base
            return self.signed(ep, kind, "GET", path, b"", ctype=None, **kw)  # type: ignore[arg-type]

        yield send("a good request", "from=2026-01-01&to=2026-01-31", expect=_s(200))
        for kind, query in (
            ("missing from and to", ""),
            ("missing to", "from=2026-01-01"),
            ("ISO week date", "from=2026-W01-1&to=2026-W02-7"),
            ("ordinal date", "from=2026-001&to=2026-031"),
            ("basic format", "from=20260101&to=20260131"),
            ("before 2000", "from=1999-12-31&to=2000-01-05"),
            ("after 2100", "from=2101-01-01&to=2101-01-02"),
            ("year 0", "from=0000-01-01&to=0000-01-02"),
            ("year 9999", "from=9999-12-30&to=9999-12-31"),
            ("February 30", "from=2026-02-30&to=2026-03-01"),
            ("to before from", "from=2026-02-01&to=2026-01-01"),
            ("367 days", "from=2025-01-01&to=2026-01-02"),
            ("Arabic-Indic digits", "from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01&to=2026-01-02"),
            (
                "full-width digits",
                "from=" + quote("\uff12\uff10\uff12\uff16-01-01") + "&to=2026-01-02",
            ),
            ("with a time", "from=2026-01-01T00:00:00&to=2026-01-02"),
            ("NUL", "from=2026-01-01%00&to=2026-01-02"),
            ("3 KB value", "from=" + "1" * 3_000 + "&to=2026-01-02"),
            ("10 KB value (over the request line limit)", "from=" + "1" * 10_000),
            ("malformed percent", "from=%zz&to=%"),
        ):
            yield send(kind, query, expect=_s(400, 414))
        good = "from=2026-01-01&to=2026-01-31"
        yield send("no signature", good, override={"X-SWK-Signature": ""}, expect=_s(401))
        yield send(
            "signed for another query",
            good,
            signed_path=f"{base}?from=2026-01-01&to=2026-01-02",
            expect=_s(401),
        )
        yield send("expired timestamp", good, timestamp=int(time.time()) - 1000, expect=_s(401))
        yield send("wrong secret", good, secret="sk_wrong", expect=_s(401))
        other = f"/v1/sites/pk_{self.code(20)}/stats?{good}"
        yield self.signed(
            ep, "another site's path", "GET", other, b"", ctype=None, expect=_s(403, 404)
        )
        long_key = f"/v1/sites/{'k' * 3000}/stats?{good}"
        yield self.signed(
            ep,
            "key of 3,000 characters",
            "GET",
            long_key,
            b"",
            ctype=None,
            expect=_s(401, 403, 404),
        )
        yield self.signed(
            ep,
            "a body on GET",
            "GET",
            f"{base}?{good}",
            b'{"x":1}',
            ctype="application/json",
            expect=_s(400, 401, 413),
        )

    def config_attacks(self) -> Iterator[Attack]:
        t = self.t
        ep = "GET /v1/sites/{key}/config"
        yield Attack(ep, "a good request", path=f"/v1/sites/{t.site_key}/config", expect=_s(200))
        for kind, key in (
            ("unknown key", "pk_" + self.code(20)),
            ("key of 3,000 characters", "k" * 3000),
            ("key with NUL", "pk%00x"),
            ("key with traversal", "..%2F..%2Fhealthz"),
            ("key with HTML", quote("<script>alert(1)</script>")),
            ("key with RTL override", quote("\u202epk")),
            ("key with overlong UTF-8", "%C0%AF"),
        ):
            yield Attack(ep, kind, path=f"/v1/sites/{key}/config", expect=_s(404))
        path = f"/v1/sites/{t.site_key}/config"
        for kind, headers in (
            ("If-None-Match of 8 KB", (("If-None-Match", '"' + "a" * 8000 + '"'),)),
            ("If-None-Match garbage", (("If-None-Match", 'W/"\x7f,,,*'),)),
            ("If-None-Match *", (("If-None-Match", "*"),)),
            ("Origin foreign", (("Origin", "https://evil.example"),)),
        ):
            yield Attack(ep, kind, path=path, headers=headers, expect=_s(200, 304, 400, 431))

    def asset_attacks(self) -> Iterator[Attack]:
        t = self.t
        ep = "GET /v1/loader.js, /v1/assets/*"
        yield Attack(ep, "a good asset", path=f"/v1/assets/{t.asset}", expect=_s(200))
        widget, digest, lang, _ = t.asset.split(".")
        for kind, name in (
            ("traversal", "../../../../etc/passwd"),
            ("encoded traversal", "..%2F..%2F..%2Fetc%2Fpasswd"),
            ("double-encoded traversal", "%252e%252e%252fsecret_key"),
            ("backslash traversal", "..%5C..%5Csecret_key"),
            ("NUL in name", f"{widget}.{digest}.{lang}.js%00.png"),
            ("name of 3,000 characters", "a" * 3000 + ".js"),
            ("unknown widget", f"evil.{digest}.{lang}.js"),
            ("unknown language", f"{widget}.{digest}.xx.js"),
            ("uppercase", t.asset.upper()),
            ("other extension", f"{widget}.{digest}.{lang}.css"),
            ("instance file", "secret_key"),
            ("package file", "..%2F__init__.py"),
            ("hostile name", quote("<script>alert(1)</script>.js")),
        ):
            yield Attack(ep, kind, path=f"/v1/assets/{name}", expect=_s(404))
        yield Attack(
            ep, "older hash", path=f"/v1/assets/{widget}.{'0' * 12}.{lang}.js", expect=_s(200, 404)
        )
        for path in ("/v1/loader.js", f"/v1/assets/{t.asset}"):
            for kind, headers in (
                ("Accept-Encoding garbage", (("Accept-Encoding", "br;q=x, gzip;q=-1, *;q=2"),)),
                ("Range beyond the end", (("Range", "bytes=99999999-"),)),
                ("Range malformed", (("Range", "bytes=-x-"),)),
                ("If-None-Match of 8 KB", (("If-None-Match", '"' + "a" * 8000 + '"'),)),
                ("If-Modified-Since garbage", (("If-Modified-Since", "yesterday"),)),
            ):
                yield Attack(
                    ep, kind, path=path, headers=headers, expect=_s(200, 206, 304, 416, 431)
                )
        yield Attack(
            ep,
            "loader with a query of 6 KB",
            path="/v1/loader.js?" + "a=1&" * 1500,
            expect=_s(200, 414),
        )

    def operations_attacks(self) -> Iterator[Attack]:
        ep = "GET /healthz, /readyz, /v1/openapi.json"
        for path in ("/healthz", "/readyz", "/v1/openapi.json"):
            yield Attack(ep, "a good request", path=path, expect=_s(200))
            yield Attack(
                ep, "query of garbage", path=path + "?" + quote("\x00<>'\"") + "=1", expect=_s(200)
            )
            yield Attack(
                ep, "POST", "POST", path, (("Content-Type", "text/plain"),), b"x", expect=_s(405)
            )
        for path in (
            "/v1/../healthz",
            "/v1/%2e%2e/healthz",
            "/nothing",
            "/v1/events/x",
            "//evil.example/",
            "/v1/" + "a" * 5000,
        ):
            yield Attack(
                "unknown paths",
                f"path {path[:20]!r}",
                path=path,
                expect=_s(200, 404, 405, 308, 414),
            )

    def framing_attacks(self) -> Iterator[Attack]:
        """Broken bodies on the wire, for every endpoint that reads a body."""
        t = self.t
        event = compact({"site": t.site_key, "events": [self.share()]})
        targets = (
            (
                "POST /v1/events",
                "/v1/events",
                [f"Origin: {t.origin}", f"Content-Type: {TEXT}"],
                event,
            ),
            (
                "POST /v1/conversions/browser",
                "/v1/conversions/browser",
                [f"Origin: {t.origin}", f"Content-Type: {TEXT}"],
                compact(self.browser_order()),
            ),
            (
                "POST /v1/conversions",
                "/v1/conversions",
                ["Content-Type: application/json"],
                compact(self.conversion()),
            ),
            (
                "POST /v1/referrals",
                "/v1/referrals",
                [f"Origin: {t.origin}", f"Content-Type: {TEXT}"],
                compact({"site": t.site_key}),
            ),
            (
                "POST /admin/login",
                "/admin/login",
                [f"Cookie: {t.anon_cookie}", "Content-Type: application/x-www-form-urlencoded"],
                f"csrf_token={t.anon_csrf}&email=a%40b.example&password=x".encode(),
            ),
        )
        for ep, path, headers, body in targets:
            te = [*headers, "Transfer-Encoding: chunked"]
            size = f"{len(body):x}".encode()

            def raw(
                kind: str,
                lines: list[str],
                data: bytes,
                *,
                expect: frozenset[int],
                half_close: bool = False,
                ep: str = ep,
                path: str = path,
            ) -> Attack:
                return Attack(
                    ep,
                    kind,
                    raw=raw_request("POST", path, lines, data),
                    half_close=half_close,
                    expect=expect,
                )

            yield raw("chunked: not hex", te, b"zz\r\nabc\r\n0\r\n\r\n", expect=_s(400))
            yield raw("chunked: negative size", te, b"-5\r\nabcde\r\n0\r\n\r\n", expect=_s(400))
            yield raw(
                "chunked: size of 2^64",
                te,
                b"ffffffffffffffff1\r\nabc\r\n0\r\n\r\n",
                expect=_s(400, 408, 413),
            )
            yield raw(
                "chunked: no CRLF after data",
                te,
                size + b"\r\n" + body + b"XX0\r\n\r\n",
                expect=_s(400),
            )
            yield raw(
                "chunked: missing terminator, closed",
                te,
                size + b"\r\n" + body + b"\r\n",
                half_close=True,
                expect=_s(400),
            )
            yield raw(
                "chunked: missing terminator, stalled",
                te,
                size + b"\r\n" + body + b"\r\n",
                expect=_s(408),
            )
            yield raw(
                "chunked: hostile extension",
                te,
                size + b';x="\x00"\r\n' + body + b"\r\n0\r\n\r\n",
                expect=_s(400, 403, 415),
            )
            yield raw("chunked: bare LF", te, size + b"\n" + body + b"\n0\n\n", expect=_s(400, 408))
            yield raw(
                "chunked: trailer headers",
                te,
                size + b"\r\n" + body + b"\r\n0\r\nX-Evil: 1\r\nContent-Length: 5\r\n\r\n",
                expect=_s(),
            )
            n = len(body)
            yield raw(
                "Content-Length longer than the body, closed",
                [*headers, f"Content-Length: {n + 50}"],
                body,
                half_close=True,
                expect=_s(400),
            )
            yield raw(
                "Content-Length longer than the body, stalled",
                [*headers, f"Content-Length: {n + 50}"],
                body,
                expect=_s(408),
            )
            for value in ("-1", "+5", "0x10", "1e3", f"{n}, {n}", " ", "9" * 30):
                yield raw(
                    f"Content-Length {value[:12]!r}",
                    [*headers, f"Content-Length: {value}"],
                    body,
                    expect=_s(400, 413),
                )
            yield raw(
                "two Content-Lengths",
                [*headers, f"Content-Length: {n}", f"Content-Length: {n + 1}"],
                body,
                expect=_s(400),
            )
            yield raw(
                "Content-Length and chunked",
                [*te, f"Content-Length: {n}"],
                size + b"\r\n" + body + b"\r\n0\r\n\r\n",
                expect=_s(400),
            )
            for value in ("xchunked", "chunked, identity", "identity", "gzip, chunked"):
                yield raw(
                    f"Transfer-Encoding {value!r}",
                    [*headers, f"Transfer-Encoding: {value}", f"Content-Length: {n}"],
                    body,
                    expect=_s(400, 501),
                )
            smuggled = raw_request("GET", "/admin/", [f"Cookie: {t.admin_cookie}"])
            yield raw(
                "a second request smuggled after the body",
                [*headers, f"Content-Length: {n}"],
                body + smuggled,
                expect=_s(),
            )

    def header_attacks(self) -> Iterator[Attack]:
        t = self.t
        body = compact({"site": t.site_key, "events": [self.share()]})
        base = [f"Content-Type: {TEXT}", f"Content-Length: {len(body)}"]
        ep = "request line and headers"
        for kind, lines in (
            ("CR in a header value", [f"Origin: {t.origin}\rX-Injected: 1", *base]),
            ("LF in a header value", [f"Origin: {t.origin}\nX-Injected: 1", *base]),
            ("NUL in a header value", [f"Origin: {t.origin}\x00.evil.example", *base]),
            ("folded header", [f"Origin: {t.origin}", " .evil.example", *base]),
            ("header name with a space", [f"Origin : {t.origin}", *base]),
            ("header name with a colon only", [":", *base]),
            ("header of 20 KB", [f"Origin: {t.origin}", "X-Big: " + "a" * 20_000, *base]),
            ("200 headers", [f"Origin: {t.origin}", *(f"X-{i}: {i}" for i in range(200)), *base]),
            ("non-ASCII header", [f"Origin: {t.origin}", "X-Name: f\xfc\xfc", *base]),
            ("two Origins", [f"Origin: {t.origin}", "Origin: https://evil.example", *base]),
        ):
            yield Attack(
                ep,
                kind,
                raw=raw_request("POST", "/v1/events", lines, body),
                expect=_s(202, 400, 403, 431),
            )
        for kind, request in (
            ("absolute-form target", raw_request("GET", "http://evil.example/healthz", [])),
            ("no Host", b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"),
            ("hostile Host", raw_request("GET", "/v1/loader.js", [], host="evil.example\x00")),
            ("HTTP/1.0", raw_request("GET", "/healthz", [], version="HTTP/1.0")),
            ("HTTP/2.0 line", raw_request("GET", "/healthz", [], version="HTTP/2.0")),
            ("HTTP/9.9", raw_request("GET", "/healthz", [], version="HTTP/9.9")),
            ("garbage line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
            ("lower-case method", raw_request("get", "/healthz", [])),
            ("method of 5 KB", raw_request("G" * 5000, "/healthz", [])),
            ("target of 10 KB", raw_request("GET", "/" + "a" * 10_000, [])),
            ("space in target", raw_request("GET", "/heal thz", [])),
            ("no version", b"GET /healthz\r\n\r\n"),
            ("only CRLFs", b"\r\n" * 50),
            (
                "pipelined requests",
                raw_request("GET", "/healthz", []).replace(b"Connection: close\r\n", b"")
                + raw_request("GET", "/readyz", []),
            ),
        ):
            yield Attack(ep, kind, raw=request, expect=_s())

    def admin_attacks(self) -> Iterator[Attack]:
        t = self.t
        anon = (("Cookie", t.anon_cookie), ("Content-Type", "application/x-www-form-urlencoded"))
        admin = (("Cookie", t.admin_cookie), ("Content-Type", "application/x-www-form-urlencoded"))

        def form(
            ep: str,
            kind: str,
            path: str,
            fields: dict[str, str] | bytes,
            *,
            who: tuple[tuple[str, str], ...] = admin,
            csrf: str | None = None,
            expect: frozenset[int] = frozenset(),
        ) -> Attack:
            if isinstance(fields, bytes):
                data = fields
            else:
                token = t.admin_csrf if who is admin else t.anon_csrf
                fields = {"csrf_token": token if csrf is None else csrf, **fields}
                data = "&".join(
                    f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}"
                    for k, v in fields.items()
                ).encode("utf-8", "surrogatepass")
            return Attack(ep, kind, "POST", path, who, data, expect=expect)

        ep = "POST /admin/login"
        yield form(
            ep,
            "no CSRF token",
            "/admin/login",
            {"email": "a@b.example", "password": "x"},
            who=anon,
            csrf="",
            expect=_s(400),
        )
        yield form(
            ep,
            "forged CSRF token",
            "/admin/login",
            {"email": "a@b.example", "password": "x"},
            who=anon,
            csrf="forged",
            expect=_s(400),
        )
        for kind, email, password in (
            ("e-mail of 10 KB", "a" * 10_000 + "@b.example", "x"),
            ("password of 900 KB", "owner@example.com", "p" * 900_000),
            ("NUL in e-mail", "owner\x00@example.com", "x"),
            ("HTML in e-mail", "<script>alert(1)</script>@example.com", "x"),
            ("RTL in e-mail", "\u202eowner@example.com", "x"),
            ("lone surrogate", "\ud800@example.com", "x"),
            ("SQL in e-mail", "' OR 1=1 --", "' OR 1=1 --"),
        ):
            yield form(
                ep,
                kind,
                "/admin/login",
                {"email": email, "password": password},
                who=anon,
                expect=_s(200, 400, 413, 429),
            )
        yield form(
            ep,
            "malformed form",
            "/admin/login",
            f"csrf_token={t.anon_csrf}&email=%zz&password=%".encode(),
            who=anon,
            expect=_s(200, 400, 429),
        )
        yield form(
            ep,
            "body over 1 MiB",
            "/admin/login",
            {"email": "a@b.example", "password": "p" * 1_100_000},
            who=anon,
            expect=_s(413),
        )
        for i in range(12):
            yield form(
                ep,
                f"wrong password #{i + 1}",
                "/admin/login",
                {"email": "owner@example.com", "password": f"guess-{i}"},
                who=anon,
                expect=_s(200, 429),
            )
        for next_ in (
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/admin/../../evil",
            "%2F%2Fevil.example",
        ):
            yield Attack(
                "GET /admin/*",
                f"login next={next_!r}",
                path=f"/admin/login?next={quote(next_, safe='')}",
                expect=_s(200),
            )
        ep = "POST /admin/language, /admin/logout"
        for lang in ("xx", "<b>", "de\x00", "d" * 5000):
            yield form(
                ep,
                f"language {lang[:8]!r}",
                "/admin/language",
                {"lang": lang, "next": "https://evil.example/"},
                expect=_s(303),
            )
        yield form(ep, "logout without CSRF", "/admin/logout", {}, csrf="", expect=_s(400))
        sid = t.site_id
        ep = "POST /admin/sites/{id}/settings"
        settings = f"/admin/sites/{sid}/settings"
        yield form(ep, "no CSRF token", settings, {"name": "x"}, csrf="", expect=_s(400))
        yield form(
            ep,
            "another owner's CSRF token",
            settings,
            {"name": "x"},
            csrf=t.anon_csrf,
            expect=_s(400),
        )
        for kind, fields in (
            ("name of 10 KB", {"name": "n" * 10_000, "origins": t.origin}),
            ("name empty", {"name": "", "origins": t.origin}),
            ("name with NUL", {"name": "a\x00b", "origins": t.origin}),
            ("origins javascript:", {"name": "Shop", "origins": "javascript:alert(1)"}),
            ("origins with a path", {"name": "Shop", "origins": f"{t.origin}/p"}),
            (
                "origins 1,000 lines",
                {
                    "name": "Shop",
                    "origins": "\n".join(f"https://s{i}.example" for i in range(1000)),
                },
            ),
            ("origins with NUL", {"name": "Shop", "origins": f"{t.origin}\x00.evil"}),
            ("origins IDN look-alike", {"name": "Shop", "origins": "https://sh\u043ep.example"}),
            ("origins empty", {"name": "Shop", "origins": ""}),
            ("timezone unknown", {"name": "Shop", "origins": t.origin, "timezone": "Mars/Base"}),
            (
                "timezone traversal",
                {"name": "Shop", "origins": t.origin, "timezone": "../../../etc/localtime"},
            ),
            ("position huge", {"name": "Shop", "origins": t.origin, "pos_x": "9" * 40}),
            ("position negative", {"name": "Shop", "origins": t.origin, "pos_x": "-3"}),
            ("move garbage", {"name": "Shop", "origins": t.origin, "move": "up:\x00<b>"}),
            (
                "attribution window huge",
                {"name": "Shop", "origins": t.origin, "attribution_window_days": "9" * 30},
            ),
            ("ref param hostile", {"name": "Shop", "origins": t.origin, "ref_param": "<script>"}),
        ):
            yield form(ep, kind, settings, fields, expect=_s(200, 422))
        for kind, site in (
            ("another site", "99999"),
            ("id of 2^70", str(2**70)),
            ("id 0", "0"),
            ("id -1", "-1"),
        ):
            yield form(
                ep, kind, f"/admin/sites/{site}/settings", {"name": "x"}, expect=_s(404, 405)
            )
        ep = "POST /admin/sites/{id}/rotate"
        rotate = f"/admin/sites/{sid}/rotate"
        for kind, fields in (
            ("no fields", {}),
            ("what unknown", {"what": "everything", "confirm": "0.x"}),
            ("grace hostile", {"what": "secret", "grace_hours": "99999999999", "confirm": "0.x"}),
            ("forged confirmation", {"what": "secret", "grace_hours": "0", "confirm": "0.forged"}),
            ("confirmation of 10 KB", {"what": "key", "confirm": "1" * 10_000}),
            ("confirmation count huge", {"what": "key", "confirm": "9" * 40 + ".x"}),
        ):
            yield form(ep, kind, rotate, fields, expect=_s(409, 422))
        ep = "GET /admin/*"
        for kind, query in (
            ("ISO week period", "from=2026-W01-1&to=2026-W02-1"),
            ("out of range", "from=0001-01-01&to=9999-12-31"),
            ("reversed", "from=2026-02-01&to=2026-01-01"),
            ("3 KB", "from=" + "9" * 3_000),
            ("preset hostile", "period=" + quote("<script>")),
        ):
            yield Attack(
                ep,
                f"dashboard {kind}",
                path=f"/admin/sites/{sid}/?{query}",
                headers=admin[:1],
                expect=_s(200),
            )
            yield Attack(
                ep,
                f"export {kind}",
                path=f"/admin/sites/{sid}/export/daily.csv?{query}",
                headers=admin[:1],
                expect=_s(200, 400),
            )
        for kind, path in (
            ("export unknown table", f"/admin/sites/{sid}/export/secrets.csv"),
            ("export traversal", f"/admin/sites/{sid}/export/..%2F..%2Fsecret_key.csv"),
            ("dashboard of 2^70", f"/admin/sites/{2**70}/"),
            ("static traversal", "/admin/static/..%2F..%2Fsecret_key"),
        ):
            yield Attack(ep, kind, path=path, headers=admin[:1], expect=_s(404))
        yield Attack(
            ep,
            "forged session cookie",
            path="/admin/",
            headers=(("Cookie", "session=eyJ4IjoxfQ.forged.sig"),),
            expect=_s(302),
        )
        yield Attack(
            ep,
            "cookie of 10 KB",
            path="/admin/",
            headers=(("Cookie", "session=" + "a" * 10_000),),
            expect=_s(302, 431),
        )

    def method_attacks(self) -> Iterator[Attack]:
        t = self.t
        routes = (
            "/v1/events",
            "/v1/conversions",
            "/v1/conversions/browser",
            "/v1/referrals",
            f"/v1/sites/{t.site_key}/referrals",
            "/v1/offers",
            f"/v1/sites/{t.site_key}/offers",
            f"/v1/sites/{t.site_key}/rewards",
            f"/v1/sites/{t.site_key}/rewards/1/handout",
            f"/v1/sites/{t.site_key}/stats",
            f"/v1/sites/{t.site_key}/config",
            "/v1/loader.js",
            f"/v1/assets/{t.asset}",
            "/healthz",
            "/admin/login",
        )
        for path in routes:
            for method in ("PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"):
                yield Attack(
                    "wrong methods",
                    f"{method} {path[:24]}",
                    method,
                    path,
                    (("Content-Type", "text/plain"),),
                    b"x",
                    expect=_s(400, 405),
                )
            yield Attack(
                "wrong methods",
                f"OPTIONS {path[:24]}",
                "OPTIONS",
                path,
                (("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")),
                expect=_s(200, 204, 405),
            )
