"""Keyset vs OFFSET paging of the Scripts screen at 1,000,000 scripts.

    python -m bench.paging [--scripts 1000000] [--far-page 10000] [--runs 30] [--offset-runs 10]

On the servers ``python -m bench`` uses (bench.stack: embedded PostgreSQL 18, stock
shared_buffers), in a database of its own:

* Data: the PSScript schema; a base of 2,000 demo-corpus scripts loaded the way the demo loads
  them (COPY of real titles, descriptions, PowerShell content, owners, categories, tags and
  analyses); then ``scripts`` grown server-side to ``--scripts`` rows by INSERT … SELECT over
  generate_series, in batches of 100,000: each new row copies a base row's text, category,
  version and scores, gets its own id, title suffix, owner and file hash, and a creation time
  that grows with its id (as the application's serial ids do), and its own ``script_analysis``
  row and ``script_tags`` — everything the page query reads, so its plan and its OFFSET cost
  are those of a real table. No embeddings, versions or execution logs: the page does not
  read them. Then VACUUM ANALYZE (autovacuum would have done both on a live table).
* Measured: the Scripts screen's page query (``queries.scripts.scripts_page``, newest first,
  20 rows) at page 1 and at page ``--far-page`` (the cursor a user holds there: the last id of
  the page before), and the very page-1 statement with ``OFFSET (far_page - 1) * 20``; the far
  page is first checked to be the same rows both ways. Runs are interleaved (page 1, far page,
  and OFFSET every few rounds) after one warm-up each, so all three see the same load. Wall
  time of the call on one asyncpg connection, as the console runs it (prepared statements).
  The plan of each statement (its scan of ``scripts``) is recorded with the figures.

Targets (issue #8): keyset page 10,000 within 1.5x of page 1, and OFFSET at page 10,000 at
least 100x the keyset page. Progress goes to stderr; the summary to stdout; the JSON to
bench/results/paging-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, LiteralString

import asyncpg
import psycopg
from psycopg import sql

from bench.stack import BenchStack, say
from bench.stats import summarize
from psadmin.demo.corpus import generate_scripts
from psadmin.demo.people import generate_users
from psadmin.demo.seed import copy_rows
from psadmin.demo.seed_rows import ScriptRows, reference_rows, user_rows
from psadmin.models.scripts import ScriptCursor, ScriptQuery, SearchInfo, SearchMethod
from psadmin.schema import create_schema, metadata, script_analysis
from queries.scripts import _page_statement, scripts_page

RESULTS = Path(__file__).parent / "results"
SCRIPTS = 1_000_000
FAR_PAGE = 10_000
"""The issue's sizes: smaller runs are context, not judged."""
PAGE_ROWS = 20
BASE_SCRIPTS = 2_000
USERS = 1_000
BATCH = 100_000
SEED = 11
KINDS = ("page_1", "far_page", "offset")

# {lo}..{hi}: the new ids; {base}: the base rows they copy, round-robin; {last}: the final id,
# so creation times end about now and step back 30 s per id.
GROW_SCRIPTS: LiteralString = """
INSERT INTO scripts (id, title, description, content, user_id, category_id, version, is_public,
                     execution_count, file_hash, average_execution_time, last_executed_at,
                     created_at, updated_at)
SELECT g, left(b.title || ' #' || g, 255), b.description, b.content,
       1 + mod(g::bigint * 7919, %(users)s), b.category_id, b.version, b.is_public,
       b.execution_count, md5(b.file_hash || g), b.average_execution_time,
       CASE WHEN b.last_executed_at IS NOT NULL THEN t.updated END, t.created, t.updated
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) AS g
  JOIN scripts b ON b.id = 1 + mod(g - 1, %(base)s)
 CROSS JOIN LATERAL (
       SELECT now() - (%(last)s - g) * interval '30 seconds' AS created) c
 CROSS JOIN LATERAL (
       SELECT c.created AS created,
              least(c.created + (b.updated_at - b.created_at), now()) AS updated) t
"""
GROW_TAGS: LiteralString = """
INSERT INTO script_tags (script_id, tag_id, created_at)
SELECT g, st.tag_id, st.created_at
  FROM generate_series(%(lo)s::integer, %(hi)s::integer) AS g
  JOIN script_tags st ON st.script_id = 1 + mod(g - 1, %(base)s)
"""


