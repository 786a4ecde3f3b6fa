"""Attack battery: hostile requests at every endpoint of a real ``widgetserver serve``.

Sets up an instance through the CLI as an operator would (``db upgrade``, ``owners create``,
``sites create``), starts ``widgetserver serve`` (gunicorn) on it - SQLite in a temporary
folder, or a throwaway database on the PostgreSQL server given with ``--postgres`` - registers
a real share code through ``POST /v1/events``, logs in to the owners' pages, and then sends
the battery of ``hostile.py``: malformed, oversized, deeply nested and mistyped bodies, broken
chunked encodings and header injection over raw sockets, hostile strings, wrong origins,
forged, expired and replayed signatures and tokens, duplicate orders, oversized amounts,
out-of-range and ISO week dates, traversal on the assets, wrong methods.

Prints one line per endpoint - requests tried, 2xx, 4xx by status, 5xx, no answer, timeouts,
answers that were not right for the attack - and the details of every finding. After the
battery the server must still be ready, its log must hold no traceback, and what it stored
must be shown escaped. Then ``growth.py`` measures how fast one abusive client (and many
against one site) can still grow the database.

    .venv/bin/python bench/attack.py [--postgres URL] [--seed 1] [--growth-seconds 60]

Exits 1 on any 5xx, hang (no answer within the timeout) or wrong answer, else 0.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from growth import grow
from hostile import CHROME, TEXT, Attack, Builder, Target, compact
from instance import (
    IDN_ORIGIN,
    ORIGIN,
    OWNER,
    PASSWORD,
    create_site,
    database,
    instance_env,
    request,
    start_server,
)
from servers import HOST, BenchError, Server
from wire import Answer, exchange, raw_exchange

#: Seconds without an answer that count as a hang.
HANG_SECONDS = 10.0
#: Strings whose raw appearance in an owners' page would mean stored HTML is not escaped.
UNESCAPED = ("<script>alert(1)", "<img src=x onerror")


@dataclass
class Row:
    tried: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    closed: int = 0
    timeouts: int = 0
    wrong: int = 0


@dataclass
class Finding:
    attack: Attack
    answer: Answer
    problems: list[str]


# --- setup ------------------------------------------------------------------------------------


def register_code(server: Server, site_key: str, code: str) -> None:
    body = compact(
        {
            "site": site_key,
            "events": [{"type": "share", "code": code, "channel": "x", "url": f"{ORIGIN}/p/1"}],
        }
    )
    headers = {"Origin": ORIGIN, "Content-Type": TEXT, "User-Agent": CHROME}
    answer = request(server, "POST", "/v1/events", headers=headers, body=body)
    if answer.status != 202 or json.loads(answer.body).get("accepted") != 1:
        raise BenchError(f"registering a share code failed: {answer.status} {answer.body!r}")


def _cookie(answer: Answer) -> str:
    for value in answer.cookies:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    raise BenchError(f"no session cookie in {answer.status} {answer.headers}")


def _csrf(answer: Answer) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', answer.body)
    if found is None:
        raise BenchError("no CSRF token on the page")
    return found.group(1).decode()


def log_in(server: Server) -> tuple[str, str, str, str, int]:
    """An anonymous session (cookie, token) and a logged-in one, and the site's id."""
    page = request(server, "GET", "/admin/login")
    anon_cookie, anon_csrf = _cookie(page), _csrf(page)
    page = request(server, "GET", "/admin/login")
    cookie, token = _cookie(page), _csrf(page)
    form = f"csrf_token={token}&email={OWNER.replace('@', '%40')}&password={PASSWORD}"
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    done = request(server, "POST", "/admin/login", headers=headers, body=form.encode())
    if done.status != 303:
        raise BenchError(f"logging in failed: {done.status}")
    admin_cookie = _cookie(done)
    sites = request(server, "GET", "/admin/", headers={"Cookie": admin_cookie})
    found = re.search(rb"/admin/sites/(\d+)/", sites.body)
    if found is None:
        raise BenchError("the site list names no site")
    return anon_cookie, anon_csrf, admin_cookie, _csrf(sites), int(found.group(1))


def current_asset(server: Server) -> str:
    loader = request(server, "GET", "/v1/loader.js").body.decode()
    # One hash for every widget file of a build, carried by the loader as VERSION.
    found = re.search(r"VERSION=\"([0-9a-f]{12})\"", loader)
    if found is None:
        raise BenchError("the loader names no build of the widget files")
    return f"share.{found.group(1)}.en.js"


