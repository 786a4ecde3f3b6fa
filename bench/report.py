"""Medians across rounds, the goals, and the printed report."""

from __future__ import annotations

import statistics
from typing import Any, TextIO

from loadgen import BY_KEY, SCENARIOS, Run

GOAL_RATIO = 0.60
GOAL_P99_MS = 50.0
GOAL_BATCH_EVENTS = 20_000
#: Cores other processes may use before the report calls the machine busy.
NOISY_CORES = 0.2


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def fmt_int(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def fmt_pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


def fmt_cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def run_line(run: Run, label: str, out: TextIO) -> None:
    """One line per run, printed as soon as it is done."""
    print(
        f"  {label:<8} {BY_KEY[run.scenario].label:<19}"
        f"{fmt_int(run.rps):>6} req/s{fmt_int(run.events_per_s):>7} ev/s"
        f"  p50{fmt_ms(run.p50_ms):>6}  p99{fmt_ms(run.p99_ms):>7} ms  err {run.errors}"
        f"  CPU {fmt_cpu(run.cpu_ms_per_request)} ms/req"
        f"  cores: server {fmt_cpu(run.cores(run.server_cpu_s))}"
        f" wrk {fmt_cpu(run.cores(run.wrk_cpu_s))}"
        f" others {fmt_cpu(run.cores(run.other_cpu_s))}",
        file=out,
        flush=True,
    )


def summarise(runs: list[Run]) -> dict[str, dict[str, Any]]:
    """Medians of the measured rounds per scenario (warm-ups are left out)."""
    measured = [r for r in runs if r.round > 0]
    bare = {r.round: r for r in measured if r.scenario == "bare"}
    result: dict[str, dict[str, Any]] = {}
    for scenario in SCENARIOS:
        mine = [r for r in measured if r.scenario == scenario.key]
        ratios = [r.rps / bare[r.round].rps for r in mine if r.round in bare]
        result[scenario.key] = {
            "label": scenario.label,
            "events_per_request": scenario.events_per_request,
            "requests_per_s": median([r.rps for r in mine]),
            "events_per_s": median([r.events_per_s for r in mine]),
            "p50_ms": median([r.p50_ms for r in mine]),
            "p99_ms": median([r.p99_ms for r in mine]),
            "errors": sum(r.errors for r in mine),
            "rejected": sum(r.rejected for r in mine) if scenario.target == "widget" else 0,
            "ratio_to_bare": median(ratios),
            "server_cpu_ms_per_request": median([r.cpu_ms_per_request for r in mine]),
            "server_cores": median([r.cores(r.server_cpu_s) for r in mine]),
            "rounds": [r.summary() for r in mine],
        }
    return result


def goals(
    summary: dict[str, dict[str, Any]], runs: list[Run], connections: int
) -> list[dict[str, Any]]:
    single, batch, bare = summary["single"], summary["batch"], summary["bare"]
    errors = sum(r.errors for r in runs if r.round > 0)
    ratio, p99, eps = single["ratio_to_bare"], single["p99_ms"], batch["events_per_s"]
    return [
        {
            "goal": f"single-event ingest >= {100 * GOAL_RATIO:.0f} % of the bare-Flask ceiling",
            "value": f"{fmt_pct(ratio)} ({fmt_int(single['requests_per_s'])} of "
            f"{fmt_int(bare['requests_per_s'])} req/s)",
            "passed": ratio is not None and ratio >= GOAL_RATIO,
        },
        {
            "goal": f"single-event p99 < {GOAL_P99_MS:.0f} ms at {connections} connections",
            "value": f"{fmt_ms(p99)} ms",
            "passed": p99 is not None and p99 < GOAL_P99_MS,
        },
        {
            "goal": f"batched ingest >= {GOAL_BATCH_EVENTS:,} events/s",
            "value": f"{fmt_int(eps)} events/s",
            "passed": eps is not None and eps >= GOAL_BATCH_EVENTS,
        },
        {
            "goal": "no socket errors or non-2xx answers in the measured rounds",
            "value": f"{errors:,}",
            "passed": errors == 0,
        },
    ]


def other_cores(runs: list[Run]) -> float | None:
    return median([r.cores(r.other_cpu_s) for r in runs if r.round > 0])


def print_table(summary: dict[str, dict[str, Any]], out: TextIO) -> None:
    header = (
        f"  {'scenario':<20}{'req/s':>9}{'events/s':>11}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'vs bare':>9}{'CPU ms/req':>12}{'cores':>7}"
    )
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)
    for scenario in SCENARIOS:
        row = summary[scenario.key]
        print(
            f"  {row['label']:<20}{fmt_int(row['requests_per_s']):>9}"
            f"{fmt_int(row['events_per_s']):>11}{fmt_ms(row['p50_ms']):>9}"
            f"{fmt_ms(row['p99_ms']):>9}{row['errors']:>8,}{fmt_pct(row['ratio_to_bare']):>9}"
            f"{fmt_cpu(row['server_cpu_ms_per_request']):>12}{fmt_cpu(row['server_cores']):>7}",
            file=out,
        )


def print_checks(
    checks: list[dict[str, Any]],
    summary: dict[str, dict[str, Any]],
    others: float | None,
    cpus: int | None,
    out: TextIO,
) -> None:
    for check in checks:
        verdict = "PASS" if check["passed"] else "FAIL"
        print(f"  {verdict}  {check['goal']}: {check['value']}", file=out)
    if others is not None:
        busy = others > NOISY_CORES
        print(
            f"  {'NOTE' if busy else 'noise'}  other processes used {others:.2f} of {cpus} cores "
            "meanwhile (median over the measured runs)"
            + ("; figures are lower and noisier than on a quiet machine" if busy else ""),
            file=out,
        )
    rejected = sum(row["rejected"] for row in summary.values())
    if rejected:
        print(f"  NOTE  the widget server rejected {rejected:,} events", file=out)


def print_database(database: dict[str, Any], out: TextIO) -> None:
    by_type = ", ".join(f"{k} {v:,}" for k, v in sorted(database["events_by_type"].items()))
    print(
        f"  database  {database['events']:,} events stored ({by_type}); "
        f"{database['accepted']:,} accepted in 2xx answers (setup {database['accepted_setup']:,}, "
        f"warm-up and rounds {database['accepted'] - database['accepted_setup']:,})",
        file=out,
    )
    if database["drops"]:
        print(f"            refused or rejected, by reason: {database['drops']}", file=out)
    verdict = "PASS" if database["passed"] else "FAIL"
    print(
        f"  {verdict}  every accepted event stored, none twice: {database['surplus']:,} more "
        f"than accepted (requests in flight when wrk stopped; at most "
        f"{database['surplus_bound']:,})",
        file=out,
    )
