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
``--compare REV`` also runs the finding queries as they were at git revision REV and as they
are now, alternately on the same database (so both see the same load): each changed query on
its own, and the full audit with the old queries swapped in, medians side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from bench.stats import summarize
from bench.tables_refresh import backend_cpu_ms
from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings
from psadmin.demo.servers import PostgresCluster, embedded_bin_dir
from psadmin.schema import create_schema
from queries import audit_findings
from queries import sql as sql_files

TARGET_S = 1.0
FINDING_QUERIES = (
    "unused_indexes",
    "duplicate_indexes",
    "invalid_indexes",
    "fks_without_index",
    "fks_without_on_delete",
    "tables_without_primary_key",
)
"""The SQL files of the generic checks, compared one by one with ``--compare``."""
AUDIT = "full audit (index_audit)"
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


def baseline_texts(revision: str, names: tuple[str, ...]) -> dict[str, str]:
    """The SQL files as they were at a git revision, for those that changed since."""
    texts: dict[str, str] = {}
    root = Path(__file__).resolve().parent.parent
    for name in names:
        old = subprocess.run(
            ["git", "show", f"{revision}:queries/sql/{name}.sql"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if old.strip() != (root / "queries" / "sql" / f"{name}.sql").read_text().strip():
            texts[name] = old
    return texts


@contextlib.contextmanager
def baseline_queries(texts: dict[str, str]) -> Iterator[None]:
    """Make ``queries.sql.load`` return the baseline text of these files, tagged as psadmin
    tags its own, while the block runs."""
    current = sql_files.load

    def load(name: str, server_version_num: int = 0) -> str:
        if name not in texts:
            return current(name, server_version_num)
        tag = f"/* psadmin:{name} */"
        return f"{tag} {texts[name].strip()}\n{tag}"

    sql_files.load = load  # type: ignore[assignment]
    try:
        yield
    finally:
        sql_files.load = current  # type: ignore[assignment]


async def compare(dsn: str, runs: int, revision: str, label: str) -> None:
    """The changed queries and the full audit, at ``revision`` and now, alternately."""
    texts = baseline_texts(revision, FINDING_QUERIES)
    print(f"-- {label}: {revision} vs now, alternately (changed: {', '.join(texts) or 'none'})")
    conn = await asyncpg.connect(dsn)
    backend = LiveBackend(resolve_settings(Overrides(dsn=dsn), {}, Profile()))
    try:
        await backend.connect()
        await backend.index_audit()
        pairs: dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]] = {
            name: (_fetch(conn, text), _fetch(conn, sql_files.load(name)))
            for name, text in texts.items()
        }

        async def old_audit() -> Any:
            with baseline_queries(texts):
                return await backend.index_audit()

        pairs[AUDIT] = (old_audit, backend.index_audit)
        audit_pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'psadmin' "
            "AND datname = current_database()"
        )
        for name, (old, new) in pairs.items():
            pids = [r["pid"] for r in audit_pids] if name in AUDIT else [conn.get_server_pid()]
            old_times: list[float] = []
            new_times: list[float] = []
            cpu = {"old": 0.0, "new": 0.0}
            old_result = new_result = None
            for _ in range(runs):
                before = _cpu_ms(pids)
                times, old_result = await timed(old, 1)
                old_times += times
                middle = _cpu_ms(pids)
                times, new_result = await timed(new, 1)
                new_times += times
                cpu["old"] += middle - before
                cpu["new"] += _cpu_ms(pids) - middle
            same = _same(old_result, new_result)
            a, b = summarize(old_times), summarize(new_times)
            print(
                f"  {name:<28} {revision} median {a.median * 1000:7.1f} ms p95 "
                f"{a.p95 * 1000:7.1f} | now median {b.median * 1000:7.1f} ms p95 "
                f"{b.p95 * 1000:7.1f} | now/{revision} {b.median / a.median:.2f}x"
                f"{'' if same else '  RESULTS DIFFER'}"
            )
            if cpu["old"] > 0:  # a local server: its processes' CPU time, steadier under load
                print(
                    f"  {'':<28} server CPU (mean) {revision} {cpu['old'] / runs:7.1f} ms | "
                    f"now {cpu['new'] / runs:7.1f} ms | now/{revision} "
                    f"{cpu['new'] / cpu['old']:.2f}x"
                )
    finally:
        await conn.close()
        await backend.close()


def _cpu_ms(pids: list[int]) -> float:
    """CPU time the server processes used so far; 0 when they are not on this machine."""
    try:
        return sum(backend_cpu_ms(pid) for pid in pids)
    except OSError:
        return 0.0


def _fetch(conn: asyncpg.Connection, text: str) -> Callable[[], Awaitable[Any]]:
    return lambda: conn.fetch(text)


def _same(old: Any, new: Any) -> bool:
    """Whether both versions found the same (details with ages and sizes left out)."""
    if isinstance(old, list) and isinstance(new, list):  # rows, in any order
        return sorted(map(tuple, old)) == sorted(map(tuple, new))

    def essence(audit: Any) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(f.key, f.remediation, f.columns) for f in audit.findings]

    return essence(old) == essence(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dsn", help="measure this database instead of building one")
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="also run the finding queries of this git revision and the current ones alternately",
    )
    args = parser.parse_args()
    if args.dsn:
        asyncio.run(measure(args.dsn, args.runs, "as it is"))
        if args.compare:
            asyncio.run(compare(args.dsn, args.runs, args.compare, "as it is"))
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
        fresh = "fresh statistics: every index unused (worst case)"
        asyncio.run(measure(dsn, args.runs, fresh))
        if args.compare:
            asyncio.run(compare(dsn, args.runs, args.compare, fresh))
        exercise(dsn, args.tables)
        worked = "after a workload scanned 9 tables in 10"
        asyncio.run(measure(dsn, args.runs, worked))
        if args.compare:
            asyncio.run(compare(dsn, args.runs, args.compare, worked))
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
