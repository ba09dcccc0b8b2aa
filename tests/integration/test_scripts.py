"""Scripts and pgvector on the embedded PostgreSQL 18: find similar, recall, health, CLI.

The demo data (seeded once for this module) has real clustered embeddings from the local
embedder and the HNSW index the demo builds, so recall is measured on what users will see.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.embedder import MODEL_NAME, embed
from psadmin.demo.seed import seed_database
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.vectors import IndexBuild, SimilarQuery, SimilarScript, recall_check_request
from psadmin.snapshot import public, take_snapshot
from queries.vectors import nearest
from tests.conftest import new_database
from tests.integration.helpers import backend_for, clean_env, settings_for, wait_until

SCRIPTS = 1500
T = TypeVar("T")


@pytest.fixture(scope="module")
def demo_dsn(pg18: PostgresCluster) -> str:
    dsn = new_database(pg18, "scripts_demo")
    asyncio.run(seed_database(dsn, scripts=SCRIPTS, users=60, redis_url=None))
    return dsn


@pytest.fixture(scope="module")
def small_dsn(pg18: PostgresCluster) -> str:
    """300 scripts plus an exact copy of script 1, for exactness checks."""
    dsn = new_database(pg18, "scripts_small")
    asyncio.run(seed_database(dsn, scripts=300, users=20, redis_url=None))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO scripts (id, title, description, content, user_id, category_id)"
            " SELECT 301, title, description, content, user_id, category_id"
            " FROM scripts WHERE id = 1"
        )
        conn.execute(
            "INSERT INTO script_embeddings (script_id, embedding, model_version)"
            " SELECT 301, embedding, model_version FROM script_embeddings WHERE script_id = 1"
        )
    return dsn


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def with_backend(dsn: str, work: Callable[[LiveBackend], Awaitable[T]]) -> T:
    backend = backend_for(dsn)
    try:
        await backend.connect()
        return await work(backend)
    finally:
        await backend.close()


def python_top_k(dsn: str, script_id: int, k: int, same_category: bool) -> list[tuple[int, float]]:
    """The exact answer computed outside the database, from the embedder itself."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, title, description, content, category_id FROM scripts s"
            " WHERE EXISTS (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)"
        ).fetchall()
    vectors = {r[0]: embed(f"{r[1]}\n{r[2]}\n{r[3]}") for r in rows}
    category = {r[0]: r[4] for r in rows}
    source = vectors[script_id]
    distances = [
        (sid, 1.0 - sum(a * b for a, b in zip(source, vec, strict=True)))
        for sid, vec in vectors.items()
        if sid != script_id and (not same_category or category[sid] == category[script_id])
    ]
    return sorted(distances, key=lambda p: (p[1], p[0]))[:k]


def assert_exact(got: list[tuple[int, float]], truth: list[tuple[int, float]]) -> None:
    assert len(got) == len(truth)
    for (got_id, got_d), (want_id, want_d) in zip(got, truth, strict=True):
        assert math.isclose(got_d, want_d, abs_tol=2e-5), (got, truth)
        if got_id != want_id:  # only a tie may swap two scripts
            assert math.isclose(dict(got).get(want_id, -1), want_d, abs_tol=2e-5)


@pytest.mark.parametrize("same_category", [False, True])
@pytest.mark.parametrize("script_id", [1, 42, 150, 299])
def test_find_similar_equals_exact_top_k_on_a_small_table(
    small_dsn: str, script_id: int, same_category: bool
) -> None:
    """Through the HNSW index and with index scans off, the answer equals the exact one
    computed in Python from the embedder."""
    truth = python_top_k(small_dsn, script_id, 10, same_category)
    query = SimilarQuery(script_id, k=10, same_category=same_category)
    result = run(with_backend(small_dsn, lambda b: b.similar_scripts(query)))
    assert result.plan is not None and result.plan.index == "script_embeddings_idx"
    assert script_id not in [r.id for r in result.results]
    assert_exact([(r.id, r.distance) for r in result.results], truth)
    if same_category:
        assert {r.category for r in result.results} == {result.category}

    exact = run(with_backend(small_dsn, lambda b: b.similar_scripts(replace(query, exact=True))))
    assert exact.plan is not None and exact.plan.index is None
    assert_exact([(r.id, r.distance) for r in exact.results], truth)