def grow_analysis_sql() -> sql.Composed:
    """Every column of ``script_analysis`` but its ids copied from the base row's analysis."""
    columns = [c.name for c in script_analysis.c if c.name not in ("id", "script_id")]
    return sql.SQL(
        "INSERT INTO script_analysis (script_id, {columns}) SELECT g, {copied}"
        " FROM generate_series(%(lo)s::integer, %(hi)s::integer) AS g"
        " JOIN script_analysis a ON a.script_id = 1 + mod(g - 1, %(base)s)"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        copied=sql.SQL(", ").join(sql.Identifier("a", c) for c in columns),
    )


def growth_batches(have: int, target: int, batch: int) -> list[tuple[int, int]]:
    """The id ranges (inclusive) that take a table of ids 1..have to 1..target."""
    if batch < 1:
        raise ValueError("batch must be positive")
    return [(lo, min(lo + batch - 1, target)) for lo in range(have + 1, target + 1, batch)]


def schedule(runs: int, offset_runs: int) -> list[str]:
    """The measured calls in order: page 1 and the far page every round, OFFSET (slow) on
    ``offset_runs`` of the rounds spread evenly, so each sees the same load over the run."""
    offset_runs = min(offset_runs, runs)
    every = runs / offset_runs if offset_runs else 0.0
    offset_rounds = {int(i * every) for i in range(offset_runs)}
    order: list[str] = []
    for i in range(runs):
        order += ["page_1", "far_page"] + (["offset"] if i in offset_rounds else [])
    return order


def _path_to(node: dict[str, Any], relation: str) -> list[dict[str, Any]] | None:
    """The nodes from ``node`` down to the first scan of ``relation``, or None."""
    if node.get("Relation Name") == relation:
        return [node]
    for child in node.get("Plans", ()):
        below = _path_to(child, relation)
        if below is not None:
            return [node, *below]
    return None


def scan_of_scripts(explained: Any) -> str:
    """From EXPLAIN (FORMAT JSON): how ``scripts`` is read ("Index Scan Backward using
    scripts_pkey"), plus " under a Sort" when its rows are sorted (the plan keyset paging
    must not have; the small sorts inside the per-row subqueries do not count)."""
    root = explained[0]["Plan"] if isinstance(explained, list) else explained["Plan"]
    path = _path_to(root, "scripts")
    if path is None:
        return "no scan of scripts"
    scan = path[-1]
    backward = " Backward" if scan.get("Scan Direction") == "Backward" else ""
    index = f" using {scan['Index Name']}" if "Index Name" in scan else ""
    sorted_above = any("Sort" in n.get("Node Type", "") for n in path[:-1])
    return f"{scan['Node Type']}{backward}{index}" + (" under a Sort" if sorted_above else "")


@dataclass
class PagingRun:
    """One run: the sizes, how long building took, the plans, and every measured time (ms)."""

    scripts: int
    far_page: int
    base_scripts: int = 0
    seed_s: float = 0.0
    grow_s: float = 0.0
    analyze_s: float = 0.0
    table_bytes: dict[str, int] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    load_average: str = ""

    @property
    def judged(self) -> bool:
        return self.scripts >= SCRIPTS and self.far_page >= FAR_PAGE

    @property
    def offset(self) -> int:
        return (self.far_page - 1) * PAGE_ROWS

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items() if k != "times"}
        for kind, values in self.times.items():
            s = summarize(values) if values else None
            key = {"page_1": "keyset_page_1", "far_page": "keyset_far_page",
                   "offset": "offset_far_page"}[kind]  # fmt: skip
            out[key] = None if s is None else {
                "median_ms": s.median, "p95_ms": s.p95, "spread": s.spread, "runs": s.runs,
                "values_ms": values,
            }  # fmt: skip
        return out


