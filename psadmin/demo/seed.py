"""Fill a fresh PSScript database: schema, bulk COPY of every table, vector index, cache.

The load runs in one transaction; sequences are moved past the ids assigned in
:mod:`psadmin.demo.seed_rows`; the HNSW index is built after the load (much faster than
maintaining it row by row).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import redis.asyncio as aioredis
from psycopg import sql

from psadmin.demo.corpus import CATEGORIES, ScriptDoc, generate_scripts
from psadmin.demo.people import DemoUser, generate_users
from psadmin.demo.seed_rows import (
    ScriptRows,
    TableRows,
    jsonb,
    reference_rows,
    social_rows,
    user_rows,
)
from psadmin.schema import create_schema, create_vector_index, metadata

Progress = Callable[[str], None]

CHURN_PASSES = {"script_versions": 14, "script_analysis": 16}
"""The seed's change record found 1400 % and 1600 % dead rows in these tables before its
VACUUM; the demo replays that much re-analysis churn, with autovacuum off on both, so the
Tables screen opens on the same situation and the workload keeps adding to it."""

ADMIN_EXTENSIONS = ("pg_stat_statements", "pgstattuple", "pg_trgm")
"""What a PSScript database monitored by psadmin is expected to have installed."""


@dataclass(frozen=True, slots=True)
class SeedSummary:
    users: int
    scripts: int
    versions: int
    executions: int


async def copy_rows(conn: psycopg.AsyncConnection[Any], load: TableRows) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(load.table), sql.SQL(", ").join(map(sql.Identifier, load.columns))
    )
    count = 0
    async with conn.cursor().copy(statement) as copy:
        for row in load.rows:
            await copy.write_row(row)
            count += 1
    return count


async def seed_database(
    dsn: str,
    *,
    scripts: int,
    users: int,
    redis_url: str | None,
    progress: Progress = lambda _message: None,
    seed: int = 7,
) -> SeedSummary:
    """Create the schema and load the demo data; returns what was loaded."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    progress("creating the PSScript schema")
    await create_schema(dsn, defer_vector_index=True)
    people = generate_users(users, now, seed)
    counts: dict[str, int] = {}
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        for extension in ADMIN_EXTENSIONS:
            await conn.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension))
            )
        for table in CHURN_PASSES:
            await conn.execute(
                sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = false)").format(
                    sql.Identifier(table)
                )
            )
        progress(f"generating, embedding and loading {scripts} scripts")
        docs = list(generate_scripts(scripts, seed))
        loads = [
            *reference_rows(),
            user_rows(people),
            *ScriptRows(docs, people, rng, now).all(),
            *social_rows(people, len(docs), rng, now),
        ]
        for load in loads:
            counts[load.table] = await copy_rows(conn, load)
        for table in (t.name for t in metadata.sorted_tables if "id" in t.c):
            await conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'),"
                    " coalesce((SELECT max(id) FROM {}), 0) + 1, false)"
                ).format(sql.Literal(table), sql.Identifier(table))
            )
        await conn.commit()
    progress("building the HNSW index on script_embeddings")
    await create_vector_index(dsn)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute("ANALYZE")
        progress("replaying the re-analysis churn that bloated script_versions/script_analysis")
        for table, passes in CHURN_PASSES.items():
            for _ in range(passes):
                await conn.execute(
                    sql.SQL("UPDATE {} SET created_at = created_at").format(sql.Identifier(table))
                )
    if redis_url:
        await warm_cache(redis_url, people, docs)
    return SeedSummary(
        users=counts["users"],
        scripts=counts["scripts"],
        versions=counts["script_versions"],
        executions=counts["execution_logs"],
    )


async def warm_cache(redis_url: str, people: Sequence[DemoUser], docs: Sequence[ScriptDoc]) -> None:
    """Put the PSScript key families in Redis with the seed's TTLs, as a running API would."""
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        async with client.pipeline(transaction=False) as pipe:
            pipe.set("categories:all", jsonb([name for name, _ in CATEGORIES]))
            for sid, doc in enumerate(docs[:200], 1):
                pipe.set(f"script:{sid}", jsonb({"id": sid, "title": doc.title}), ex=600)
                score = {"script_id": sid, "security_score": doc.analysis.security_score}
                pipe.set(f"analysis:{sid}", jsonb(score), ex=600)
            for page in range(1, 6):
                first = (page - 1) * 20 + 1
                pipe.set(f"scripts:{page}:20:all", jsonb(list(range(first, first + 20))), ex=300)
            pipe.set("analytics:security-distribution", jsonb({}), ex=3600)
            for user in people:
                if user.login_attempts:
                    pipe.set(f"auth:attempts:{user.username}", user.login_attempts, ex=1800)
            await pipe.execute()
    finally:
        await client.aclose()
