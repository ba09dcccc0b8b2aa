"""``python -m bench``: every measurement of issue #11 in one run, side by side, as ratios.

    python -m bench [--quick] [--only NAME ...] [--json PATH] [--vector-json PATH]

Starts its own embedded PostgreSQL 18 + Redis (stopped at the end), builds the data each
measurement needs, runs each a number of times and prints one table — median, p95, spread,
the peer's median, the ratio, the target and whether it was met — and writes the same as
JSON (default bench/results/bench-YYYYmmdd-HHMMSS.json). A failing measurement gets its own
FAILED row; the others still run. ``--quick``: small sizes and few runs (a smoke check of a
few minutes); the default: the issue's sizes. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bloat_error, cold_start, demo_seed, screens_refresh, steady_state, wired
from bench.runner import Row, results_json, run_isolated, table_lines
from bench.stack import BenchStack, say

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Sizes:
    runs: int
    """Repetitions of the cheap measurements (cold start, seeding...)."""
    demo_scripts: int
    demo_users: int
    demo_runs: int
    big_demo_scripts: int | None
    """A second time-to-ready at this size (100,000 in the full run), one run."""
    steady_windows: int
    steady_window_s: float
    steady_warmup_s: float
    pgbench_scale: int
    tables: int
    table_runs: int
    audit_runs: int
    screen_windows: int
    screen_window_s: float
    screen_warmup_s: float
    bloat_builds: int
    bloat_rows: int
    paging_scripts: int
    paging_far_page: int
    paging_runs: int
    """Of page 1 and of the far page."""
    paging_offset_runs: int
    vector_args: tuple[str, ...]


FULL = Sizes(
    runs=7,
    demo_scripts=3000,
    demo_users=500,
    demo_runs=3,
    big_demo_scripts=100_000,
    steady_windows=4,
    steady_window_s=30.0,
    steady_warmup_s=12.0,
    pgbench_scale=10,
    tables=2000,
    table_runs=50,
    audit_runs=15,
    screen_windows=2,
    screen_window_s=20.0,
    screen_warmup_s=6.0,
    bloat_builds=3,
    bloat_rows=40_000,
    paging_scripts=1_000_000,
    paging_far_page=10_000,
    paging_runs=30,
    paging_offset_runs=10,
    vector_args=(),
)
QUICK = Sizes(
    runs=2,
    demo_scripts=300,
    demo_users=50,
    demo_runs=1,
    big_demo_scripts=None,
    steady_windows=2,
    steady_window_s=10.0,
    steady_warmup_s=6.0,
    pgbench_scale=2,
    tables=200,
    table_runs=10,
    audit_runs=5,
    screen_windows=2,
    screen_window_s=4.0,
    screen_warmup_s=3.0,
    bloat_builds=1,
    bloat_rows=8_000,
    paging_scripts=5_000,
    paging_far_page=100,
    paging_runs=5,
    paging_offset_runs=2,
    vector_args=("--scripts", "2000", "--queries", "20", "--recall-queries", "10"),
)


def measurements(
    stack: BenchStack, sizes: Sizes, args: argparse.Namespace
) -> dict[str, Callable[[], list[Row]]]:
    """Name -> measurement, in the order they run (the costliest last)."""
    s = sizes

    def ready() -> list[Row]:
        rows = demo_seed.demo_ready(s.demo_runs, s.demo_scripts, s.demo_users)
        if s.big_demo_scripts:
            rows += demo_seed.demo_ready(1, s.big_demo_scripts, s.demo_users, judged=False)
        return rows

    log = Path(args.json).with_suffix(".vector_search.log")
    return {
        "cold_start": lambda: cold_start.cold_start(stack, s.runs, s.pgbench_scale),
        "steady_state": lambda: steady_state.steady_state(
            stack, s.steady_windows, s.steady_window_s, s.steady_warmup_s, s.pgbench_scale
        ),
        "tables_refresh": lambda: wired.tables_screen(stack, s.tables, s.table_runs),
        "index_audit": lambda: wired.audit(stack, s.tables, s.audit_runs),
        "screens_refresh": lambda: screens_refresh.screens_refresh(
            stack, s.tables, s.screen_windows, s.screen_window_s, s.screen_warmup_s
        ),
        "bloat_error": lambda: bloat_error.bloat_error(stack, s.bloat_builds, s.bloat_rows),
        "paging": lambda: wired.keyset_paging(
            stack, s.paging_scripts, s.paging_far_page, s.paging_runs, s.paging_offset_runs
        ),
        "demo_seed": lambda: demo_seed.demo_seed(stack, s.runs, s.demo_scripts, s.demo_users),
        "demo_ready": ready,
        "vector_search": lambda: wired.vector_search(list(s.vector_args), args.vector_json, log),
    }


NAMES = (
    "cold_start",
    "steady_state",
    "tables_refresh",
    "index_audit",
    "screens_refresh",
    "bloat_error",
    "paging",
    "demo_seed",
    "demo_ready",
    "vector_search",
)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME",
                        help=f"run only these: {', '.join(NAMES)}")  # fmt: skip
    parser.add_argument("--json", type=Path, help="result file (default bench/results/...)")
    parser.add_argument(
        "--vector-json",
        type=Path,
        help="read this bench.vector_search result instead of running it (it is long)",
    )
    return parser.parse_args(argv)


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    if done.returncode != 0:
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    names = [n for n in NAMES if not args.only or n in args.only]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out: Path = args.json or RESULTS / f"bench-{stamp}{'-quick' if args.quick else ''}.json"
    args.json = out
    context: dict[str, Any] = {
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": "quick" if args.quick else "full",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": load_average(),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "pg_activity": _version([str(Path(sys.executable).parent / "pg_activity"), "--version"]),
        "psadmin_commit": _version(["git", "-C", str(Path(__file__).parent), "rev-parse", "HEAD"]),
        "psadmin_uncommitted_changes": _version(
            ["git", "-C", str(Path(__file__).parent), "status", "--porcelain"]
        )
        not in ("", "?"),
        "sizes": asdict(sizes),
        "measurements": names,
    }
    rows: list[Row] = []
    timings: dict[str, float] = {}
    with BenchStack() as stack:
        context["postgresql"] = stack.version()
        registry = measurements(stack, sizes, args)
        for name in names:
            say(f"== {name} (load average {load_average()})")
            started = time.perf_counter()
            new_rows = run_isolated(name, registry[name])
            timings[name] = round(time.perf_counter() - started, 1)
            for row in new_rows:
                if row.error:
                    say(f"{name}: FAILED: {row.error}")
            rows += new_rows
    context["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    context["load_average_at_end"] = load_average()
    context["seconds_per_measurement"] = timings
    lines = table_lines(rows)
    print(
        f"psadmin bench ({context['mode']}), PostgreSQL {context['postgresql']}, "
        f"{context['pg_activity']}, {context['cpus']} CPUs, load average "
        f"{context['load_average_at_start']} at start, {context['load_average_at_end']} at end"
    )
    print("\n".join(lines))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results_json(rows, context), indent=2) + "\n")
    print(f"written {out}")
    return 1 if any(row.error for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
