"""Vector health: embedding coverage, the ANN indexes and their builds, and Embed missing.

Coverage counts are exact (a few index probes per script); the dimension check reads every
vector only when the column type does not already enforce the dimension.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.capabilities import Capabilities
from psadmin.models.errors import BackendError
from psadmin.models.vectors import EmbeddingModel, IndexBuild, VectorHealth
from queries import sql
from queries.executor import Executor
from queries.vectors import ann_indexes

EXPECTED_DIMENSION = 1536
SCRIPTS_SCREEN_TABLES = (
    "scripts",
    "script_embeddings",
    "script_versions",
    "script_analysis",
    "script_tags",
    "tags",
    "categories",
    "users",
    "execution_logs",
)
"""Every table the Scripts screen reads (list, detail, similar, health)."""

Embedder = Callable[[Sequence[str]], Awaitable[list[str]]]
"""Texts → vectors in pgvector's text form (``'[0.1,0,…]'``), computed off the event loop."""


async def index_builds(conn: Executor) -> tuple[IndexBuild, ...]:
    """Index builds running in this database (cheap: one progress view)."""
    return tuple(
        IndexBuild(
            pid=r["pid"],
            table=r["table_name"],
            index=r["index_name"],
            command=r["command"],
            phase=r["phase"],
            blocks_done=r["blocks_done"] or 0,
            blocks_total=r["blocks_total"] or 0,
            tuples_done=r["tuples_done"] or 0,
            tuples_total=r["tuples_total"] or 0,
        )
        for r in await conn.fetch(sql.load("index_builds"))
    )


async def embedding_models(conn: Executor) -> tuple[EmbeddingModel, ...]:
    return tuple(
        EmbeddingModel(r["model_version"], r["embedding_type"], r["count"])
        for r in await conn.fetch(sql.load("embedding_models"))
    )


async def vector_health(
    conn: Executor, caps: Capabilities, local_model: str | None = None
) -> VectorHealth:
    """Coverage, models, ANN indexes and builds — or why they cannot be shown here."""
    version = caps.extension_version("vector")
    if version is None:
        return VectorHealth(
            False,
            reason="the pgvector extension is not installed in this database",
            fix="CREATE EXTENSION vector (pgvector 0.8.3 or later)",
            local_model=local_model,
        )
    present = await conn.fetchval(sql.load("vector_tables_present"))
    if not present:
        return VectorHealth(
            False,
            reason="no scripts / script_embeddings tables here (is it the PSScript database?)",
            fix="connect to the PSScript database, or set search_path to its schema",
            pgvector_version=version,
            local_model=local_model,
        )
    denied = await conn.fetchrow(sql.load("vector_tables_unreadable"), SCRIPTS_SCREEN_TABLES)
    assert denied is not None
    if denied["tables"]:
        tables = ", ".join(denied["tables"])
        return VectorHealth(
            False,
            reason=f"role {denied['role']} may not read {tables}",
            fix=f"GRANT SELECT ON {tables} TO {denied['role']}",
            pgvector_version=version,
            local_model=local_model,
        )
    row = await conn.fetchrow(sql.load("vector_coverage"))
    assert row is not None
    ef_search = await conn.fetchval(sql.load("vector_ef_search"))
    declared = row["dimension"] if row["dimension"] and row["dimension"] > 0 else None
    wrong = 0
    if declared is None:
        wrong = await conn.fetchval(sql.load("wrong_dimension"), EXPECTED_DIMENSION)
    elif declared != EXPECTED_DIMENSION:
        wrong = row["embedded"]
    return VectorHealth(
        True,
        pgvector_version=version,
        scripts=row["scripts"],
        embedded=row["embedded"],
        missing=row["missing"],
        stale=row["stale"],
        wrong_dimension=wrong,
        dimension=declared,
        expected_dimension=EXPECTED_DIMENSION,
        models=await embedding_models(conn),
        indexes=await ann_indexes(conn),
        builds=await index_builds(conn),
        ef_search_default=int(ef_search) if ef_search else None,
        local_model=local_model,
        as_of=row["as_of"],
    )


async def embed_missing(
    conn: Executor,
    embedder: Embedder,
    *,
    model_version: str,
    embedding_type: str,
    limit: int,
    batch: int,
) -> ActionOutcome:
    """Embed up to ``limit`` scripts that have no embedding, ``batch`` per statement.

    Each batch is one INSERT, so it commits on its own: an interrupted run keeps what it did.
    Refused when the table holds another model's vectors, which would not be comparable.
    """
    foreign = [m for m in await embedding_models(conn) if m.model_version != model_version]
    if foreign:
        names = ", ".join(f"{m.model_version} ({m.count})" for m in foreign[:3])
        raise BackendError(
            f"script_embeddings holds vectors of another model ({names}); embedding with "
            f"{model_version} would mix incomparable vectors: nothing changed"
        )
    done = batches = 0
    last_id = 0
    while done < limit:
        size = min(batch, limit - done)
        records = await conn.fetch(sql.load("missing_embeddings"), last_id, size)
        if not records:
            break
        last_id = records[-1]["id"]
        texts = [f"{r['title']}\n{r['description'] or ''}\n{r['content'] or ''}" for r in records]
        vectors = await embedder(texts)
        status = await conn.execute(
            sql.load("insert_embeddings"),
            [r["id"] for r in records],
            vectors,
            embedding_type,
            model_version,
        )
        done += int(status.split()[-1])
        batches += 1
    left = await conn.fetchval(sql.load("missing_embedding_count"))
    details = {"embedded": done, "batches": batches, "still_missing": left, "model": model_version}
    if not done:
        return ActionOutcome(
            OutcomeStatus.NO_OP, "no scripts without an embedding", details=details
        )
    more = f"; {left} still missing" if left else ""
    return ActionOutcome(
        OutcomeStatus.OK,
        f"embedded {done} scripts in {batches} batches with {model_version}{more}",
        details=details,
    )
