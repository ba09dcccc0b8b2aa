"""Find similar at 100,000 scripts, against exact search.

    python -m bench.vector_search [--scripts 100000] [--queries 200] [--recall-queries 60]
    python -m bench.vector_search --scripts 30000 --builds 3 --recall-queries 200 \
        --candidates "m = 16, ef_construction = 64; m = 32, ef_construction = 128"

One run, side by side, on a throwaway embedded PostgreSQL 18 (pgvector 0.8):

* Data: ``--scripts`` PowerShell scripts from the demo corpus, embedded with the demo's local
  hashing embedder (real, clustered vectors — not synthetic noise), streamed with COPY; then
  the schema's HNSW index (cosine) built the way the demo builds it.
* Find similar, through psadmin's own code path (``queries.vectors``): median and p95 latency
  and recall@10 against the exact top 10 (index scans off) of the same queries, unfiltered and
  within the script's category, at several hnsw.ef_search values (targets: <= 3 ms and >= 0.98
  unfiltered, <= 5 ms and >= 0.95 filtered). Recall is judged by distance, so a tie at the
  10th place is not a miss. Measured three times against the same exact answers: the schema's
  index, the same index rebuilt (HNSW levels are random, and so is graph quality on clusters
  of near-duplicate scripts), and an index built WITH (``--tuned``; by default pgvector's
  own m = 16, ef_construction = 64, for comparison). Plus the whole backend call the CLI
  makes (source lookup, BEGIN, settings, search, ROLLBACK).
* ``--candidates``: instead of all that, HNSW parameter sets side by side, each built
  ``--builds`` times the demo's way, round-robin: build time, size, latency and recall@10
  (worst and median over the builds; recall varies from build to build) per scope and
  ``--ef-search`` value.

Keyset vs OFFSET paging is measured by bench.paging (at 1,000,000 scripts, no embeddings).

Progress goes to stderr; the summary to stdout; the JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psycopg

from bench.stats import Summary, summarize
from psadmin.demo.corpus import CATEGORIES, generate_scripts
from psadmin.demo.embedder import MODEL_NAME, embed, to_pgvector_text
from psadmin.demo.servers import PostgresCluster, embedded_bin_dir
from psadmin.models.vectors import SimilarQuery, recall_at_k
from queries.vectors import nearest, read_plan, search_settings

RESULTS = Path(__file__).parent / "results"
EF_SEARCH = (40, 100, 200)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load(dsn: str, count: int) -> None:
    """Scripts and their embeddings, streamed through two COPYs at once."""
    from psadmin.schema import create_schema

    asyncio.run(create_schema(dsn, defer_vector_index=True))
    categories = {name: i for i, (name, _) in enumerate(CATEGORIES, 1)}
    with psycopg.connect(dsn) as a, psycopg.connect(dsn) as b:
        a.execute(
            "INSERT INTO categories (id, name) SELECT i, n FROM unnest(%s::text[])"
            " WITH ORDINALITY AS c(n, i)",
            ([name for name, _ in CATEGORIES],),
        )
        a.execute(
            "INSERT INTO users (username, email, password_hash) SELECT 'u' || i, i || '@x',"
            " 'h' FROM generate_series(1, 100) i"
        )
        a.commit()
        # both COPYs stream side by side; the scripts they reference commit only at the end,
        # so this session skips the FK trigger (every script_id is written to both)
        b.execute("SET session_replication_role = replica")
        started = time.perf_counter()
        with (
            a.cursor().copy(
                "COPY scripts (id, title, description, content, user_id, category_id) FROM STDIN"
            ) as scripts,
            b.cursor().copy(
                "COPY script_embeddings (script_id, embedding, embedding_type, model_version)"
                " FROM STDIN"
            ) as vectors,
        ):
            for i, doc in enumerate(generate_scripts(count, seed=11), 1):
                text = f"{doc.title}\n{doc.description}\n{doc.content}"
                scripts.write_row(
                    (i, doc.title, doc.description, doc.content, 1 + i % 100,
                     categories[doc.category])
                )  # fmt: skip
                vectors.write_row((i, to_pgvector_text(embed(text)), "local-hashing", MODEL_NAME))
                if i % 10_000 == 0:
                    rate = i / (time.perf_counter() - started)
                    say(f"  {i:,} scripts generated, embedded and copied ({rate:,.0f}/s)")
        a.commit()
        b.commit()
        a.execute("SELECT setval('scripts_id_seq', %s)", (count,))
        a.commit()


def watch_build(dsn: str, done: threading.Event) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not done.wait(5):
            for phase, blocks, total, tuples, all_tuples in conn.execute(
                "SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total"
                " FROM pg_stat_progress_create_index"
            ):
                say(f"  build: {phase} blocks {blocks}/{total} tuples {tuples}/{all_tuples}")


def build_index(dsn: str) -> float:
    from psadmin.schema import create_vector_index

    done = threading.Event()
    watcher = threading.Thread(target=watch_build, args=(dsn, done), daemon=True)
    watcher.start()
    started = time.perf_counter()
    asyncio.run(create_vector_index(dsn))
    done.set()
    watcher.join()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


Exact = dict[tuple[str, int], list[float]]
Measured = tuple[Summary, float, float, str | None]
"""Latency, mean recall@10, worst single-query recall@10, the index that answered."""
SCOPES = ("unfiltered", "same_category")


class Searches:
    """The sampled queries, their exact answers (computed once), and ANN runs against them."""

    def __init__(self, conn: asyncpg.Connection, queries: int, recall_queries: int) -> None:
        self.conn = conn
        self.queries = queries
        self.recall_queries = recall_queries
        self.categories: dict[int, int] = {}
        self.sample: list[int] = []
        self.exact: Exact = {}

    def category(self, scope: str, sid: int) -> int | None:
        return self.categories[sid] if scope == "same_category" else None

    async def exact_answers(self) -> dict[str, Summary]:
        rows = await self.conn.fetch("SELECT id, category_id FROM scripts")
        self.categories = {r["id"]: r["category_id"] for r in rows}
        self.sample = random.Random(3).sample(sorted(self.categories), self.queries)
        out = {}
        for scope in SCOPES:
            say(f"exact top 10 ({scope}) for {self.recall_queries} queries")
            times = []
            for sid in self.sample[: self.recall_queries]:
                settings = search_settings(SimilarQuery(sid, exact=True), True)
                found, _, ms = await nearest(
                    self.conn, sid, 10, settings, exact=True, category_id=self.category(scope, sid)
                )
                self.exact[scope, sid] = [r.distance for r in found]
                times.append(ms)
            out[f"{scope}_exact"] = summarize(times)
        return out

    async def approximate(self, label: str) -> dict[str, Any]:
        """Latency of every sampled query (after one warm-up pass) and recall@10 of those
        with an exact answer, per scope and ef_search, through the index now in place."""
        found = await self.measure(EF_SEARCH)
        return {f"{label}_{key}": (summary, recall, index) for key, (summary, recall, _, index)
                in found.items()}  # fmt: skip

    async def measure(self, ef_values: Sequence[int]) -> dict[str, Measured]:
        """Per ``{scope}_ef{n}``: latency, mean recall@10, the worst single query's recall
        (a cluster the graph does not link shows up as a query at 0) and the index used."""
        out: dict[str, Measured] = {}
        for scope in SCOPES:
            for ef in ef_values:
                settings = search_settings(SimilarQuery(1, ef_search=ef), True)
                times: list[float] = []
                recalls: list[float] = []
                index = None
                for warm in (True, False):
                    for sid in self.sample:
                        found, plan, ms = await nearest(
                            self.conn,
                            sid,
                            10,
                            settings,
                            category_id=self.category(scope, sid),
                            explain=index is None,
                        )
                        if plan is not None:
                            index = read_plan(plan, settings).index
                        if warm:
                            continue
                        times.append(ms)
                        truth = self.exact.get((scope, sid))
                        if truth is not None:
                            recalls.append(recall_at_k([r.distance for r in found], truth, 10))
                out[f"{scope}_ef{ef}"] = (
                    summarize(times),
                    statistics.fmean(recalls),
                    min(recalls),
                    index,
                )
        return out


async def rebuild(conn: asyncpg.Connection, options: str | None) -> float:
    """REINDEX the schema's index, or replace it by one built WITH (options)."""
    rows = await conn.fetchval("SELECT count(*) FROM script_embeddings")
    await conn.execute(f"SET maintenance_work_mem = '{max(rows * 16 // 1024, 65536)}kB'")
    started = time.perf_counter()
    if options is None:
        await conn.execute("REINDEX INDEX script_embeddings_idx")
    else:
        await conn.execute("DROP INDEX script_embeddings_idx")
        await conn.execute(
            "CREATE INDEX script_embeddings_idx ON script_embeddings"
            f" USING hnsw (embedding vector_cosine_ops) WITH ({options})"
        )
    return time.perf_counter() - started


