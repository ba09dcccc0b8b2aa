"""Connections screen vs pg_activity: server time per refresh and client CPU, side by side.

    python -m bench.connections_refresh [--windows 4] [--window-s 30] [--server 15|18]

One run starts a throwaway PostgreSQL (pg_stat_statements preloaded), puts a rate-limited
pgbench load on it, and runs both monitors at the same time, each in its own tmux window of
the same size at a 2 s refresh: pg_activity (PyPI) with its defaults, and the real psadmin TUI
switched to the Connections screen. Each connects as its own superuser role, so
pg_stat_statements tells their server time apart (psadmin's statements also carry
``/* psadmin:name */`` tags, broken down below). Client CPU is utime+stime of each process,
from /proc. Both are measured over the same windows; medians, p95 and spread are printed with
the two ratios against the issue's targets (server time <= 0.25x, client CPU <= 1.0x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.stats import summarize
from psadmin.demo.servers import DEBIAN_PG15_BIN, PostgresCluster, embedded_bin_dir

REFRESH_S = 2.0
SIZE = ("140", "40")
TARGET_SERVER, TARGET_CPU = 0.25, 1.0
ROLES = {"psadmin": "bench_psadmin", "pg_activity": "bench_pgactivity"}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Reading:
    at: float
    cpu_s: dict[str, float]
    server_ms: dict[str, float]
    refreshes: dict[str, int]
    tags: dict[str, float]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def start_in_tmux(name: str, command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` as the pane's process (no shell in between) and return its pid."""
    exports = [f"{k}={v}" for k, v in env.items()]
    tmux("new-session", "-d", "-s", name, "-x", SIZE[0], "-y", SIZE[1], "env", *exports, *command)
    return int(tmux("list-panes", "-t", name, "-F", "#{pane_pid}").split()[0])


def read(conn: psycopg.Connection[tuple[object, ...]], pids: dict[str, int]) -> Reading:
    rows = conn.execute(
        """SELECT r.rolname, sum(s.total_exec_time), max(s.calls),
                  sum(s.calls) FILTER (WHERE s.query LIKE '%%psadmin:connection_sessions%%')
           FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
           WHERE r.rolname = ANY(%s) GROUP BY r.rolname""",
        (list(ROLES.values()),),
    ).fetchall()
    by_role = {role: (float(ms or 0), int(mx or 0), int(main or 0)) for role, ms, mx, main in rows}
    tags = conn.execute(
        """SELECT substring(query FROM 'psadmin:([a-z_]+)'), sum(total_exec_time)
           FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
           WHERE r.rolname = %s GROUP BY 1""",
        (ROLES["psadmin"],),
    ).fetchall()
    server, refreshes = {}, {}
    for tool, role in ROLES.items():
        ms, most_calls, main_calls = by_role.get(role, (0.0, 0, 0))
        server[tool] = ms
        # psadmin runs connection_sessions once per refresh; pg_activity runs each of its
        # statements once per refresh, so its most-called statement counts its refreshes
        refreshes[tool] = main_calls if tool == "psadmin" else most_calls
    return Reading(
        at=time.monotonic(),
        cpu_s={tool: cpu_seconds(pid) for tool, pid in pids.items()},
        server_ms=server,
        refreshes=refreshes,
        tags={str(tag): float(ms) for tag, ms in tags},
    )