def prepare(server: Server, site: dict[str, Any], seed: int) -> Target:
    code = f"attack{seed:04d}code"
    register_code(server, site["public_key"], code)
    anon_cookie, anon_csrf, admin_cookie, admin_csrf, site_id = log_in(server)
    return Target(
        host=HOST,
        port=server.port,
        site_key=site["public_key"],
        secret=site["secret"],
        site_id=site_id,
        origin=ORIGIN,
        idn_origin=IDN_ORIGIN,
        code=code,
        asset=current_asset(server),
        anon_cookie=anon_cookie,
        anon_csrf=anon_csrf,
        admin_cookie=admin_cookie,
        admin_csrf=admin_csrf,
        events_max_bytes=64 * 1024,
        conversions_max_bytes=256 * 1024,
    )


# --- the battery ------------------------------------------------------------------------------


def addresses() -> Iterator[str]:
    """Loopback addresses of their own, one per attack, so rate limits stay per attack."""
    n = 0
    while True:
        n += 1
        yield f"127.20.{n // 250 % 250}.{n % 250 + 1}"


def send(target: Target, attack: Attack, source: str) -> Answer:
    if attack.raw is not None:
        return raw_exchange(
            target.host,
            target.port,
            attack.raw,
            timeout=HANG_SECONDS,
            source=source,
            half_close=attack.half_close,
        )
    return exchange(
        target.host,
        target.port,
        attack.method,
        attack.path,
        dict(attack.headers),
        attack.body,
        timeout=HANG_SECONDS,
        source=source,
    )


def problems(attack: Attack, answer: Answer) -> list[str]:
    found = []
    status = answer.status
    if status is None:
        if answer.timed_out:
            found.append(f"no answer within {HANG_SECONDS:g} s")
        return found
    if failed(status):
        found.append(f"server error {status}")
    elif attack.expect and status not in attack.expect:
        found.append(f"answered {status}, expected {'/'.join(map(str, sorted(attack.expect)))}")
    if status == 202 and attack.accepted is not None:
        accepted = _json(answer).get("accepted")
        if accepted != attack.accepted:
            found.append(f"accepted {accepted} events, expected {attack.accepted}")
    api = attack.path.startswith("/v1/") or attack.path in ("/healthz", "/readyz")
    if api and status >= 400 and not from_http_parser(answer):
        shape = _json(answer)
        if not (isinstance(shape.get("error"), str) and isinstance(shape.get("message"), str)):
            found.append("an error answer without the JSON error shape")
    if answer.cookies and not (attack.path.startswith("/admin") or attack.raw is not None):
        found.append("set a cookie outside /admin")
    location = answer.headers.get("location", "")
    if re.match(r"(?i)^(https?:)?//|^/\\|^javascript:", location) and "127.0.0.1" not in location:
        found.append(f"redirected off the site: {location[:60]}")
    return found


def failed(status: int) -> bool:
    """A server error. ``501`` is not one: it is RFC 9112's answer to a transfer coding the
    server does not implement (gunicorn's parser gives it before the app; so does nginx)."""
    return status >= 500 and status != 501


def from_http_parser(answer: Answer) -> bool:
    """Answered by gunicorn's parser before the app ran (a request line or header over its
    limits, a header it cannot parse): its own small HTML page, not the API's error shape."""
    return answer.status in (400, 414, 431, 501) and answer.body.startswith(b"<html>")


