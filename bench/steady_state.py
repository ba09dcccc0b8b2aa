"""Steady state at a 2 s refresh under pgbench (8 clients): psadmin's Connections screen vs
pg_activity, both running at the same time — server time per refresh (pg_stat_statements,
per role), client CPU (utime + stime from /proc) and RSS (VmRSS of the process tree).

The measurement loop is bench.connections_refresh's (its ``read``, ``start_in_tmux``, roles
and refresh), run here with RSS sampled at the end of every window; that module is imported,
not changed.
"""

from __future__ import annotations

import os
import time

import psycopg

from bench import connections_refresh as cr
from bench.peer_load import (
    TMUX_ENV,
    bench_dsn,
    end_session,
    pg_activity_command,
    pgbench_load,
    psadmin_command,
)
from bench.rss import tree_rss_mib
from bench.runner import Row, Target, measured
from bench.stack import BenchStack, say

TARGET_SERVER, TARGET_CPU, TARGET_RSS = cr.TARGET_SERVER, cr.TARGET_CPU, 2.0
TOOLS = tuple(cr.ROLES)


def window_figures(
    before: cr.Reading, after: cr.Reading
) -> tuple[dict[str, float], dict[str, float]]:
    """Server ms per refresh and CPU % of a core of each tool over one window."""
    elapsed = after.at - before.at
    per_refresh, cpu_pct = {}, {}
    for tool in TOOLS:
        refreshes = max(after.refreshes[tool] - before.refreshes[tool], 1)
        per_refresh[tool] = (after.server_ms[tool] - before.server_ms[tool]) / refreshes
        cpu_pct[tool] = 100 * (after.cpu_s[tool] - before.cpu_s[tool]) / elapsed
    return per_refresh, cpu_pct


def switch_to_connections(session: str, timeout: float = 30.0) -> None:
    """Press 2 until the title says Connections (the first press may beat the first frame)."""
    deadline = time.monotonic() + timeout
    while "psadmin — Connections" not in cr.tmux("capture-pane", "-t", session, "-p"):
        if time.monotonic() > deadline:
            raise TimeoutError("psadmin did not switch to the Connections screen")
        cr.tmux("send-keys", "-t", session, "2")
        time.sleep(0.5)  # polling the pane for the switch


def steady_state(
    stack: BenchStack, windows: int, window_s: float, warmup_s: float, scale: int
) -> list[Row]:
    dsn = bench_dsn(stack, scale)
    stamp = str(os.getpid())
    sessions = {"pg_activity": f"bench-steady-pga-{stamp}", "psadmin": f"bench-steady-psa-{stamp}"}
    server: dict[str, list[float]] = {t: [] for t in TOOLS}
    cpu: dict[str, list[float]] = {t: [] for t in TOOLS}
    rss: dict[str, list[float]] = {t: [] for t in TOOLS}
    pids: dict[str, int] = {}
    with pgbench_load(stack):
        try:
            pids = {
                "pg_activity": cr.start_in_tmux(
                    sessions["pg_activity"], pg_activity_command(stack), TMUX_ENV
                ),
                "psadmin": cr.start_in_tmux(sessions["psadmin"], psadmin_command(stack), TMUX_ENV),
            }
            switch_to_connections(sessions["psadmin"])
            with psycopg.connect(dsn, autocommit=True) as conn:
                time.sleep(warmup_s)  # both tools settle (imports, first samples, caches)
                conn.execute("SELECT pg_stat_statements_reset()")
                previous = cr.read(conn, pids)
                for window in range(windows):
                    time.sleep(window_s)  # the measurement window itself
                    current = cr.read(conn, pids)
                    per_refresh, cpu_pct = window_figures(previous, current)
                    for tool in TOOLS:
                        server[tool].append(per_refresh[tool])
                        cpu[tool].append(cpu_pct[tool])
                        rss[tool].append(tree_rss_mib(pids[tool]))
                    previous = current
                    say(
                        f"steady state window {window + 1}/{windows}: "
                        + ", ".join(
                            f"{t} {server[t][-1]:.2f} ms/refresh {cpu[t][-1]:.2f} % CPU "
                            f"{rss[t][-1]:.0f} MiB"
                            for t in TOOLS
                        )
                    )
            screen = cr.tmux("capture-pane", "-t", sessions["psadmin"], "-p")
        finally:
            for tool, name in sessions.items():
                end_session(name, pids.get(tool))
    note = (
        f"{windows} windows of {window_s:g} s after {warmup_s:g} s warm-up, refresh "
        f"{cr.REFRESH_S:g} s, pgbench 8 clients at 200 tps"
    )
    if "psadmin — Connections" not in screen:
        note += "; WARNING: psadmin was not on the Connections screen at the end"
    peer = "pg_activity"
    return [
        measured(
            "steady: server time per refresh",
            "ms",
            server["psadmin"],
            peer=peer,
            peer_values=server["pg_activity"],
            target=Target(TARGET_SERVER),
            note=note,
        ),
        measured(
            "steady: client CPU",
            "%",
            cpu["psadmin"],
            peer=peer,
            peer_values=cpu["pg_activity"],
            target=Target(TARGET_CPU),
        ),
        measured(
            "steady: RSS",
            "MiB",
            rss["psadmin"],
            peer=peer,
            peer_values=rss["pg_activity"],
            target=Target(TARGET_RSS),
        ),
    ]