async def seed_base(dsn: str, count: int) -> None:
    """The schema, categories, tags, users and ``count`` corpus scripts with their analyses and
    tags, loaded as the demo loads them (no embeddings, versions or execution logs)."""
    await create_schema(dsn, defer_vector_index=True)
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    people = generate_users(USERS, now, SEED)
    docs = list(generate_scripts(count, SEED))
    scripts = ScriptRows(docs, people, rng, now)
    loads = [*reference_rows(), user_rows(people), scripts.scripts(), scripts.analyses(),
             scripts.tags()]  # fmt: skip
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        for load in loads:
            await copy_rows(conn, load)
        await conn.commit()


def move_sequences(conn: psycopg.Connection[Any]) -> None:
    for table in (t.name for t in metadata.sorted_tables if "id" in t.c):
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'),"
                " coalesce((SELECT max(id) FROM {}), 0) + 1, false)"
            ).format(sql.Literal(table), sql.Identifier(table))
        )


def grow(dsn: str, target: int, batch: int = BATCH) -> None:
    """``scripts`` (with analyses and tags) from its base rows to ``target`` rows."""
    analysis = grow_analysis_sql()
    with psycopg.connect(dsn) as conn:
        # copies of rows whose references hold: the FK triggers would only re-check them
        conn.execute("SET session_replication_role = replica")
        row = conn.execute("SELECT count(*), max(id) FROM scripts").fetchone()
        base, have = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
        users_row = conn.execute("SELECT max(id) FROM users").fetchone()
        users = int(users_row[0]) if users_row and users_row[0] else 1
        if base == 0 or base != have:
            raise RuntimeError(f"expected base ids 1..{base}, found max id {have}")
        move_sequences(conn)  # past the ids the base was loaded with
        started = time.perf_counter()
        for lo, hi in growth_batches(have, target, batch):
            params = {"lo": lo, "hi": hi, "base": base, "last": target, "users": users}
            conn.execute(GROW_SCRIPTS, params)
            conn.execute(analysis, params)
            conn.execute(GROW_TAGS, params)
            conn.commit()
            rate = (hi - have) / (time.perf_counter() - started)
            say(f"  scripts grown to {hi:,} rows ({rate:,.0f} rows/s)")
        move_sequences(conn)
        conn.commit()


