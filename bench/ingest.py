"""Ingest benchmark: how many browser events the production server records, and how fast.

Starts ``widgetserver serve`` (gunicorn, 2 workers, SQLite in a temporary instance folder) and,
beside it, a bare Flask endpoint served the same way (``bench/bare_app.py``) as the ceiling, then
drives both with ``wrk`` in alternating rounds:

* ``bare``   - the bare endpoint, with the single-event body;
* ``single`` - ``POST /v1/events`` with one ``visit`` to a registered code;
* ``batch``  - ``POST /v1/events`` with 50 events: 10 ``share`` events with fresh codes and
  40 ``visit`` events to registered codes.

Requests look like a browser's: the shop's ``Origin``, a desktop Chrome ``User-Agent`` and a
``text/plain`` body. Medians across rounds are reported, with the goals:

* single-event ingest reaches at least 60 % of the bare ceiling's requests per second, with a
  99th percentile latency under 50 ms at 32 connections;
* batched ingest records at least 20,000 events per second.

Afterwards the database must hold every event the server accepted. The exit status is 1 only
when that check fails or a server cannot be started; missed goals are printed as FAIL lines.

    .venv/bin/python bench/ingest.py [--duration 10] [--rounds 3] [--quick] [--json PATH]

Beside this file: ``servers.py`` starts and stops the servers and reads their CPU time,
``loadgen.py`` holds the scenarios and the wrk scripts, ``report.py`` the medians and goals.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from loadgen import (
    BODY_TYPE,
    BY_KEY,
    EVENTS_PATH,
    KNOWN_CODES,
    ORIGIN,
    SCENARIOS,
    SHARE_CHANNELS,
    Load,
    Run,
    compact,
    write_scripts,
    wrk_version,
)
from report import (
    goals,
    other_cores,
    print_checks,
    print_database,
    print_table,
    run_line,
    summarise,
)
from servers import HOST, BenchError, Server, free_port, running

BENCH_DIR = Path(__file__).resolve().parent
SETTINGS = ("duration", "rounds", "warmup", "connections", "wrk_threads", "workers", "threads")
OWNER = "bench@example.com"
#: The customer who shared the registered links: another browser, so visits are not self-visits.
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


# --- setup ------------------------------------------------------------------------------------


def cli_path() -> Path:
    path = Path(sys.executable).parent / "widgetserver"
    if not path.exists():
        raise BenchError(f"{path.name} is not installed next to {Path(sys.executable).name}")
    return path


def cli_json(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [str(cli_path()), *args, "--json"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"widgetserver {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout)


def default_threads() -> int:
    """The threads per worker ``widgetserver serve`` uses when not told otherwise."""
    from widgetserver.core import serve

    for param in serve.command.params:
        if param.name == "threads" and isinstance(param.default, int):
            return param.default
    raise BenchError("cannot read the default of `widgetserver serve --threads`; pass --threads")


def post_events(url: str, site_key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    request = urllib.request.Request(
        url + EVENTS_PATH,
        data=compact({"site": site_key, "events": events}).encode(),
        method="POST",
        headers={"Origin": ORIGIN, "User-Agent": FIREFOX, "Content-Type": BODY_TYPE},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def register_codes(url: str, site_key: str) -> int:
    """Share the links the load visits; returns the number of events the server accepted."""
    shares = [
        {
            "type": "share",
            "code": code,
            "channel": SHARE_CHANNELS[i % len(SHARE_CHANNELS)],
            "url": f"{ORIGIN}/p/{i + 1}",
        }
        for i, code in enumerate(KNOWN_CODES)
    ]
    try:
        answer = post_events(url, site_key, shares)
    except urllib.error.HTTPError as exc:
        raise BenchError(f"registering the codes failed: {exc.code} {exc.read()!r}") from None
    if answer.get("accepted") != len(shares):
        raise BenchError(f"registering the codes failed: {answer}")
    return int(answer["accepted"])


# --- database -------------------------------------------------------------------------------


def database_file(instance: Path) -> Path:
    default = instance / "widgetserver.sqlite3"
    if default.exists():
        return default
    found = sorted(instance.glob("*.sqlite3"))
    if not found:
        raise BenchError(f"no SQLite database in the instance folder {instance}")
    return found[0]


def read_database(path: Path) -> dict[str, Any]:
    uri = f"{path.as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        by_type = dict(conn.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall())
        drops = dict(
            conn.execute("SELECT reason, sum(count) FROM ingest_drops GROUP BY reason").fetchall()
        )
    return {"events": events, "events_by_type": by_type, "drops": drops}


def check_database(
    path: Path, setup_accepted: int, runs: list[Run], connections: int
) -> dict[str, Any]:
    widget_runs = [r for r in runs if r.scenario != "bare"]
    accepted = setup_accepted + sum(r.accepted for r in widget_runs)
    in_flight = sum(connections * BY_KEY[r.scenario].events_per_request for r in widget_runs)
    stored = read_database(path)
    surplus = stored["events"] - accepted
    return {
        **stored,
        "accepted": accepted,
        "accepted_setup": setup_accepted,
        "surplus": surplus,
        "surplus_bound": in_flight,
        # Nothing lost, and nothing counted twice: at most the requests in flight at the end.
        "passed": 0 <= surplus <= in_flight,
    }


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure event ingest of `widgetserver serve` against a bare Flask ceiling."
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all scenarios (3)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target (2)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: one round of 1 s, no warm-up"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: serve's default)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (database, logs, scripts)"
    )
    options = parser.parse_args(argv)
    if options.quick:
        options.duration, options.rounds, options.warmup = 1, 1, 0
    if min(options.duration, options.rounds, options.connections, options.workers) < 1:
        parser.error("--duration, --rounds, --connections and --workers must be at least 1")
    options.wrk = shutil.which("wrk")
    return options


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def environment(options: argparse.Namespace) -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": version("sqlalchemy"),
        "flask": version("flask"),
        "gunicorn": version("gunicorn"),
        "widgetserver": version("social-widget-kit"),
        "wrk": wrk_version(options.wrk),
    }


def create_site(env: dict[str, str]) -> str:
    """Set the instance up through the CLI, as an operator would; returns the site's key."""
    cli_json(env, "db", "upgrade")
    cli_json(env, "owners", "create", OWNER)
    site = cli_json(env, "sites", "create", "--owner", OWNER, "--name", "Bench", "--origin", ORIGIN)
    return str(site["public_key"])


