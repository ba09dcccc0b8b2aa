"""The Indexes screen's audit on a database of 2,000 tables, against the 1 s target.

    python -m bench.index_audit [--tables 2000] [--runs 15] [--dsn DSN]

Starts its own embedded PostgreSQL 18 in a temporary directory, creates the PSScript schema
plus ``--tables`` generated tables (about three indexes each, foreign keys to earlier tables —
a third of them without an index —, duplicate indexes, tables without a primary key), then
times, through the live backend, the full audit (generic checks + PSScript drift and orphans),
the usage read and the on-demand bloat estimate, and each check on its own — first on fresh
statistics (every index unused: the most findings), then after a workload scanned the indexes
of nine tables in ten.
``--dsn`` measures an existing database instead (nothing is created there).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from bench.stats import summarize
from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings
from psadmin.demo.servers import PostgresCluster, embedded_bin_dir
from psadmin.schema import create_schema
from queries import audit_findings

TARGET_S = 1.0
BATCH = 100
"""Tables per transaction while generating (keeps the lock table small)."""


def table_sql(n: int) -> str:
    name = f"bench_{n:05d}"
    previous = n - 1 if (n - 1) % 7 else n - 2  # tables n % 7 == 0 have no primary key
    parent = f"bench_{previous:05d}" if previous >= 0 else "users"
    pk = "" if n % 7 == 0 else " PRIMARY KEY"
    statements = [
        f"CREATE TABLE {name} (id bigint{pk}, parent_id bigint REFERENCES {parent} (id)"
        + (" ON DELETE CASCADE" if n % 2 else "")
        + ", a int, b int, c text, created_at timestamptz DEFAULT now())",
        f"CREATE INDEX {name}_a_b ON {name} (a, b)",
        f"CREATE INDEX {name}_created ON {name} (created_at)",
    ]
    if n % 3:
        statements.append(f"CREATE INDEX {name}_parent ON {name} (parent_id)")
    if n % 5 == 0:
        statements.append(f"CREATE INDEX {name}_a ON {name} (a)")  # redundant prefix
    statements.append(
        f"INSERT INTO {name} (id, parent_id, a, b, c) "  # noqa: S608 (generated names only)
        f"SELECT g, NULL, g % 10, g % 3, md5(g::text) FROM generate_series(1, 20) g"
    )
    return ";\n".join(statements)


def build(dsn: str, tables: int) -> None:
    """The generated tables; bench_00000 references users, so the PSScript schema comes first."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for start in range(0, tables, BATCH):
            with conn.transaction():
                for n in range(start, min(start + BATCH, tables)):
                    for statement in table_sql(n).split(";\n"):
                        conn.execute(statement)  # type: ignore[arg-type]
        conn.execute("ANALYZE")


def exercise(dsn: str, tables: int) -> None:
    """Scan the indexes of nine tables in ten, as a workload would, so "unused" is the tenth."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        for n in range(tables):
            if n % 10 == 0:
                continue
            name = f"bench_{n:05d}"
            for where in ("a = 1 AND b = 1", "created_at > now()", "parent_id = 1", "a = 2"):
                conn.execute(f"SELECT 1 FROM {name} WHERE {where}")  # noqa: S608 (generated)
        conn.execute("SELECT pg_stat_force_next_flush()")


async def timed(work: Callable[[], Awaitable[Any]], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    return times, result


async def measure(dsn: str, runs: int, label: str) -> None:
    settings = resolve_settings(Overrides(dsn=dsn), {}, Profile())
    backend = LiveBackend(settings)
    try:
        await backend.connect()
        await backend.index_audit()  # warm the catalog caches and the SQLAlchemy import
        audit_times, audit = await timed(backend.index_audit, runs)
        usage_times, usage = await timed(backend.index_usage, runs)
        bloat_times, bloat = await timed(backend.index_bloat, max(runs // 3, 3))
    finally:
        await backend.close()
    print(f"-- {label}")
    print(
        f"catalog: {len(usage.indexes)} indexes; audit: {len(audit.findings)} findings "
        f"({', '.join(f'{n} {k}' for k, n in audit.by_kind().items() if n)}); "
        f"bloat estimates: {len(bloat)}"
    )
    audit_summary = summarize(audit_times)
    print(audit_summary.row("full audit (index_audit)"))
    print(summarize(usage_times).row("usage read (every 10 s at most)"))
    print(summarize(bloat_times).row("bloat estimate (on demand)"))
    print(f"target: audit well under {TARGET_S:.0f} s -> median is "
          f"{audit_summary.median / TARGET_S:.0%} of it")  # fmt: skip

    conn = await asyncpg.connect(dsn)
    try:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {
            "unused_indexes": lambda: audit_findings.unused_indexes(conn, None),
            "duplicate_indexes": lambda: audit_findings.duplicate_indexes(conn),
            "invalid_indexes": lambda: audit_findings.invalid_indexes(conn),
            "fks_without_index": lambda: audit_findings.fks_without_index(conn),
            "fks_without_on_delete": lambda: audit_findings.fks_without_on_delete(conn),
            "tables_without_primary_key": lambda: audit_findings.tables_without_primary_key(conn),
        }
        for name, check in checks.items():
            times, _ = await timed(check, max(runs // 3, 3))
            print(summarize(times).row(f"  {name}"))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dsn", help="measure this database instead of building one")
    args = parser.parse_args()
    if args.dsn:
        asyncio.run(measure(args.dsn, args.runs, "as it is"))
        return
    base = Path(tempfile.mkdtemp(prefix="psadmin-bench-"))
    cluster = PostgresCluster(embedded_bin_dir(), base)
    try:
        cluster.start()
        dsn = cluster.create_database("bench")
        started = time.perf_counter()
        asyncio.run(create_schema(dsn))
        build(dsn, args.tables)
        print(f"built PSScript + {args.tables} tables in {time.perf_counter() - started:.1f} s")
        asyncio.run(measure(dsn, args.runs, "fresh statistics: every index unused (worst case)"))
        exercise(dsn, args.tables)
        asyncio.run(measure(dsn, args.runs, "after a workload scanned 9 tables in 10"))
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