async def search_bench(
    dsn: str, queries: int, recall_queries: int, tuned: str
) -> tuple[dict[str, Any], dict[str, float]]:
    conn = await asyncpg.connect(dsn)
    try:
        searches = Searches(conn, queries, recall_queries)
        out = await searches.exact_answers()
        out.update(await searches.approximate("schema"))
        builds = {}
        say("the same index again (REINDEX: HNSW levels are random, so is the graph)")
        builds["rebuilt"] = await rebuild(conn, None)
        out.update(await searches.approximate("rebuilt"))
        say(f"rebuilding WITH ({tuned})")
        builds["tuned"] = await rebuild(conn, tuned)
        out.update(await searches.approximate("tuned"))
        return out, builds
    finally:
        await conn.close()


async def call_bench(dsn: str, scripts: int, queries: int) -> Summary:
    """The whole backend call the CLI makes (source lookup, BEGIN, settings, search, ROLLBACK)."""
    from psadmin.backend import LiveBackend
    from psadmin.config import Overrides, Profile, resolve_settings

    backend = LiveBackend(resolve_settings(Overrides(dsn=dsn), {}, Profile()))
    try:
        await backend.connect()
        ids = random.Random(4).sample(range(1, scripts + 1), queries)
        times: list[float] = []
        for warm in (True, False):
            for sid in ids:
                started = time.perf_counter()
                await backend.similar_scripts(SimilarQuery(sid, explain=False))
                if not warm:
                    times.append((time.perf_counter() - started) * 1000)
        return summarize(times)
    finally:
        await backend.close()


