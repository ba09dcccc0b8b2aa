"""Refresh cost of every screen at N tables: the real TUI, server time per refresh.

The database is the index audit's (PSScript schema + N generated tables with their indexes
and foreign keys, bench.index_audit's ``build``). psadmin runs in tmux as its own role; each
screen is opened with its key and, after a warm-up (the reads done on open are not a
refresh), pg_stat_statements' planning + execution time of that role is summed over windows
and divided by the refreshes the window held (window / refresh interval).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import psycopg

from bench import connections_refresh as cr
from bench import index_audit
from bench.peer_load import TMUX_ENV, end_session
from bench.runner import Row, Target, measured
from bench.stack import BenchStack, say
from psadmin.schema import create_schema

ROLE = "bench_screens"
REFRESH_S = 2.0
TARGET_MS = 20.0
SCREENS = (
    ("1", "Overview"),
    ("2", "Connections"),
    ("3", "Tables"),
    ("4", "Indexes"),
    ("5", "Queries"),
    ("6", "Users"),
    ("7", "Scripts"),
    ("8", "Cache"),
    ("9", "Audit"),
)


def audit_database(stack: BenchStack, tables: int) -> str:
    """PSScript + ``tables`` generated tables, built once per stack and size."""
    cache: dict[int, str] = stack.__dict__.setdefault("_audit_dsn", {})
    if tables not in cache:
        dsn = stack.database("bench_audit")
        asyncio.run(create_schema(dsn))
        started = time.perf_counter()
        index_audit.build(dsn, tables)
        say(f"built PSScript + {tables:,} tables in {time.perf_counter() - started:.0f} s")
        cache[tables] = dsn
    return cache[tables]


def role_server_ms(conn: psycopg.Connection) -> float:
    row = conn.execute(
        "SELECT coalesce(sum(s.total_plan_time + s.total_exec_time), 0) "
        "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = %s",
        (ROLE,),
    ).fetchone()
    return float(row[0]) if row else 0.0


def open_screen(session: str, key: str, title: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while f"psadmin — {title}" not in cr.tmux("capture-pane", "-t", session, "-p"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"psadmin did not open {title} with {key}")
        cr.tmux("send-keys", "-t", session, key)
        time.sleep(0.5)  # polling the pane for the switch


def screens_refresh(
    stack: BenchStack, tables: int, windows: int, window_s: float, warmup_s: float
) -> list[Row]:
    dsn = audit_database(stack, tables)
    database = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {ROLE} LOGIN SUPERUSER")  # type: ignore[arg-type]
    session = f"bench-screens-{os.getpid()}"
    command = [sys.executable, "-m", "psadmin", "--dsn", stack.cluster.dsn(database, user=ROLE),
               "--redis-url", stack.redis.url, "--refresh", f"{REFRESH_S:g}"]  # fmt: skip
    per_screen: dict[str, list[float]] = {}
    failures: dict[str, str] = {}
    pid = cr.start_in_tmux(session, command, TMUX_ENV)
    try:
        with psycopg.connect(dsn, autocommit=True) as stats:
            for key, title in SCREENS:
                try:
                    open_screen(session, key, title)
                except TimeoutError as exc:
                    failures[title] = str(exc)
                    continue
                time.sleep(warmup_s)  # the screen's reads on open are not a refresh
                values = []
                for _ in range(windows):
                    stats.execute("SELECT pg_stat_statements_reset()")
                    started = time.monotonic()
                    time.sleep(window_s)  # the measurement window
                    ms = role_server_ms(stats)
                    values.append(ms / ((time.monotonic() - started) / REFRESH_S))
                per_screen[title] = values
                say(f"{title}: " + ", ".join(f"{v:.2f}" for v in values) + " ms per refresh")
    finally:
        end_session(session, pid)
    note = (
        f"psadmin TUI as a superuser role, {windows} windows of {window_s:g} s per screen "
        f"after {warmup_s:g} s, server ms per {REFRESH_S:g} s refresh (pg_stat_statements)"
    )
    rows = [
        measured(
            f"{title} refresh, {tables:,} tables: server",
            "ms",
            values,
            target=Target(TARGET_MS, on_ratio=False),
            note=note if i == 0 else "",
        )
        for i, (title, values) in enumerate(per_screen.items())
    ]
    rows += [Row(f"{title} refresh", "ms", error=error) for title, error in failures.items()]
    return rows