def prepare(cluster: PostgresCluster, pgbench: Path, scale: int) -> str:
    cluster.psql("CREATE DATABASE bench")
    for role in ROLES.values():
        cluster.psql(f"CREATE ROLE {role} LOGIN SUPERUSER")
    cluster.psql("CREATE EXTENSION pg_stat_statements", database="bench")
    subprocess.run(
        [str(pgbench), "-i", "-q", "-s", str(scale), "-h", cluster.host, "-p",
         str(cluster.port), "-U", "postgres", "bench"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cluster.dsn("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--windows", type=int, default=4)
    parser.add_argument("--window-s", type=float, default=30.0)
    parser.add_argument("--warmup-s", type=float, default=12.0)
    parser.add_argument("--server", choices=("15", "18"), default="15")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=int, default=200, help="pgbench transactions/s")
    args = parser.parse_args()
    beside = Path(sys.executable).parent / "pg_activity"
    pg_activity = str(beside) if beside.exists() else shutil.which("pg_activity")
    if shutil.which("tmux") is None or pg_activity is None:
        sys.exit("needs tmux and pg_activity (apt-get install tmux; pip install pg_activity)")
    pgbench = DEBIAN_PG15_BIN / "pgbench"
    bin_dir = DEBIAN_PG15_BIN if args.server == "15" else embedded_bin_dir()
    base = Path(tempfile.mkdtemp(prefix="psadmin-bench-"))
    cluster = PostgresCluster(bin_dir, base, preload=("pg_stat_statements",))
    sessions: list[str] = []
    load: subprocess.Popen[bytes] | None = None
    try:
        cluster.start()
        dsn = prepare(cluster, pgbench, args.scale)
        duration = int(args.warmup_s + args.windows * args.window_s + 30)
        load = subprocess.Popen(
            [str(pgbench), "-n", "-c", str(args.clients), "-j", "2", "-R", str(args.rate),
             "-T", str(duration), "-h", cluster.host, "-p", str(cluster.port), "-U",
             "postgres", "bench"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PGAPPNAME": "pgbench"},
        )  # fmt: skip
        env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
        stamp = str(os.getpid())
        pids = {
            "pg_activity": start_in_tmux(
                f"bench-pga-{stamp}",
                [pg_activity, "-h", cluster.host, "-p", str(cluster.port), "-U",
                 ROLES["pg_activity"], "-d", "bench", "--refresh", "2"],
                env,
            ),
            "psadmin": start_in_tmux(
                f"bench-psa-{stamp}",
                [sys.executable, "-m", "psadmin", "--dsn",
                 cluster.dsn("bench", user=ROLES["psadmin"]), "--refresh", str(REFRESH_S)],
                env,
            ),
        }  # fmt: skip
        sessions += [f"bench-pga-{stamp}", f"bench-psa-{stamp}"]
        time.sleep(3)  # let the TUI draw before the key arrives
        tmux("send-keys", "-t", f"bench-psa-{stamp}", "2")
        with psycopg.connect(dsn, autocommit=True) as conn:
            time.sleep(args.warmup_s)
            conn.execute("SELECT pg_stat_statements_reset()")
            previous = read(conn, pids)
            samples: list[tuple[Reading, Reading]] = []
            for _ in range(args.windows):
                time.sleep(args.window_s)
                current = read(conn, pids)
                samples.append((previous, current))
                previous = current
        screen = tmux("capture-pane", "-t", f"bench-psa-{stamp}", "-p")
        report(samples, screen, args)
    finally:
        for name in sessions:
            subprocess.run(["tmux", "kill-session", "-t", name], check=False)
        if load is not None and load.poll() is None:
            load.send_signal(signal.SIGINT)
            load.wait(timeout=30)
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def report(samples: list[tuple[Reading, Reading]], screen: str, args: argparse.Namespace) -> None:
    per_refresh: dict[str, list[float]] = {tool: [] for tool in ROLES}
    cpu_pct: dict[str, list[float]] = {tool: [] for tool in ROLES}
    tags: dict[str, float] = {}
    for before, after in samples:
        elapsed = after.at - before.at
        for tool in ROLES:
            refreshes = max(after.refreshes[tool] - before.refreshes[tool], 1)
            ms = after.server_ms[tool] - before.server_ms[tool]
            per_refresh[tool].append(ms / refreshes)
            cpu_pct[tool].append(100 * (after.cpu_s[tool] - before.cpu_s[tool]) / elapsed)
        tags = after.tags
    if "Connections" not in screen:
        print("warning: the psadmin window does not show the Connections screen")
    print(
        f"PostgreSQL {args.server}, pgbench {args.clients} clients at {args.rate} tps, "
        f"refresh {REFRESH_S:g} s, {args.windows} windows of {args.window_s:g} s"
    )
    for tool in ROLES:
        print(summarize(per_refresh[tool]).row(f"{tool} server time per refresh", "ms"))
        print(summarize(cpu_pct[tool]).row(f"{tool} client CPU (% of a core)", "% "))
    total_tags = sum(tags.values()) or 1.0
    print(
        "psadmin server time by statement: "
        + ", ".join(f"{t} {100 * ms / total_tags:.0f} %" for t, ms in sorted(tags.items()))
    )
    server_ratio = _ratio(per_refresh)
    cpu_ratio = _ratio(cpu_pct)
    for label, ratio, target in (
        ("server time ratio psadmin/pg_activity", server_ratio, TARGET_SERVER),
        ("client CPU ratio psadmin/pg_activity", cpu_ratio, TARGET_CPU),
    ):
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{label:<40} {ratio:6.3f}x (target <= {target:g}x) {verdict}")


def _ratio(values: dict[str, list[float]]) -> float:
    ours = summarize(values["psadmin"]).median
    theirs = summarize(values["pg_activity"]).median
    return ours / theirs if theirs else float("inf")


if __name__ == "__main__":
    main()
