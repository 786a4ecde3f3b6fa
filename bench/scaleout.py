"""Scale-out benchmark: one server direct against two servers behind nginx, on one PostgreSQL.

Creates a throwaway database on the PostgreSQL server of ``--postgres`` (default: the one
``make test`` uses), sets it up through the CLI, and starts two ``widgetserver serve``
processes (sync workers, instance folders of their own, one ``WIDGETSERVER_SECRET_KEY``,
``WIDGETSERVER_TRUSTED_PROXIES=1``) and two nginx processes running the shipped configuration
over TLS as ``tests/deploy/`` does: one with server A alone in its upstream block, one with A
and B. Then it drives the single-event and the 50-event scenarios of ``loadgen.py`` with
``wrk`` in alternating rounds along three paths - server A direct, A behind nginx, A and B
behind nginx - and prints events/s and the 99th percentile per scenario and path, medians
across rounds, with their ratios to the direct path. Afterwards the rows of ``events`` are
counted against the events the servers said they accepted.

    .venv/bin/python bench/scaleout.py [--duration 5] [--rounds 3] [--connections 16]

It needs ``wrk``, nginx (``/usr/sbin/nginx``) and a PostgreSQL server that lets the given user
create databases (``scripts/test-services.sh`` provides both).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ingest import cli_path, create_site, register_codes
from loadgen import BY_KEY, Load, Run, write_scripts
from report import fmt_int, fmt_ms, run_line
from servers import BenchError, Server, free_port, running
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deploy.servers import nginx  # noqa: E402 - the same set-up as the tests
from widgetserver.core.db import normalise_url  # noqa: E402
from widgetserver.models import Event  # noqa: E402

SCENARIOS = (BY_KEY["single"], BY_KEY["batch"])
PATHS = ("1 direct", "1 + nginx", "2 + nginx")
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class Target:
    """What wrk drives: a URL, and the CPU time of the servers behind it."""

    def __init__(self, url: str, servers: list[Server]) -> None:
        self.url = url
        self._servers = servers

    def cpu_seconds(self) -> float | None:
        seconds = [server.cpu_seconds() for server in self._servers]
        return None if None in seconds else sum(s for s in seconds if s is not None)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run [5]")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario and path [3]")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections [16]")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads [2]")
    parser.add_argument("--workers", type=int, default=2, help="workers per server [2]")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("WIDGETSERVER_TEST_POSTGRES_URL", POSTGRES_DEFAULT),
        help="PostgreSQL URL of a user who may create databases "
        "[$WIDGETSERVER_TEST_POSTGRES_URL or postgres@127.0.0.1:5432]",
    )
    parser.add_argument("--quick", action="store_true", help="one round of 1 s")
    options = parser.parse_args(argv)
    if options.quick:
        options.duration, options.rounds = 1, 1
    return options


@contextlib.contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A fresh database for the run, dropped afterwards; its URL."""
    name = f"swk_bench_{os.getpid()}"
    admin = create_engine(
        normalise_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise BenchError(f"cannot create a database with {admin_url}: {exc}") from None
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def event_rows(url: str) -> int:
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Event)) or 0)
    finally:
        engine.dispose()


def bench(options: argparse.Namespace, tmp: Path, url: str) -> tuple[list[tuple[str, Run]], int]:
    common = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
    common |= {
        "WIDGETSERVER_DATABASE_URL": url,
        "WIDGETSERVER_SECRET_KEY": secrets.token_urlsafe(32),
        "WIDGETSERVER_TRUSTED_PROXIES": "1",
        # All load comes from one address: every request is counted, none refused.
        "WIDGETSERVER_EVENTS_LIMIT_CLIENT": str(10**9),
        "WIDGETSERVER_EVENTS_LIMIT_SITE": str(10**9),
    }
    pair = []
    for name in ("a", "b"):
        env = {**common, "WIDGETSERVER_INSTANCE_PATH": str(tmp / name)}
        port = free_port()
        command = [str(cli_path()), "serve", "--port", str(port), "--workers", str(options.workers)]
        pair.append(Server(f"server {name}", command, env, tmp / f"{name}.log"))
    a, b = pair
    site_key = create_site({**common, "WIDGETSERVER_INSTANCE_PATH": str(tmp / "a")})
    scripts = write_scripts(tmp, site_key)
    load = Load(options.wrk, options.wrk_threads, options.connections)
    tags = (f"s{i:03d}t" for i in range(1, 1000))
    runs: list[tuple[str, Run]] = []
    for folder in ("nginx-1", "nginx-2"):
        (tmp / folder).mkdir()
    with running(a, b):
        a.wait_ready(options.workers)
        b.wait_ready(options.workers)
        registered = register_codes(a.url, site_key)
        with nginx(tmp / "nginx-1", a.port) as one, nginx(tmp / "nginx-2", a.port, b.port) as two:
            targets = {
                PATHS[0]: Target(a.url, [a]),
                PATHS[1]: Target(one.url, [a]),
                PATHS[2]: Target(two.url, [a, b]),
            }
            runs = load.alternate(
                SCENARIOS,
                scripts,
                targets,
                rounds=options.rounds,
                duration=options.duration,
                tags=tags,
                ended=lambda run, label: run_line(run, label, sys.stdout),
            )
    return runs, registered


def print_table(runs: list[tuple[str, Run]]) -> None:
    print(
        f"\n  {'scenario':<17}{'path':<11}{'events/s':>10}{'ratio':>7}{'p99 ms':>9}{'ratio':>7}"
        f"{'errors':>8}"
    )
    for scenario in SCENARIOS:
        base: tuple[float, float] | None = None
        for path in PATHS:
            mine = [run for p, run in runs if p == path and run.scenario == scenario.key]
            events = statistics.median(run.events_per_s for run in mine)
            p99 = statistics.median(run.p99_ms for run in mine)
            errors = sum(run.errors for run in mine)
            base = base or (events, p99)
            print(
                f"  {scenario.label:<17}{path:<11}{fmt_int(events):>10}"
                f"{events / base[0]:>6.2f}x{fmt_ms(p99):>9}{p99 / base[1]:>6.2f}x{errors:>8}"
            )


def check_rows(
    options: argparse.Namespace, runs: list[tuple[str, Run]], registered: int, rows: int
) -> bool:
    """Every accepted event stored, and no more than wrk's requests in flight at its end."""
    accepted = registered + sum(run.accepted for _, run in runs)
    # wrk stops with a request on each connection: stored, but their answers never counted.
    in_flight = sum(
        options.connections * BY_KEY[run.scenario].events_per_request for _, run in runs
    )
    ok = accepted <= rows <= accepted + in_flight
    print(
        f"\n  events: {accepted:,} accepted, {rows:,} stored, at most {in_flight:,} more in "
        f"flight when wrk stopped: {'OK' if ok else 'MISMATCH'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.wrk = shutil.which("wrk")
    if not options.wrk:
        print("ERROR: wrk is not installed (Debian and Ubuntu: apt-get install wrk)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="swk-bench-scaleout-"))
    try:
        with database(options.postgres) as url:
            runs, registered = bench(options, tmp, url)
            print_table(runs)
            if not check_rows(options, runs, registered, event_rows(url)):
                return 1
    except BenchError as exc:
        print(f"ERROR: {exc}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