def _json(answer: Answer) -> dict[str, Any]:
    try:
        value = json.loads(answer.body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def run_battery(target: Target, attacks: list[Attack]) -> tuple[dict[str, Row], list[Finding]]:
    rows: dict[str, Row] = defaultdict(Row)
    findings = []
    own = addresses()
    for attack in attacks:
        source = next(own) if attack.own_address else "127.19.0.1"
        answer = send(target, attack, source)
        row = rows[attack.endpoint]
        row.tried += 1
        if answer.status is not None:
            row.statuses[answer.status] += 1
        elif answer.timed_out:
            row.timeouts += 1
        else:
            row.closed += 1
        found = problems(attack, answer)
        if found:
            row.wrong += 1
            findings.append(Finding(attack, answer, found))
    return rows, findings


def print_battery(rows: dict[str, Row], seconds: float) -> None:
    header = (
        "| endpoint | tried | 2xx/3xx | refused: 4xx, 501 (by status) | 5xx | no answer | "
        "timeouts | wrong |"
    )
    print(header)
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    total = Row()
    for name, row in rows.items():
        print(_row_line(name, row))
        total.tried += row.tried
        total.statuses.update(row.statuses)
        total.closed += row.closed
        total.timeouts += row.timeouts
        total.wrong += row.wrong
    print(_row_line("**all**", total))
    print(f"\n{total.tried} requests in {seconds:.1f} s")


def _row_line(name: str, row: Row) -> str:
    two = sum(n for s, n in row.statuses.items() if 200 <= s < 400)
    four = sorted((s, n) for s, n in row.statuses.items() if s >= 400 and not failed(s))
    five = sum(n for s, n in row.statuses.items() if failed(s))
    by_status = " ".join(f"{s}x{n}" for s, n in four) or "-"
    return (
        f"| {name} | {row.tried} | {two} | {by_status} | {five} | {row.closed} | "
        f"{row.timeouts} | {row.wrong} |"
    )


def print_findings(findings: list[Finding]) -> None:
    for f in findings:
        body = f.answer.body[:160].decode("utf-8", "replace").replace("\n", " ")
        print(f"  FINDING {f.attack.endpoint} / {f.attack.kind}: {'; '.join(f.problems)}")
        print(f"          {f.answer.status} {body}")


# --- after the battery --------------------------------------------------------------------------


def aftermath(server: Server, target: Target) -> list[str]:
    """The server still serves, logged no traceback, and shows what it stored escaped."""
    found = []
    ready = request(server, "GET", "/readyz")
    if ready.status != 200:
        found.append(f"/readyz answers {ready.status} after the battery")
    cookie = {"Cookie": target.admin_cookie}
    page = request(server, "GET", f"/admin/sites/{target.site_id}/?period=today", headers=cookie)
    for raw in UNESCAPED:
        if raw.encode() in page.body:
            found.append(f"the dashboard shows {raw!r} unescaped")
    export = request(
        server, "GET", f"/admin/sites/{target.site_id}/export/pages.csv", headers=cookie
    )
    for line in export.body.decode("utf-8-sig", "replace").splitlines():
        for cell in line.split(","):
            if cell.strip('"')[:1] in ("=", "+", "@"):
                found.append(f"the pages export has a formula cell: {cell[:40]}")
    log = server.log_path.read_text(errors="replace")
    for marker in ("Traceback", "[ERROR]", "WORKER TIMEOUT"):
        if marker in log:
            found.append(f"the server log has {marker!r} lines ({log.count(marker)})")
    return found


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a throwaway db)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the battery (1)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument(
        "--growth-seconds",
        type=float,
        default=60.0,
        help="seconds of each database growth scenario; 0 skips them (60)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and logs")
    return parser.parse_args(argv)


def battery(options: argparse.Namespace, folder: Path, url: str | None) -> bool:
    # The per-site limits are raised so the battery measures validation, not the site's
    # budget; the per-client limits stay (each attack has an address of its own).
    env = instance_env(
        folder / "battery",
        url,
        EVENTS_LIMIT_SITE=10**9,
        BROWSER_CONVERSIONS_LIMIT_SITE=10**9,
        REFERRALS_LIMIT_SITE=10**9,
    )
    site = create_site(env)
    server = start_server(env, folder / "battery.log", options.workers)
    try:
        target = prepare(server, site, options.seed)
        attacks = Builder(target, options.seed).all()
        start = time.monotonic()
        rows, findings = run_battery(target, attacks)
        seconds = time.monotonic() - start
        after = aftermath(server, target)
    finally:
        server.stop()
    print_battery(rows, seconds)
    print_findings(findings)
    for line in after:
        print(f"  FINDING after the battery: {line}")
    return not findings and not after


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="swk-attack-"))
    kind = "PostgreSQL" if options.postgres else "SQLite"
    print(f"Social Widget Kit - attack battery (seed {options.seed}, {kind})\n", flush=True)
    try:
        with database(options.postgres, "battery") as url:
            ok = battery(options, folder, url)
        if options.growth_seconds > 0:
            with database(options.postgres, "growth") as url:
                grow(folder / "growth", url, options.growth_seconds, options.workers)
    except BenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("\nPASS: no 5xx, no hang, every answer right" if ok else "\nFAIL: see the findings")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