def analyze(dsn: str) -> dict[str, int]:
    """VACUUM ANALYZE the database; returns the page query's tables' sizes (with TOAST, indexes)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        return {
            name: int(size)
            for name, size in conn.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
                " WHERE relname IN ('scripts', 'script_analysis', 'script_tags') ORDER BY 1"
            )
        }


async def measure(dsn: str, run: PagingRun, runs: int, offset_runs: int) -> None:
    """Fill ``run.plans`` and ``run.times``."""
    conn = await asyncpg.connect(dsn)
    try:
        none = SearchInfo(SearchMethod.NONE)
        first = ScriptQuery(limit=PAGE_ROWS)
        # the cursor a user holds on reaching the far page: the last id of the page before
        last_id = await conn.fetchval(
            "SELECT id FROM scripts ORDER BY id DESC OFFSET $1 LIMIT 1", run.offset - 1
        )
        if last_id is None:
            raise RuntimeError(f"fewer than {run.offset:,} scripts: no page {run.far_page:,}")
        far = ScriptQuery(limit=PAGE_ROWS, after=ScriptCursor(last_id, last_id))
        # the very statement scripts_page runs for page 1, with OFFSET instead of a cursor
        text, params = _page_statement(first, none, first.sort, PAGE_ROWS)
        with_offset = f"{text} OFFSET {run.offset}"
        far_text, far_params = _page_statement(far, none, far.sort, PAGE_ROWS)
        for kind, (statement, values) in {
            "page_1": (text, params),
            "far_page": (far_text, far_params),
            "offset": (with_offset, params),
        }.items():
            plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *values)
            run.plans[kind] = scan_of_scripts(json.loads(plan))
        work: dict[str, Callable[[], Awaitable[Any]]] = {
            "page_1": lambda: scripts_page(conn, first),
            "far_page": lambda: scripts_page(conn, far),
            "offset": lambda: conn.fetch(with_offset, *params),
        }
        page_far = await scripts_page(conn, far)  # also warms what the far page reads
        by_offset = await conn.fetch(with_offset, *params)
        if [r["id"] for r in by_offset[:PAGE_ROWS]] != [r.id for r in page_far.rows]:
            raise RuntimeError("keyset and OFFSET disagree about the far page")
        await scripts_page(conn, first)
        for kind in schedule(runs, offset_runs):
            started = time.perf_counter()
            await work[kind]()
            run.times[kind].append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()


def paging(
    dsn: str, scripts: int, far_page: int, runs: int, offset_runs: int, base: int = BASE_SCRIPTS
) -> PagingRun:
    """Build the database behind ``dsn`` (empty) and measure: the whole benchmark."""
    if (far_page - 1) * PAGE_ROWS + PAGE_ROWS > scripts:
        raise ValueError(f"{scripts:,} scripts have no page {far_page:,} of {PAGE_ROWS}")
    run = PagingRun(scripts, far_page, base_scripts=min(base, scripts))
    say(f"loading {run.base_scripts:,} corpus scripts with analyses and tags (COPY)")
    started = time.perf_counter()
    asyncio.run(seed_base(dsn, run.base_scripts))
    run.seed_s = round(time.perf_counter() - started, 1)
    say(f"growing scripts to {scripts:,} rows server-side (INSERT … SELECT)")
    started = time.perf_counter()
    grow(dsn, scripts)
    run.grow_s = round(time.perf_counter() - started, 1)
    say(f"grown in {run.grow_s} s; VACUUM ANALYZE")
    started = time.perf_counter()
    run.table_bytes = analyze(dsn)
    run.analyze_s = round(time.perf_counter() - started, 1)
    run.load_average = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    say(f"measuring page 1, page {far_page:,} and OFFSET (load average {run.load_average})")
    asyncio.run(measure(dsn, run, runs, offset_runs))
    return run


def summary_lines(run: PagingRun) -> list[str]:
    sizes = ", ".join(f"{k} {v / 2**30:.2f} GiB" for k, v in run.table_bytes.items())
    lines = [
        f"{run.base_scripts:,} base scripts loaded in {run.seed_s} s; grown to"
        f" {run.scripts:,} in {run.grow_s} s; VACUUM ANALYZE {run.analyze_s} s; {sizes}",
    ]
    far = f"{run.far_page:,}"
    labels = {"page_1": "keyset page 1", "far_page": f"keyset page {far}",
              "offset": f"OFFSET {run.offset:,}"}  # fmt: skip
    medians = {}
    for kind, values in run.times.items():
        summary = summarize(values)
        medians[kind] = summary.median
        lines.append(f"{summary.row(labels[kind], 'ms')}  plan: {run.plans.get(kind, '?')}")
    lines.append(
        f"keyset page {far} / page 1: {medians['far_page'] / medians['page_1']:.2f}x"
        " (target <= 1.5x)"
    )
    lines.append(
        f"OFFSET page {far} / keyset page {far}: {medians['offset'] / medians['far_page']:.0f}x"
        " (target >= 100x)"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scripts", type=int, default=SCRIPTS)
    parser.add_argument("--far-page", type=int, default=FAR_PAGE)
    parser.add_argument("--runs", type=int, default=30, help="of page 1 and the far page")
    parser.add_argument("--offset-runs", type=int, default=10)
    args = parser.parse_args(argv)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with BenchStack() as stack:
        version = stack.version()
        dsn = stack.database("bench_paging")
        run = paging(dsn, args.scripts, args.far_page, args.runs, args.offset_runs)
    print(f"PostgreSQL {version}, load average {run.load_average} when measuring")
    print("\n".join(summary_lines(run)))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"paging-{run.scripts}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    data = {"started_at": started_at, "postgresql": version, **run.as_json()}
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
