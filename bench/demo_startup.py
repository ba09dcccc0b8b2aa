"""Time from `psadmin demo --serve` to its DATABASE_URL/REDIS_URL lines, against the 60 s target.

    python -m bench.demo_startup [--runs 3] [--scripts 3000] [--users 500]

Each run starts the whole demo (servers, schema, COPY load, embeddings, HNSW build, churn
replay, cache warm-up) and stops it with SIGTERM once the URLs are printed.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time

from bench.stats import summarize

TARGET_S = 60.0


def one_run(scripts: int, users: int) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "psadmin",
            "demo",
            "--serve",
            "--no-workload",
            "--scripts",
            str(scripts),
            "--users",
            str(users),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    seen: set[str] = set()
    try:
        for line in proc.stdout:
            seen.add(line.split("=", 1)[0])
            if {"DATABASE_URL", "REDIS_URL"} <= seen:
                return time.perf_counter() - started
        raise RuntimeError(f"demo exited with {proc.wait()} before printing its URLs")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scripts", type=int, default=3000)
    parser.add_argument("--users", type=int, default=500)
    args = parser.parse_args()
    times = [one_run(args.scripts, args.users) for _ in range(args.runs)]
    summary = summarize(times)
    print(summary.row(f"demo ready, {args.scripts} scripts"))
    print(f"{'ratio to the 60 s target':<34} {summary.median / TARGET_S:.2f}x (target <= 1.0x)")
    print(f"{'scripts per second, end to end':<34} {args.scripts / summary.median:,.0f}")
    print(
        json.dumps(
            {
                "scripts": args.scripts,
                "times_s": times,
                "median_s": summary.median,
                "ratio_to_target": summary.median / TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
