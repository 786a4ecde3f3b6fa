"""The attack battery's hostile requests at the friend's offer and the rewards endpoints.

Functions of a ``hostile.Builder`` (they use its helpers for browser and signed requests), kept
apart so the battery's module stays one screenful per endpoint. Nothing here sends anything.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hostile import TEXT, Attack, _s, compact

if TYPE_CHECKING:
    from hostile import Builder


def offer_attacks(b: Builder) -> Iterator[Attack]:
    """``POST /v1/offers``: bodies, origins, codes; then the signed ``…/offers``."""
    t = b.t
    ep, path = "POST /v1/offers", "/v1/offers"
    limit = 2 * 1024

    def send(kind: str, body: object, **kw: object) -> Attack:
        raw = body if isinstance(body, bytes) else compact(body)
        return b.browser(ep, kind, path, raw, **kw)  # type: ignore[arg-type]

    # Built for an 8 KiB limit, some are over this endpoint's 2 KiB (413); a nesting that
    # fits is well-formed JSON without a site (404).
    for kind, body in b.malformed_bodies(limit):
        yield send(kind, body, expect=_s(400, 404, 413))
    yield from b.body_limit_attacks(ep, path, limit, {"Origin": t.origin, "Content-Type": TEXT})
    ask = {"site": t.site_key, "code": t.code}
    yield send("a share code (no offer)", ask, expect=_s(404))
    yield send("unknown site", {**ask, "site": "pk_nobody"}, expect=_s(404))
    yield send("foreign Origin", ask, origin="https://evil.example", expect=_s(403))
    yield send("no Origin", ask, origin=None, expect=_s(403))
    yield send("wrong media type", ask, ctype="application/xml", expect=_s(415))
    for kind, code in (
        ("code with markup", "<script>alert(1)</script>"),
        ("code of 1,000 characters", "a" * 1000),
        ("code wrong type", 12345),
        ("code missing", None),
    ):
        yield send(kind, {**ask, "code": code}, expect=_s(400))
    yield send("unknown code", {**ask, "code": b.code(21)}, expect=_s(404))

    sep = "POST /v1/sites/{key}/offers"
    spath = f"/v1/sites/{t.site_key}/offers"

    def signed(kind: str, body: object, **kw: object) -> Attack:
        raw = body if isinstance(body, bytes) else compact(body)
        return b.signed(sep, kind, "POST", spath, raw, **kw)  # type: ignore[arg-type]

    good = {"ref": t.code, "visitor": "session-1"}
    yield signed("a share code (no offer)", good, expect=_s(404))
    yield signed("visitor missing", {"ref": t.code}, expect=_s(400))
    yield signed("visitor with a NUL", {**good, "visitor": "a\u0000b"}, expect=_s(400))
    yield signed(
        "visitor of 5,000 characters", {**good, "visitor": "v" * 5000}, expect=_s(400, 413)
    )
    yield signed("wrong secret", good, secret="sk_wrong", expect=_s(401))
    yield signed("expired timestamp", good, timestamp=int(time.time()) - 1000, expect=_s(401))


def reward_attacks(b: Builder) -> Iterator[Attack]:
    """``GET /v1/sites/{key}/rewards`` and ``POST …/rewards/{id}/handout``."""
    t = b.t
    ep = "GET /v1/sites/{key}/rewards"
    base = f"/v1/sites/{t.site_key}/rewards"

    def listing(kind: str, query: str, **kw: object) -> Attack:
        path = f"{base}?{query}" if query else base
        return b.signed(ep, kind, "GET", path, b"", ctype=None, **kw)  # type: ignore[arg-type]

    yield listing("a good request", "status=due", expect=_s(200))
    for kind, query in (
        ("unknown status", "status=paid"),
        ("status with markup", "status=%3Cscript%3E"),
        ("negative after", "after=-1"),
        ("after of 40 digits", "after=" + "9" * 40),
        ("after with a NUL", "after=1%00"),
    ):
        yield listing(kind, query, expect=_s(400))
    yield listing("wrong secret", "status=due", secret="sk_wrong", expect=_s(401))
    yield listing("no signature", "", override={"X-SWK-Signature": ""}, expect=_s(401))
    other = f"/v1/sites/pk_{b.code(20)}/rewards"
    yield b.signed(ep, "another site's path", "GET", other, b"", ctype=None, expect=_s(403))

    hep = "POST /v1/sites/{key}/rewards/{id}/handout"

    def handout(kind: str, reward: str, **kw: object) -> Attack:
        path = f"{base}/{reward}/handout"
        return b.signed(hep, kind, "POST", path, b"{}", **kw)  # type: ignore[arg-type]

    yield handout("a reward that does not exist", "999999", expect=_s(404))
    yield handout("id not a number", "abc", expect=_s(401, 404))
    yield handout("id of 40 digits", "9" * 40, expect=_s(404))
    yield handout("wrong secret", "1", secret="sk_wrong", expect=_s(401))
    yield handout("replayed from long ago", "1", timestamp=int(time.time()) - 1000, expect=_s(401))
    yield handout(
        "signed for another reward",
        "1",
        signed_path=f"{base}/2/handout",
        expect=_s(401),
    )