def print_header(
    facts: dict[str, Any], options: argparse.Namespace, servers: dict[str, Server], out: TextIO
) -> None:
    widget = servers["widget"]
    classes = {key: s.worker_class() for key, s in servers.items()}
    print("Social Widget Kit - ingest benchmark", file=out)
    print(
        f"  machine   {facts['cpus']} CPUs ({facts['cpus_usable']} usable), load average "
        f"{' '.join(str(x) for x in facts['load_average'])}, {facts['platform']}",
        file=out,
    )
    print(
        f"  software  Python {facts['python']}, SQLite {facts['sqlite']}, SQLAlchemy "
        f"{facts['sqlalchemy']}, Flask {facts['flask']}, gunicorn {facts['gunicorn']}, "
        f"{facts['wrk']}",
        file=out,
    )
    print(
        f"  servers   gunicorn --workers {options.workers} --threads {options.threads}, worker "
        f"class {classes['widget']} (bare: {classes['bare']}); the widget server on SQLite",
        file=out,
    )
    print(
        f"            widget server pids: master {widget.proc.pid if widget.proc else '-'}, "
        f"workers {' '.join(map(str, widget.worker_pids())) or '-'}",
        file=out,
    )
    if classes["widget"] != classes["bare"]:
        print("  WARNING   the two servers use different worker classes", file=out)
    warmup = f" after a {options.warmup} s warm-up per target" if options.warmup else ""
    print(
        f"  load      wrk -t{options.wrk_threads} -c{options.connections} --latency, "
        f"{options.rounds} round(s) of {options.duration} s per scenario{warmup}; "
        "medians across rounds\n",
        file=out,
        flush=True,
    )
    facts["worker_class"] = classes


