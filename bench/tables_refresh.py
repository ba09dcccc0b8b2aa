"""The Tables screen's cost at 2,000 tables: server time per refresh and per bloat estimate.

    python -m bench.tables_refresh [--tables 2000] [--runs 50]

Starts its own embedded PostgreSQL 18 (pg_stat_statements with track_planning), creates
``--tables`` tables of 4 to 13 columns with an index and a few rows each, ANALYZEs them, then:

- refresh: what one tick of the screen sends (table_stats: the counters of the listed tables,
  and vacuum_progress), server time (planning + execution) from pg_stat_statements of
  psadmin's tagged statements, plus the wall time of the backend calls end to end;
- catalog: the read done on open, every minute and after a VACUUM (autovacuum_settings and
  table_catalog: names, relpages sizes, reloptions, privileges, xid age), the same two ways;
- estimate: the statistical bloat estimate (table_bloat), the same two ways, as a superuser
  (pg_statistic) and as a pg_monitor + pg_read_all_data role (pg_stats).

Targets: a refresh at most 20 ms of server time, the estimate at most 100 ms. The machine's
load shows in the spread; the minimum is printed too.

``--compare REV`` also runs the estimate's SQL as it was at git revision REV and as it is now,
alternately on one connection per role (so both see the same load), and prints their medians
side by side: server time, and wall time including the Python part of the estimate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg
import psycopg
from psycopg import sql

from bench.stats import summarize
from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings
from psadmin.demo.servers import PostgresCluster, embedded_bin_dir
from queries import sql as sql_files
from queries.tables import estimates_from_rows

REFRESH_TARGET_MS = 20.0
ESTIMATE_TARGET_MS = 100.0
REFRESH_TAGS = ("table_stats", "vacuum_progress")
CATALOG_TAGS = ("autovacuum_settings", "table_catalog")
ESTIMATE_TAGS = ("table_bloat_superuser",)
"""A superuser reads pg_statistic directly."""
READER_ESTIMATE_TAGS = ("table_bloat",)
"""Any other role goes through pg_stats (here a pg_monitor + pg_read_all_data role)."""
READER = "bench_reader"
TYPES = ("int", "bigint", "text", "timestamptz", "boolean", "numeric(10,2)", "varchar(40)", "uuid")


def create_tables(dsn: str, count: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for i in range(count):
            name = sql.Identifier(f"t{i:05d}")
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(
                    sql.Identifier(f"c{j}"), sql.SQL(TYPES[(i + j) % len(TYPES)])
                )
                for j in range(3 + i % 10)
            )
            conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, {})").format(name, columns))
            conn.execute(
                sql.SQL("INSERT INTO {} (id) SELECT g FROM generate_series(1, 20) AS g").format(
                    name
                )
            )
        conn.execute("ANALYZE")


def server_ms(stats: psycopg.Connection, tags: tuple[str, ...]) -> float:
    """Planning + execution time of psadmin's statements with these tags since the reset."""
    total = 0.0
    for tag in tags:
        row = stats.execute(
            "SELECT coalesce(sum(total_plan_time + total_exec_time), 0) "
            "FROM pg_stat_statements WHERE query LIKE %s",
            (f"%/* psadmin:{tag} */%",),
        ).fetchone()
        total += float(row[0]) if row else 0.0
    return total


async def estimate_runs(
    dsn: str, stats_dsn: str, runs: int, tags: tuple[str, ...]
) -> tuple[list[float], list[float]]:
    backend = LiveBackend(resolve_settings(Overrides(dsn=dsn), {}, Profile()))
    server: list[float] = []
    wall: list[float] = []
    with psycopg.connect(stats_dsn, autocommit=True) as stats:
        try:
            await backend.connect()
            for _ in range(3):
                await backend.table_bloat()
            for _ in range(runs):
                stats.execute("SELECT pg_stat_statements_reset()")
                started = time.perf_counter()
                bloat = await backend.table_bloat()
                wall.append((time.perf_counter() - started) * 1000)
                server.append(server_ms(stats, tags))
                assert len(bloat.estimates) >= 1
        finally:
            await backend.close()
    return server, wall