def index_size(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_relation_size('script_embeddings_idx')").fetchone()
    return int(row[0]) if row else 0


def report(results: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in results.items():
        if isinstance(value, Summary):
            lines.append(value.row(key, "ms"))
        elif isinstance(value, tuple):
            summary, recall, index = value
            lines.append(f"{summary.row(key, 'ms')}  recall@10 {recall:.4f}  index {index}")
    return lines


def as_json(value: Any) -> Any:
    if isinstance(value, Summary):
        return {"median_ms": value.median, "p95_ms": value.p95, "spread": value.spread,
                "runs": value.runs}  # fmt: skip
    if isinstance(value, tuple):
        summary, recall, index = value
        return {**as_json(summary), "recall_at_10": recall, "index": index}
    return value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recall-queries", type=int, default=60)
    parser.add_argument("--tuned", default="m = 16, ef_construction = 64")
    parser.add_argument(
        "--candidates",
        help="instead of the default run: HNSW WITH options to compare, separated by ';',"
        " e.g. 'm = 16, ef_construction = 64; m = 24, ef_construction = 100'",
    )
    parser.add_argument("--builds", type=int, default=2, help="builds per candidate")
    parser.add_argument("--ef-search", default="40,100", help="with --candidates")
    args = parser.parse_args(argv)
    if args.candidates:
        from bench.vector_candidates import compare_main  # it imports this module

        compare_main(args)
        return
    base = Path(tempfile.mkdtemp(prefix="psadmin-bench-"))
    cluster = PostgresCluster(
        embedded_bin_dir(),
        base,
        preload=(),
        settings={"shared_buffers": "2GB", "max_parallel_maintenance_workers": "1"},
    )
    results: dict[str, Any] = {"scripts": args.scripts, "started_at": datetime.now(UTC).isoformat()}
    try:
        cluster.start()
        dsn = cluster.create_database("bench")
        say(f"loading {args.scripts:,} scripts (corpus + local embedder, COPY)")
        started = time.perf_counter()
        load(dsn, args.scripts)
        results["load_s"] = round(time.perf_counter() - started, 1)
        say("building the HNSW index (maintenance_work_mem sized to the table)")
        results["schema_build_s"] = round(build_index(dsn), 1)
        results["schema_size_bytes"] = index_size(dsn)
        say(f"index built in {results['schema_build_s']} s; measuring find similar")
        results["find_similar_call_ef100"] = asyncio.run(
            call_bench(dsn, args.scripts, args.queries)
        )
        searches, build_times = asyncio.run(
            search_bench(dsn, args.queries, args.recall_queries, args.tuned)
        )
        results.update(searches)
        results["tuned_options"] = args.tuned
        results.update({f"{k}_build_s": round(v, 1) for k, v in build_times.items()})
        results["tuned_size_bytes"] = index_size(dsn)
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    lines = report(results)
    built = ", ".join(f"{k} {v} s" for k, v in results.items() if k.endswith("build_s"))
    sizes = ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in results.items() if "size" in k)
    print(f"load {results['load_s']} s; HNSW builds: {built}; {sizes}")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"vector_search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({k: as_json(v) for k, v in results.items()}, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
