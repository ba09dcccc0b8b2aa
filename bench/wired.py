"""The benchmarks that exist on their own, run on the bench stack (or as a subprocess) and
turned into rows: the Tables screen at N tables, the index audit, keyset vs OFFSET paging,
and vector search.

Their modules are imported and called, never changed: bench.tables_refresh's ``create_tables``
and ``measure``; bench.index_audit's ``build``; bench.paging's ``paging``; bench.vector_search
runs as a subprocess (``python -m bench.vector_search``) and its JSON result file is read back.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import index_audit, paging, tables_refresh
from bench.runner import Row, Target, measured
from bench.screens_refresh import audit_database
from bench.stack import BenchStack, say
from bench.stats import Summary
from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings


def tables_screen(stack: BenchStack, tables: int, runs: int) -> list[Row]:
    dsn = stack.database("bench_tables")
    started = time.perf_counter()
    tables_refresh.create_tables(dsn, tables)
    say(f"created {tables:,} tables in {time.perf_counter() - started:.0f} s")
    reader = tables_refresh.READER
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (reader,)).fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE {reader} LOGIN IN ROLE pg_monitor, pg_read_all_data")  # type: ignore[arg-type]
    reader_dsn = stack.cluster.dsn(dsn.rsplit("/", 1)[1], user=reader)
    results = asyncio.run(tables_refresh.measure(dsn, reader_dsn, runs))
    size = f"{tables:,} tables"
    refresh_target = Target(tables_refresh.REFRESH_TARGET_MS, on_ratio=False)
    estimate_target = Target(tables_refresh.ESTIMATE_TARGET_MS, on_ratio=False)
    return [
        measured(
            f"Tables refresh, {size}: server",
            "ms",
            results["refresh"],
            target=refresh_target,
            note="table_stats + vacuum_progress, planning + execution (pg_stat_statements)",
        ),
        measured(f"Tables refresh, {size}: wall", "ms", results["refresh_wall"]),
        measured(f"Tables catalog, {size}: server", "ms", results["catalog"]),
        measured(
            f"bloat estimate, {size}: server (superuser)",
            "ms",
            results["est"],
            target=estimate_target,
        ),
        measured(f"bloat estimate, {size}: server (pg_monitor)", "ms", results["reader"]),
    ]


async def _audit_times(dsn: str, runs: int) -> tuple[list[float], list[float], int]:
    backend = LiveBackend(resolve_settings(Overrides(dsn=dsn), {}, Profile()))
    try:
        await backend.connect()
        await backend.index_audit()  # warm the catalog caches, as a running TUI has them
        audit_times, audit = await index_audit.timed(backend.index_audit, runs)
        usage_times, _ = await index_audit.timed(backend.index_usage, runs)
    finally:
        await backend.close()
    return audit_times, usage_times, len(audit.findings)


def audit(stack: BenchStack, tables: int, runs: int) -> list[Row]:
    dsn = audit_database(stack, tables)
    audit_times, usage_times, findings = asyncio.run(_audit_times(dsn, runs))
    to_ms = [1000 * t for t in audit_times]
    return [
        measured(
            f"index audit, {tables:,} tables",
            "ms",
            to_ms,
            target=Target(1000 * index_audit.TARGET_S, on_ratio=False),
            note=f"fresh statistics (every index unused: the most findings, {findings})",
        ),
        measured(f"index usage read, {tables:,} tables", "ms", [1000 * t for t in usage_times]),
    ]


# -- keyset vs OFFSET paging: its own database on the stack ----------------------------------


def paging_rows(run: paging.PagingRun) -> list[Row]:
    """Page 1, the far page against it, OFFSET against the far page; judged at the issue's
    sizes only (1,000,000 scripts, page 10,000)."""
    size = f"{run.scripts:,} scripts"
    far = f"{run.far_page:,}"
    times = run.times
    sizes = ", ".join(f"{k} {v / 2**30:.2f} GiB" for k, v in run.table_bytes.items())
    unjudged = "" if run.judged else "; smaller than the target's size: not judged"

    def plan(kind: str) -> str:
        return f"plan: {run.plans.get(kind, '?')}{unjudged}"

    return [
        measured(
            f"paging: scripts grown to {run.scripts:,} rows",
            "s",
            [run.grow_s],
            note=f"INSERT … SELECT from {run.base_scripts:,} corpus scripts, with analyses and"
            f" tags; then VACUUM ANALYZE {run.analyze_s:g} s; {sizes}",
        ),
        measured(f"keyset page 1, {size}", "ms", times["page_1"], note=plan("page_1")),
        measured(
            f"keyset page {far} vs page 1, {size}",
            "ms",
            times["far_page"],
            peer="page 1",
            peer_values=times["page_1"],
            target=Target(1.5) if run.judged else None,
            note=plan("far_page"),
        ),
        measured(
            f"OFFSET page {far} vs keyset, {size}",
            "ms",
            times["offset"],
            peer="keyset",
            peer_values=times["far_page"],
            target=Target(100.0, higher_is_better=True) if run.judged else None,
            note=f"OFFSET {run.offset:,}, the page-1 statement; {plan('offset')}",
        ),
    ]


def keyset_paging(
    stack: BenchStack, scripts: int, far_page: int, runs: int, offset_runs: int
) -> list[Row]:
    dsn = stack.database("bench_paging")
    try:
        run = paging.paging(dsn, scripts, far_page, runs, offset_runs)
    finally:  # gigabytes at 1,000,000 scripts, and nothing after this reads them
        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(stack.cluster.dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    say(f"paging: grown in {run.grow_s} s, load average {run.load_average} when measuring")
    return paging_rows(run)


# -- vector search: a subprocess and its JSON ------------------------------------------------

WRITTEN = re.compile(r"^written (\S+\.json)\s*$", re.MULTILINE)


def run_vector_search(arguments: list[str], log: Path) -> Path:
    """``python -m bench.vector_search ARGS``; its progress goes to ``log``; returns its JSON."""
    say(f"python -m bench.vector_search {' '.join(arguments)} (progress in {log})")
    with log.open("w") as progress:
        done = subprocess.run(
            [sys.executable, "-m", "bench.vector_search", *arguments],
            stdout=subprocess.PIPE,
            stderr=progress,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text().strip().splitlines()[-5:]
        raise RuntimeError(f"bench.vector_search exited with {done.returncode}: {tail}")
    found = WRITTEN.search(done.stdout)
    if found is None:
        raise RuntimeError(f"bench.vector_search printed no result file:\n{done.stdout[-500:]}")
    return Path(found.group(1))


def _summary(entry: Any) -> Summary | None:
    if not isinstance(entry, dict) or "median_ms" not in entry:
        return None
    return Summary(
        int(entry.get("runs", 0)),
        float(entry["median_ms"]),
        float(entry.get("p95_ms", entry["median_ms"])),
        float(entry.get("spread", 0.0)),
    )


SEARCH_SCRIPTS = 100_000
"""The size the targets are set at (Scripts issue): smaller runs are context, not judged."""


def vector_rows(data: dict[str, Any], source: str) -> list[Row]:
    """Rows from bench.vector_search's JSON; missing keys are skipped (its shape may grow).
    Paging figures in older files are left out: bench.paging measures them now."""
    scripts = data.get("scripts")
    size = f"{scripts:,} scripts" if isinstance(scripts, int) else "scripts"
    search_sized = isinstance(scripts, int) and scripts >= SEARCH_SCRIPTS
    rows: list[Row] = []

    def add(
        name: str,
        key: str,
        peer_key: str | None,
        peer: str | None,
        target: Target,
        judged: bool,
        note: str = "",
    ) -> None:
        summary = _summary(data.get(key))
        if summary is None:
            return
        if not judged:
            note = (note + "; " if note else "") + "smaller than the target's size: not judged"
        rows.append(
            Row(
                name=name,
                unit="ms",
                summary=summary,
                peer=peer,
                peer_summary=_summary(data.get(peer_key)) if peer_key else None,
                target=target if judged else None,
                note=note,
            )
        )

    def recall(name: str, key: str, bound: float) -> None:
        entry = data.get(key)
        if isinstance(entry, dict) and "recall_at_10" in entry:
            value = float(entry["recall_at_10"])
            judged = Target(bound, on_ratio=False, higher_is_better=True)
            rows.append(
                Row(
                    name=name,
                    unit="",
                    summary=Summary(1, value, value, 0.0),
                    target=judged if search_sized else None,
                    note=f"recall@10 of {entry.get('index', '?')}",
                )
            )

    add(
        f"find similar call, {size}",
        "find_similar_call_ef100",
        "unfiltered_exact",
        "exact",
        Target(3.0, on_ratio=False),
        search_sized,
        note=f"the CLI's whole backend call, ef_search 100; from {source}",
    )
    add(f"find similar, {size}", "schema_unfiltered_ef100", "unfiltered_exact", "exact",
        Target(3.0, on_ratio=False), search_sized)  # fmt: skip
    recall(f"find similar recall, {size}", "schema_unfiltered_ef100", 0.98)
    add(f"find similar same category, {size}", "schema_same_category_ef100",
        "same_category_exact", "exact", Target(5.0, on_ratio=False), search_sized)  # fmt: skip
    recall(f"same category recall, {size}", "schema_same_category_ef100", 0.95)
    if not rows:
        raise RuntimeError(f"no known figures in {source}")
    return rows


def vector_search(arguments: list[str], reuse: Path | None, log: Path) -> list[Row]:
    path = reuse if reuse is not None else run_vector_search(arguments, log)
    data = json.loads(path.read_text())
    source = f"{path.name} (an earlier run)" if reuse is not None else path.name
    return vector_rows(data, source)