def baseline_sql(revision: str, name: str) -> str:
    """``queries/sql/<name>.sql`` as it was at a git revision, tagged ``baseline_<name>``."""
    text = subprocess.run(
        ["git", "show", f"{revision}:queries/sql/{name}.sql"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tag = f"/* psadmin:baseline_{name} */"
    return f"{tag} {text.strip()}\n{tag}"


async def compare_runs(
    dsn: str, stats_dsn: str, runs: int, name: str, baseline: str
) -> dict[str, list[float]]:
    """The baseline and the current estimate SQL alternately: server, server CPU and wall ms."""
    kinds = ("old", "new", "old_wall", "new_wall", "old_cpu", "new_cpu")
    results: dict[str, list[float]] = {k: [] for k in kinds}
    conn = await asyncpg.connect(dsn)
    try:
        version = conn.get_server_version()
        current = sql_files.load(name, version.major * 10000 + version.minor)
        texts = {"old": (baseline, f"baseline_{name}"), "new": (current, name)}
        with psycopg.connect(stats_dsn, autocommit=True) as stats:
            for text, _ in texts.values():  # warm the plan and catalog caches
                await conn.fetch(text)
            for _ in range(runs):
                for key, (text, tag) in texts.items():
                    stats.execute("SELECT pg_stat_statements_reset()")
                    cpu = backend_cpu_ms(conn.get_server_pid())
                    started = time.perf_counter()
                    rows = await conn.fetch(text)
                    results[f"{key}_cpu"].append(backend_cpu_ms(conn.get_server_pid()) - cpu)
                    block_size = rows[0]["block_size"] if rows else 8192
                    estimates = await asyncio.to_thread(estimates_from_rows, rows, block_size, "")
                    results[f"{key}_wall"].append((time.perf_counter() - started) * 1000)
                    results[key].append(server_ms(stats, (tag,)))
                    assert len(estimates) == len(rows)
    finally:
        await conn.close()
    return results


def backend_cpu_ms(pid: int) -> float:
    """CPU time (user + system) a local server process has used so far, in ms: unlike
    elapsed times it barely moves with the load other processes put on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def print_comparison(label: str, results: dict[str, list[float]], revision: str) -> None:
    # clock ticks are 10 ms: for CPU time only the mean over the runs means anything
    old_cpu = sum(results["old_cpu"]) / len(results["old_cpu"])
    new_cpu = sum(results["new_cpu"]) / len(results["new_cpu"])
    print(
        f"{label}, server CPU (mean): {revision} {old_cpu:.1f} ms | now {new_cpu:.1f} ms"
        f" | now/{revision} {new_cpu / old_cpu:.2f}x"
    )
    for kind, unit_label in (("", "server"), ("_wall", "wall (SQL + Python)")):
        old, new = summarize(results[f"old{kind}"]), summarize(results[f"new{kind}"])
        print(
            f"{label}, {unit_label}: {revision} median {old.median:.1f} ms (p95 {old.p95:.1f})"
            f" | now median {new.median:.1f} ms (p95 {new.p95:.1f})"
            f" | now/{revision} {new.median / old.median:.2f}x"
        )


async def measure(dsn: str, reader_dsn: str, runs: int) -> dict[str, list[float]]:
    settings = resolve_settings(Overrides(dsn=dsn), {}, Profile())
    backend = LiveBackend(settings)
    kinds = ("refresh", "refresh_wall", "catalog", "catalog_wall")
    results: dict[str, list[float]] = {k: [] for k in kinds}
    with psycopg.connect(dsn, autocommit=True) as stats:
        try:
            await backend.connect()
            for _ in range(3):  # warm the connection's catalog caches, as a running TUI has
                catalog = await backend.table_catalog()
                await backend.table_stats(catalog.relids)
                await backend.vacuum_progress()
            for _ in range(runs):
                stats.execute("SELECT pg_stat_statements_reset()")
                started = time.perf_counter()
                counters = await backend.table_stats(catalog.relids)
                await backend.vacuum_progress()
                results["refresh_wall"].append((time.perf_counter() - started) * 1000)
                results["refresh"].append(server_ms(stats, REFRESH_TAGS))
                assert len(counters.counters) == len(catalog.tables)
            for _ in range(max(runs // 2, 5)):
                stats.execute("SELECT pg_stat_statements_reset()")
                started = time.perf_counter()
                catalog = await backend.table_catalog()
                results["catalog_wall"].append((time.perf_counter() - started) * 1000)
                results["catalog"].append(server_ms(stats, CATALOG_TAGS))
        finally:
            await backend.close()
    few = max(runs // 2, 5)
    results["est"], results["est_wall"] = await estimate_runs(dsn, dsn, few, ESTIMATE_TAGS)
    results["reader"], results["reader_wall"] = await estimate_runs(
        reader_dsn, dsn, few, READER_ESTIMATE_TAGS
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="also run the estimate SQL of this git revision and the current one alternately",
    )
    args = parser.parse_args()
    comparisons: list[tuple[str, dict[str, list[float]]]] = []
    base = Path(tempfile.mkdtemp(prefix="psadmin-bench-tables-"))
    cluster = PostgresCluster(
        embedded_bin_dir(),
        base,
        preload=("pg_stat_statements",),
        settings={"pg_stat_statements.track_planning": "on"},
    )
    try:
        cluster.start()
        dsn = cluster.create_database("bench_tables")
        started = time.perf_counter()
        create_tables(dsn, args.tables)
        print(f"created {args.tables} tables in {time.perf_counter() - started:.1f} s")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {READER} LOGIN IN ROLE pg_monitor, pg_read_all_data")
        reader_dsn = cluster.dsn("bench_tables", user=READER)
        results = asyncio.run(measure(dsn, reader_dsn, args.runs))
        if args.compare:
            for label, role_dsn, name in (
                ("estimate, superuser", dsn, "table_bloat_superuser"),
                ("estimate, pg_monitor role", reader_dsn, "table_bloat"),
            ):
                baseline = baseline_sql(args.compare, name)
                runs = max(args.runs // 2, 5)
                compared = asyncio.run(compare_runs(role_dsn, dsn, runs, name, baseline))
                comparisons.append((label, compared))
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    refresh, estimate = summarize(results["refresh"]), summarize(results["est"])
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"PostgreSQL 18, {args.tables} tables, load average {load} on {os.cpu_count()} CPUs")
    for key, label in (
        ("refresh", "refresh (every tick): server"),
        ("refresh_wall", "refresh (every tick): wall"),
        ("catalog", "catalog (every minute): server"),
        ("catalog_wall", "catalog (every minute): wall"),
        ("est", "estimate, superuser: server"),
        ("est_wall", "estimate, superuser: wall"),
        ("reader", "estimate, pg_monitor role: server"),
        ("reader_wall", "estimate, pg_monitor role: wall"),
    ):
        print(summarize(results[key]).row(label, "ms") + f"  min {min(results[key]):.2f} ms")
    for label, value, target in (
        ("refresh", refresh.median, REFRESH_TARGET_MS),
        ("bloat estimate", estimate.median, ESTIMATE_TARGET_MS),
    ):
        verdict = "ok" if value <= target else "OVER TARGET"
        print(f"{label}: median {value:.2f} ms vs target {target:.0f} ms — {verdict}")
    for label, compared in comparisons:
        print_comparison(label, compared, args.compare)


if __name__ == "__main__":
    main()
