"""Embed missing, end to end through the admin-action path on the embedded PostgreSQL 18."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
from pathlib import Path

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.corpus import generate_scripts
from psadmin.demo.embedder import MODEL_NAME, embed
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.vectors import SimilarQuery, VectorHealth, embed_missing_request
from psadmin.schema import create_schema
from tests.conftest import new_database
from tests.integration.helpers import settings_for

SCRIPTS = 30


@pytest.fixture
def dsn(pg18: PostgresCluster) -> str:
    """Scripts with content and no embeddings (a table loaded before the embedder ran)."""
    dsn = new_database(pg18, "scripts_embed")
    asyncio.run(create_schema(dsn))
    with psycopg.connect(dsn, autocommit=True) as conn:
        for doc in generate_scripts(SCRIPTS, seed=3):
            conn.execute(
                "INSERT INTO scripts (title, description, content) VALUES (%s, %s, %s)",
                (doc.title, doc.description, doc.content),
            )
    return dsn


def backend(dsn: str, audit: Path, *, read_only: bool = False) -> LiveBackend:
    profile = dataclasses.replace(Profile(), audit_file=audit)
    return LiveBackend(settings_for(dsn, read_only=read_only, profile=profile))


async def health_of(b: LiveBackend) -> VectorHealth:
    await b.connect()
    return await b.vector_health()


def read_health(dsn: str, audit: Path) -> VectorHealth:
    async def work() -> VectorHealth:
        b = backend(dsn, audit)
        try:
            return await health_of(b)
        finally:
            await b.close()

    return asyncio.run(work())


def run_action(
    dsn: str, audit: Path, batch: int = 7, limit: int | None = None, read_only: bool = False
) -> tuple[ActionOutcome | None, str | None]:
    async def work() -> tuple[ActionOutcome | None, str | None]:
        b = backend(dsn, audit, read_only=read_only)
        try:
            health = await health_of(b)
            request = embed_missing_request(health)
            params = {"limit": limit or max(health.missing, 1), "batch": batch}
            request = dataclasses.replace(request, params=params)
            try:
                return await ActionRunner(b).run(request), None
            except BackendError as exc:
                return None, exc.message
        finally:
            await b.close()

    return asyncio.run(work())


def events(audit: Path) -> list[str]:
    return [json.loads(line)["event"] for line in audit.read_text().splitlines()]


def count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_embed_missing_fills_every_script_in_batches(dsn: str, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    outcome, refused = run_action(dsn, audit, batch=7)
    assert refused is None and outcome is not None
    assert outcome.status is OutcomeStatus.OK, outcome.message
    assert outcome.message == f"embedded {SCRIPTS} scripts in 5 batches with {MODEL_NAME}"
    assert outcome.details["batches"] == 5 and outcome.details["still_missing"] == 0
    assert events(audit) == ["requested", "ok"]
    assert count(dsn, "SELECT count(*) FROM script_embeddings") == SCRIPTS
    models = "SELECT count(DISTINCT model_version || embedding_type) FROM script_embeddings"
    assert count(dsn, models) == 1
    health = read_health(dsn, tmp_path / "h.jsonl")
    assert [(m.model_version, m.embedding_type) for m in health.models] == [
        (MODEL_NAME, "local-hashing")
    ]

    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT s.title, s.description, s.content, e.embedding::text"
            " FROM scripts s JOIN script_embeddings e ON e.script_id = s.id WHERE s.id = 4"
        ).fetchone()
    assert row is not None
    stored = json.loads(row[3])
    expected = embed(f"{row[0]}\n{row[1]}\n{row[2]}")
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(stored, expected, strict=True))

    again, _ = run_action(dsn, audit)
    assert again is not None and again.status is OutcomeStatus.NO_OP
    assert events(audit)[-2:] == ["requested", "no-op"]

    async def similar() -> list[int]:
        b = backend(dsn, audit)
        try:
            await b.connect()
            result = await b.similar_scripts(SimilarQuery(4, k=5))
            return [r.id for r in result.results]
        finally:
            await b.close()

    found = asyncio.run(similar())
    assert len(found) == 5 and 4 not in found


def test_limit_leaves_the_rest_for_the_next_run(dsn: str, tmp_path: Path) -> None:
    outcome, _ = run_action(dsn, tmp_path / "audit.jsonl", batch=4, limit=10)
    assert outcome is not None and outcome.status is OutcomeStatus.OK
    assert outcome.message.endswith(f"; {SCRIPTS - 10} still missing")
    assert count(dsn, "SELECT count(*) FROM script_embeddings") == 10
    health = read_health(dsn, tmp_path / "a.jsonl")
    assert health.missing == SCRIPTS - 10 and health.embedded == 10


def test_refused_when_another_models_vectors_are_present(dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO script_embeddings (script_id, embedding, model_version)"
            " VALUES (1, array_fill(0.01::real, ARRAY[1536])::vector, 'text-embedding-ada-002')"
        )
    audit = tmp_path / "audit.jsonl"
    outcome, _ = run_action(dsn, audit)
    assert outcome is not None and outcome.status is OutcomeStatus.ERROR
    assert "another model (text-embedding-ada-002 (1))" in outcome.message
    assert "nothing changed" in outcome.message
    assert count(dsn, "SELECT count(*) FROM script_embeddings") == 1
    assert events(audit) == ["requested", "error"]


def test_refused_in_read_only_mode(dsn: str, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    outcome, refused = run_action(dsn, audit, read_only=True)
    assert outcome is None and refused == "read-only mode: embed missing refused"
    assert events(audit) == ["refused"]
    assert count(dsn, "SELECT count(*) FROM script_embeddings") == 0


def test_executor_rejects_bad_parameters(dsn: str, tmp_path: Path) -> None:
    async def work(params: dict[str, object]) -> ActionOutcome:
        b = backend(dsn, tmp_path / "audit.jsonl")
        try:
            await b.connect()
            request = ActionRequest("embed_missing", "t", "e", "s", params=params)
            return await ActionRunner(b).run(request)
        finally:
            await b.close()

    for params in ({"limit": 0}, {"limit": "all"}, {"batch": 10**6}, {"limit": True}):
        outcome = asyncio.run(work(params))
        assert outcome.status is OutcomeStatus.ERROR and "must be a whole number" in outcome.message
    assert count(dsn, "SELECT count(*) FROM script_embeddings") == 0
