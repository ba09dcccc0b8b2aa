"""``python -m bench.vector_search --candidates "…; …"``: HNSW build options compared side by side.

Each candidate is built the demo's way, in turn, several times (HNSW draws its levels at
random, so one build says little), against the same exact answers; the output gives build
time, size, median/p95 latency and the worst and median recall@10 over builds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from bench.vector_search import (
    RESULTS,
    Searches,
    as_json,
    index_size,
    load,
    say,
    watch_build,
)
from psadmin.demo.servers import PostgresCluster, embedded_bin_dir


def build_candidate(dsn: str, options: str) -> dict[str, Any]:
    """Replace the index by one built WITH (options) exactly as the demo builds the schema's
    (:func:`psadmin.schema.create_vector_index`: maintenance_work_mem raised to the rows
    present); note whether pgvector said the graph outgrew that memory mid-build."""
    from psadmin.schema import _HNSW_BUILD_BYTES_PER_ROW, _MIN_BUILD_KB

    notices: list[str] = []
    done = threading.Event()
    watcher = threading.Thread(target=watch_build, args=(dsn, done), daemon=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute("DROP INDEX IF EXISTS script_embeddings_idx")
        row = conn.execute("SELECT count(*) FROM script_embeddings").fetchone()
        rows = row[0] if row else 0
        kb = max(-(-rows * _HNSW_BUILD_BYTES_PER_ROW // 1024), _MIN_BUILD_KB)
        conn.execute(f"SET maintenance_work_mem = '{kb}kB'")
        watcher.start()
        started = time.perf_counter()
        conn.execute(
            "CREATE INDEX script_embeddings_idx ON script_embeddings"
            f" USING hnsw (embedding vector_cosine_ops) WITH ({options})"
        )
        seconds = time.perf_counter() - started
        done.set()
        watcher.join()
        conn.execute("ANALYZE script_embeddings")
    return {
        "build_s": round(seconds, 1),
        "size_bytes": index_size(dsn),
        "maintenance_work_mem_kb": kb,
        "graph_fit_in_memory": not any("no longer fits" in n for n in notices),
    }


async def compare_candidates(
    dsn: str,
    queries: int,
    recall_queries: int,
    candidates: Sequence[str],
    builds: int,
    ef_values: Sequence[int],
) -> dict[str, Any]:
    """Every candidate built ``builds`` times against the same exact answers, round-robin
    (candidate A, B, C, then A again ...) so that load from other work on the machine falls
    on all of them alike. Recall varies from build to build, so worst and median are kept."""
    conn = await asyncpg.connect(dsn)
    try:
        searches = Searches(conn, queries, recall_queries)
        out: dict[str, Any] = {"exact": await searches.exact_answers()}
        runs: dict[str, list[dict[str, Any]]] = {c: [] for c in candidates}
        for attempt in range(1, builds + 1):
            for options in candidates:
                say(f"build {attempt}/{builds} WITH ({options})")
                build = await asyncio.to_thread(build_candidate, dsn, options)
                build["search"] = await searches.measure(ef_values)
                runs[options].append(build)
                best = max(r for _, r, _, _ in build["search"].values())
                say(f"  built in {build['build_s']} s; recall@10 up to {best:.4f}")
        out["candidates"] = {options: summarize_builds(found) for options, found in runs.items()}
        return out
    finally:
        await conn.close()


def summarize_builds(builds: list[dict[str, Any]]) -> dict[str, Any]:
    """One candidate over its builds: build time and size, and per scope and ef_search the
    median latency (median over builds) with the worst and median recall over builds."""
    keys = builds[0]["search"].keys()
    search = {}
    for key in keys:
        found = [b["search"][key] for b in builds]
        recalls = [r for _, r, _, _ in found]
        search[key] = {
            "median_ms": statistics.median(s.median for s, _, _, _ in found),
            "p95_ms": statistics.median(s.p95 for s, _, _, _ in found),
            "recall_worst": min(recalls),
            "recall_median": statistics.median(recalls),
            "worst_query_recall": min(q for _, _, q, _ in found),
            "index": found[0][3],
        }
    return {
        "build_s_median": statistics.median(b["build_s"] for b in builds),
        "size_bytes": builds[-1]["size_bytes"],
        "graph_fit_in_memory": all(b["graph_fit_in_memory"] for b in builds),
        "search": search,
        "builds": [build_json(b) for b in builds],
    }


def build_json(build: dict[str, Any]) -> dict[str, Any]:
    search = {
        key: {**as_json(summary), "recall_at_10": recall, "worst_query_recall": worst,
              "index": index}
        for key, (summary, recall, worst, index) in build["search"].items()
    }  # fmt: skip
    return {**{k: v for k, v in build.items() if k != "search"}, "search": search}


def compare_report(found: dict[str, Any], scripts: int) -> list[str]:
    lines = [f"candidates at {scripts:,} scripts (recall: worst / median over builds)"]
    base = None
    for options, c in found["candidates"].items():
        base = base or c["build_s_median"]
        fit = "" if c["graph_fit_in_memory"] else "  (graph outgrew maintenance_work_mem)"
        lines.append(
            f"WITH ({options}): {len(c['builds'])} builds, {c['build_s_median']} s median"
            f" ({c['build_s_median'] / base:.1f}x the first),"
            f" {c['size_bytes'] / 2**20:.0f} MiB{fit}"
        )
        for key, m in c["search"].items():
            lines.append(
                f"  {key:<22} median {m['median_ms']:6.2f} ms  p95 {m['p95_ms']:6.2f} ms"
                f"  recall@10 {m['recall_worst']:.4f} / {m['recall_median']:.4f}"
                f"  worst query {m['worst_query_recall']:.1f}"
            )
    for scope, summary in found["exact"].items():
        lines.append(summary.row(scope, "ms"))
    return lines


def compare_main(args: argparse.Namespace) -> None:
    """``--candidates``: load, then build and measure each parameter set; no paging part."""
    candidates = [c.strip() for c in args.candidates.split(";") if c.strip()]
    base = Path(tempfile.mkdtemp(prefix="psadmin-bench-"))
    cluster = PostgresCluster(
        embedded_bin_dir(),
        base,
        preload=(),
        settings={"shared_buffers": "2GB", "max_parallel_maintenance_workers": "1"},
    )
    results: dict[str, Any] = {
        "scripts": args.scripts,
        "started_at": datetime.now(UTC).isoformat(),
        "builds_per_candidate": args.builds,
        "recall_queries": args.recall_queries,
        "queries": args.queries,
    }
    try:
        cluster.start()
        dsn = cluster.create_database("bench")
        say(f"loading {args.scripts:,} scripts (corpus + local embedder, COPY)")
        started = time.perf_counter()
        load(dsn, args.scripts)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        results["load_s"] = round(time.perf_counter() - started, 1)
        ef_values = [int(v) for v in args.ef_search.split(",")]
        results.update(
            asyncio.run(
                compare_candidates(
                    dsn, args.queries, args.recall_queries, candidates, args.builds, ef_values
                )
            )
        )
        results["finished_at"] = datetime.now(UTC).isoformat()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print("\n".join(compare_report(results, args.scripts)))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"vector_search-candidates-{args.scripts}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    results["exact"] = {k: as_json(v) for k, v in results["exact"].items()}
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")