def measure(
    options: argparse.Namespace, servers: dict[str, Server], scripts: dict[str, Path], out: TextIO
) -> list[Run]:
    """Warm every scenario up, then run the scenarios in alternating rounds."""
    load = Load(options.wrk, options.wrk_threads, options.connections)
    tags = (f"b{i:03d}t" for i in range(1, 1000))  # share codes stay unique across runs
    plan = [(0, options.warmup)] if options.warmup else []
    plan += [(round_, options.duration) for round_ in range(1, options.rounds + 1)]
    runs = []
    for round_, duration in plan:
        for scenario in SCENARIOS:
            run = load.run(
                scenario,
                scripts[scenario.key],
                servers[scenario.target],
                round_=round_,
                duration=duration,
                tag=next(tags),
            )
            runs.append(run)
            run_line(run, f"round {round_}" if round_ else "warm-up", out)
            time.sleep(0.5)  # let requests in flight drain before the next run
    return runs


def bench(options: argparse.Namespace, tmp: Path, out: TextIO) -> tuple[dict[str, Any], bool]:
    instance = tmp / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
    env["WIDGETSERVER_INSTANCE_PATH"] = str(instance)
    # All load comes from one address: limits far above it, so that every request is counted
    # under both rate limits (their cost is measured) and none is refused.
    env["WIDGETSERVER_EVENTS_LIMIT_CLIENT"] = env["WIDGETSERVER_EVENTS_LIMIT_SITE"] = str(10**12)
    site_key = create_site(env)

    options.threads = options.threads or default_threads()
    flags = ["--host", HOST, "--workers", str(options.workers), "--threads", str(options.threads)]
    servers = {
        "widget": Server(
            "widgetserver serve",
            [str(cli_path()), "serve", "--port", str(free_port()), *flags],
            env,
            tmp / "widgetserver.log",
        ),
        "bare": Server(
            "the bare Flask ceiling",
            [sys.executable, str(BENCH_DIR / "bare_app.py"), "--port", str(free_port()), *flags],
            env,
            tmp / "bare.log",
        ),
    }
    scripts = write_scripts(tmp, site_key)
    facts = environment(options)

    with running(*servers.values()):
        for server in servers.values():
            server.wait_ready(options.workers)
        print_header(facts, options, servers, out)
        setup_accepted = register_codes(servers["widget"].url, site_key)
        runs = measure(options, servers, scripts, out)
        # A graceful stop lets the requests still in flight finish before the database is read.
        for server in servers.values():
            server.stop()

    summary = summarise(runs)
    checks = goals(summary, runs, options.connections)
    others = other_cores(runs)
    database = check_database(database_file(instance), setup_accepted, runs, options.connections)
    print(file=out)
    print_table(summary, out)
    print(file=out)
    print_checks(checks, summary, others, facts["cpus"], out)
    print(file=out)
    print_database(database, out)

    results = {
        "environment": facts,
        "settings": {key: getattr(options, key) for key in SETTINGS},
        "scenarios": summary,
        "warmup": [r.summary() for r in runs if r.round == 0],
        "other_processes_cores": others,
        "goals": checks,
        "database": database,
    }
    return results, database["passed"]


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    out = sys.stdout
    if not options.wrk:
        print("ERROR: wrk is not installed (Debian and Ubuntu: apt-get install wrk)", file=out)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="swk-bench-"))
    try:
        results, passed = bench(options, tmp, out)
    except BenchError as exc:
        print(f"ERROR: {exc}", file=out)
        return 1
    finally:
        if options.keep:
            print(f"\n  kept      {tmp}", file=out)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"  results   {options.json}", file=out)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
