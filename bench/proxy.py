"""Proxy benchmark: ``POST /v1/events`` through nginx (docs/nginx/) against the server direct.

Starts one ``widgetserver serve`` (sync workers, SQLite in a temporary instance folder,
``WIDGETSERVER_TRUSTED_PROXIES=1``) and Debian's nginx in front of it, running the shipped
configuration over TLS as ``tests/deploy/test_proxy.py`` does, then drives the single-event and
the 50-event scenarios of ``loadgen.py`` with ``wrk`` in alternating rounds, direct and through
nginx. Prints events/s and the 99th percentile per scenario and path, medians across rounds.

    .venv/bin/python bench/proxy.py [--duration 5] [--rounds 3] [--connections 16]

It needs ``wrk`` and nginx (``/usr/sbin/nginx``; ``scripts/test-services.sh`` installs it).
The CPU columns count the server's processes only, not nginx's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from ingest import cli_path, create_site, register_codes
from loadgen import BY_KEY, Load, Run, write_scripts
from report import fmt_int, fmt_ms, run_line
from servers import BenchError, Server, free_port, running

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deploy.servers import nginx  # noqa: E402 - the same set-up as the test

SCENARIOS = (BY_KEY["single"], BY_KEY["batch"])


class Through:
    """The server as wrk reaches it through nginx (the CPU counted is still the server's)."""

    def __init__(self, url: str, server: Server) -> None:
        self.url = url
        self._server = server

    def cpu_seconds(self) -> float | None:
        return self._server.cpu_seconds()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run [5]")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario and path [3]")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections [16]")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads [2]")
    parser.add_argument("--workers", type=int, default=2, help="server workers [2]")
    parser.add_argument("--quick", action="store_true", help="one round of 1 s")
    options = parser.parse_args(argv)
    if options.quick:
        options.duration, options.rounds = 1, 1
    return options


def bench(options: argparse.Namespace, tmp: Path) -> list[tuple[str, Run]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGETSERVER_")}
    env["WIDGETSERVER_INSTANCE_PATH"] = str(tmp / "instance")
    env["WIDGETSERVER_TRUSTED_PROXIES"] = "1"
    # All load comes from one address: every request is counted, none refused.
    env["WIDGETSERVER_EVENTS_LIMIT_CLIENT"] = env["WIDGETSERVER_EVENTS_LIMIT_SITE"] = str(10**12)
    site_key = create_site(env)
    port = free_port()
    command = [str(cli_path()), "serve", "--port", str(port), "--workers", str(options.workers)]
    server = Server("widgetserver serve", command, env, tmp / "widgetserver.log")
    scripts = write_scripts(tmp, site_key)
    load = Load(options.wrk, options.wrk_threads, options.connections)
    tags = (f"p{i:03d}t" for i in range(1, 1000))
    (tmp / "nginx").mkdir()
    with running(server):
        server.wait_ready(options.workers)
        register_codes(server.url, site_key)
        with nginx(tmp / "nginx", port) as proxy:
            targets = {"direct": server, "nginx": Through(proxy.url, server)}
            runs = load.alternate(
                SCENARIOS,
                scripts,
                targets,
                rounds=options.rounds,
                duration=options.duration,
                tags=tags,
                ended=lambda run, label: run_line(run, label, sys.stdout),
            )
    return runs


def print_table(runs: list[tuple[str, Run]]) -> None:
    print(f"\n  {'scenario':<19}{'path':<8}{'events/s':>10}{'p99 ms':>9}{'errors':>8}")
    for scenario in SCENARIOS:
        for path in ("direct", "nginx"):
            mine = [run for p, run in runs if p == path and run.scenario == scenario.key]
            events = statistics.median(run.events_per_s for run in mine)
            p99 = statistics.median(run.p99_ms for run in mine)
            errors = sum(run.errors for run in mine)
            print(
                f"  {scenario.label:<19}{path:<8}{fmt_int(events):>10}{fmt_ms(p99):>9}{errors:>8}"
            )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.wrk = shutil.which("wrk")
    if not options.wrk:
        print("ERROR: wrk is not installed (Debian and Ubuntu: apt-get install wrk)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="swk-bench-proxy-"))
    try:
        print_table(bench(options, tmp))
    except BenchError as exc:
        print(f"ERROR: {exc}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