def test_an_identical_copy_is_listed_but_never_the_script_itself(small_dsn: str) -> None:
    result = run(with_backend(small_dsn, lambda b: b.similar_scripts(SimilarQuery(1, k=3))))
    assert result.results[0].id == 301 and result.results[0].distance < 1e-6
    assert 1 not in [r.id for r in result.results]
    exact = run(with_backend(small_dsn, lambda b: b.similar_scripts(SimilarQuery(1, exact=True))))
    assert exact.plan is not None and exact.plan.index is None
    assert [r.id for r in exact.results][:1] == [301]


def test_similar_reports_unknown_ids_and_missing_embeddings(small_dsn: str) -> None:
    unknown = run(with_backend(small_dsn, lambda b: b.similar_scripts(SimilarQuery(999_999))))
    assert not unknown.found and unknown.reason == "no script with id 999999"
    with psycopg.connect(small_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TEMP TABLE saved AS SELECT * FROM script_embeddings WHERE script_id = 300"
        )
        conn.execute("DELETE FROM script_embeddings WHERE script_id = 300")
        try:
            missing = run(with_backend(small_dsn, lambda b: b.similar_scripts(SimilarQuery(300))))
        finally:
            conn.execute("INSERT INTO script_embeddings SELECT * FROM saved")
    assert missing.found and not missing.results
    assert missing.reason is not None and "has no embedding" in missing.reason


def test_hnsw_recall_at_10_on_demo_data_through_the_action_path(
    demo_dsn: str, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    profile = dataclasses.replace(Profile(), audit_file=audit)
    settings = settings_for(demo_dsn, read_only=True, profile=profile)

    async def work() -> ActionOutcome:
        backend = LiveBackend(settings)
        try:
            await backend.connect()
            health = await backend.vector_health()
            request = recall_check_request(health, samples=40)
            return await ActionRunner(backend).run(request)
        finally:
            await backend.close()

    outcome = run(work())
    assert outcome.status is OutcomeStatus.OK, outcome.message
    details = outcome.details
    assert details["samples"] == 40 and details["k"] == 10
    assert details["index"] == details["same_category_index"] == "script_embeddings_idx"
    assert details["recall"] >= 0.95, details
    assert details["same_category_recall"] >= 0.95, details
    events = [json.loads(line)["event"] for line in audit.read_text().splitlines()]
    assert events == ["requested", "ok"]  # allowed in read-only mode: it changes nothing

    document, code = run(take_snapshot(settings, ["scripts"]))
    panel = public(document)["scripts"]
    assert code == 0 and panel["available"]
    last = panel["last_recall_check"]
    assert last["k"] == 10 and last["samples"] == 40
    assert last["index"] == "script_embeddings_idx"
    assert last["recall"] == details["recall"]
    assert last["same_category_recall"] == details["same_category_recall"]


def test_filtered_search_needs_iterative_scan_and_uses_the_index(demo_dsn: str) -> None:
    query = SimilarQuery(7, k=10, same_category=True, ef_search=1)
    with_scan = run(with_backend(demo_dsn, lambda b: b.similar_scripts(query)))

    async def without_iterative_scan() -> list[SimilarScript]:
        conn = await asyncpg.connect(demo_dsn)
        try:
            category = await conn.fetchval("SELECT category_id FROM scripts WHERE id = 7")
            settings = [("hnsw.ef_search", "1"), ("enable_sort", "off")]
            rows, _, _ = await nearest(conn, 7, 10, settings, category_id=category)
            return rows
        finally:
            await conn.close()

    without = run(without_iterative_scan())
    assert with_scan.plan is not None
    assert with_scan.plan.index == "script_embeddings_idx"
    assert "hnsw.iterative_scan" in dict(with_scan.plan.settings)
    assert len(with_scan.results) == 10
    # without an iterative scan the index stops after ef_search candidates (here the script
    # itself, which is excluded); with one it goes on until k rows pass the filter
    assert without == []


def test_vector_health_on_demo_data(demo_dsn: str) -> None:
    health = run(with_backend(demo_dsn, lambda b: b.vector_health()))
    assert health.available and health.scripts == SCRIPTS
    assert health.missing == 0 and health.coverage == 1.0
    assert health.dimension == 1536 and health.wrong_dimension == 0
    assert [(m.model_version, m.count) for m in health.models] == [(MODEL_NAME, SCRIPTS)]
    index = health.script_indexes[0]
    assert (index.name, index.method, index.opclass) == (
        "script_embeddings_idx",
        "hnsw",
        "vector_cosine_ops",
    )
    assert dict(index.params) == {"m": "32", "ef_construction": "128"}
    assert index.size_bytes > SCRIPTS * 4096 and index.valid
    assert health.ef_search_default == 40 and health.builds == ()


def test_vector_health_without_pgvector(pg18: PostgresCluster) -> None:
    dsn = new_database(pg18, "no_vector")
    health = run(with_backend(dsn, lambda b: b.vector_health()))
    assert not health.available
    assert "pgvector" in health.reason and "CREATE EXTENSION vector" in health.fix


def test_index_build_progress_is_visible(demo_dsn: str) -> None:
    """CREATE INDEX CONCURRENTLY waits for an open writer: a build held in a known phase."""
    blocker = psycopg.connect(demo_dsn)
    blocker.execute("UPDATE script_embeddings SET updated_at = updated_at WHERE script_id = 1")
    failures: list[BaseException] = []

    def build() -> None:
        try:
            with psycopg.connect(demo_dsn, autocommit=True) as conn:
                conn.execute(
                    "CREATE INDEX CONCURRENTLY probe_build_idx ON script_embeddings"
                    " USING hnsw (embedding vector_l2_ops)"
                )
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    builder = threading.Thread(target=build)
    builder.start()
    try:
        seen: list[IndexBuild] = []

        def visible() -> bool:
            seen[:] = run(with_backend(demo_dsn, lambda b: b.index_builds()))
            return bool(seen)

        wait_until(visible, what="the build in pg_stat_progress_create_index")
        build_row = seen[0]
        assert build_row.table == "script_embeddings"
        assert build_row.index == "probe_build_idx"
        assert build_row.command == "CREATE INDEX CONCURRENTLY"
        assert "waiting" in build_row.phase
    finally:
        blocker.commit()
        blocker.close()
        builder.join(timeout=120)
    assert not failures
    health = run(with_backend(demo_dsn, lambda b: b.vector_health()))
    assert {i.name for i in health.script_indexes} == {"script_embeddings_idx", "probe_build_idx"}
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX probe_build_idx")


def test_script_detail_reads_analysis_versions_and_executions(demo_dsn: str) -> None:
    detail = run(with_backend(demo_dsn, lambda b: b.script_detail(5)))
    assert detail is not None and detail.id == 5 and detail.content
    assert detail.analysis is not None and detail.analysis.security_score is not None
    assert detail.versions and detail.versions[0].version == detail.version
    assert detail.versions_total == len(detail.versions)
    assert detail.embedding is not None and detail.embedding.model_version == MODEL_NAME
    with psycopg.connect(demo_dsn) as conn:
        runs = conn.execute("SELECT count(*) FROM execution_logs WHERE script_id = 5").fetchone()
    assert runs is not None and detail.executions.total == runs[0]
    assert sum(detail.executions.by_status.values()) == runs[0]
    assert run(with_backend(demo_dsn, lambda b: b.script_detail(999_999))) is None


def psadmin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psadmin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )


@pytest.fixture(scope="module")
def categories(demo_dsn: str) -> Iterator[dict[int, str]]:
    with psycopg.connect(demo_dsn) as conn:
        rows = conn.execute(
            "SELECT s.id, c.name FROM scripts s JOIN categories c ON c.id = s.category_id"
        ).fetchall()
    yield dict(rows)


def test_cli_similar_json(demo_dsn: str, categories: dict[int, str]) -> None:
    done = psadmin("similar", "12", "--dsn", demo_dsn, "--json", "-k", "7")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["script_id"] == 12 and data["index"] == "script_embeddings_idx"
    results = data["results"]
    assert len(results) == 7 and 12 not in [r["id"] for r in results]
    assert set(results[0]) == {"id", "title", "category", "distance"}
    distances = [r["distance"] for r in results]
    assert distances == sorted(distances)
    assert all(categories[r["id"]] == r["category"] for r in results)
    same = json.loads(
        psadmin("similar", "12", "--same-category", "--json", "--dsn", demo_dsn).stdout
    )
    assert {r["category"] for r in same["results"]} == {categories[12]}
    assert 12 not in [r["id"] for r in same["results"]] and len(same["results"]) == 10


def test_cli_similar_errors_are_one_line(demo_dsn: str) -> None:
    unknown = psadmin("similar", "999999", "--dsn", demo_dsn)
    assert unknown.returncode == 1
    assert unknown.stderr == "psadmin: no script with id 999999\n" and unknown.stdout == ""
    for args in (["0"], ["abc"], ["5", "-k", "1001"], ["5", "--ef-search", "0"]):
        bad = psadmin("similar", *args, "--dsn", demo_dsn)
        assert bad.returncode == 2, (args, bad.stderr)
        assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("psadmin: ")
    text = psadmin("similar", "3", "-k", "2", "--dsn", demo_dsn)
    assert text.returncode == 0 and "script_embeddings_idx (hnsw" in text.stdout
