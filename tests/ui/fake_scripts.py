"""Scripted scripts, vectors and their health for the Scripts screen tests.

Pages follow the same keyset contract as the real query (after/before a cursor, newest or
title order); "similar" ranks by id distance, never returns the script itself, and honours
the same-category flag, so the screen's handling can be checked without a server.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from psadmin.models.errors import BackendError
from psadmin.models.scripts import (
    ExecutionStats,
    Finding,
    ScriptAnalysis,
    ScriptDetail,
    ScriptPage,
    ScriptQuery,
    ScriptRow,
    ScriptSort,
    ScriptVersion,
    SearchInfo,
    SearchMethod,
)
from psadmin.models.vectors import (
    AnnIndex,
    EmbeddingModel,
    SearchPlan,
    SimilarQuery,
    SimilarResult,
    SimilarScript,
    VectorHealth,
)

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
CATEGORIES = ("Active Directory", "Backup & Recovery", "Network Management")
INDEX = AnnIndex(
    name="script_embeddings_idx",
    table="script_embeddings",
    column="embedding",
    method="hnsw",
    opclass="vector_cosine_ops",
    params=(("m", "16"), ("ef_construction", "64")),
    size_bytes=8 * 2**20,
    valid=True,
    definition="CREATE INDEX script_embeddings_idx ON script_embeddings USING hnsw …",
)
CONTENT = """<#
.SYNOPSIS
    Reports stale computer accounts.
#>
[CmdletBinding()]
param([int]$Days = 90)
Get-ADComputer -Filter * -Properties LastLogonDate |
    Where-Object { $_.LastLogonDate -lt (Get-Date).AddDays(-$Days) }
"""


def make_row(i: int) -> ScriptRow:
    return ScriptRow(
        id=i,
        title=f"Script {i:03d}",
        category=CATEGORIES[i % 3],
        owner="alice" if i % 2 else "bob",
        tags=("csv", "reporting"),
        version=1 + i % 3,
        is_public=i % 2 == 0,
        execution_count=i * 3,
        security_score=float(40 + i % 60),
        quality_score=80.0,
        updated_at=T0 - timedelta(minutes=i),
    )


class FakeScripts:
    def __init__(self, count: int = 120) -> None:
        self.rows = [make_row(i) for i in range(1, count + 1)]
        self.missing = 5
        self.fail_similar: str | None = None
        self.health_error: BackendError | None = None
        self.queries: list[ScriptQuery] = []
        self.similar_queries: list[SimilarQuery] = []

    def page(self, query: ScriptQuery) -> ScriptPage:
        self.queries.append(query)
        f = query.filter
        rows = [
            r
            for r in self.rows
            if (f.category is None or (r.category or "").lower() == f.category.lower())
            and (f.public is None or r.is_public == f.public)
            and (f.search.lower() in r.title.lower())
        ]
        sort = ScriptSort.TITLE if query.sort is ScriptSort.TITLE else ScriptSort.NEWEST
        descending = sort is ScriptSort.NEWEST

        def key(r: ScriptRow) -> tuple[str | int, int]:
            return (r.title, r.id) if sort is ScriptSort.TITLE else (r.id, r.id)

        rows.sort(key=key, reverse=descending)
        search = SearchInfo(SearchMethod.ILIKE, ("title", "description")) if f.search else None
        info = search or SearchInfo(SearchMethod.NONE)
        if query.after is not None:
            mark = (query.after.value, query.after.id)
            rows = [r for r in rows if (key(r) < mark if descending else key(r) > mark)]  # type: ignore[operator]
        if query.before is not None:
            mark = (query.before.value, query.before.id)
            before = [r for r in rows if (key(r) > mark if descending else key(r) < mark)]  # type: ignore[operator]
            window = before[-query.limit :]
            return ScriptPage(tuple(window), True, len(before) > query.limit, info, sort)
        return ScriptPage(
            tuple(rows[: query.limit]),
            len(rows) > query.limit,
            query.after is not None,
            info,
            sort,
        )

    def detail(self, script_id: int) -> ScriptDetail | None:
        row = next((r for r in self.rows if r.id == script_id), None)
        if row is None:
            return None
        return ScriptDetail(
            id=row.id,
            title=row.title,
            description="Finds computer accounts that have not logged on for a while.",
            category=row.category,
            owner=row.owner,
            tags=row.tags,
            version=row.version,
            is_public=row.is_public,
            execution_count=row.execution_count,
            average_execution_ms=1200.0,
            last_executed_at=T0,
            created_at=T0 - timedelta(days=30),
            updated_at=row.updated_at,
            file_hash="abc123",
            content=CONTENT,
            content_chars=len(CONTENT),
            analysis=ScriptAnalysis(
                purpose="Lists stale AD computer accounts for cleanup.",
                security_score=row.security_score,
                quality_score=80.0,
                risk_score=12.0,
                security_issues=(
                    Finding("Plain-text secret", "high", "Use SecretManagement.", 38),
                ),
                suggestions=("Add -WhatIf support.",),
            ),
            versions=(
                ScriptVersion(2, T0, "alice", "Add CmdletBinding", len(CONTENT)),
                ScriptVersion(1, T0 - timedelta(days=1), "alice", "Initial version", 120),
            ),
            versions_total=2,
            executions=ExecutionStats(
                total=10,
                by_status={"success": 8, "failure": 2},
                mean_ms=900.0,
                p95_ms=2500.0,
                last_at=T0,
                last_30_days=4,
                last_error="Access to the path is denied.",
            ),
            embedding=None,
        )

    def similar(self, query: SimilarQuery) -> SimilarResult:
        self.similar_queries.append(query)
        if self.fail_similar is not None:
            return SimilarResult(query, reason=self.fail_similar)
        source = next((r for r in self.rows if r.id == query.script_id), None)
        if source is None:
            return SimilarResult(query, found=False, reason=f"no script with id {query.script_id}")
        candidates = [
            r
            for r in self.rows
            if r.id != source.id and (not query.same_category or r.category == source.category)
        ]
        candidates.sort(key=lambda r: (abs(r.id - source.id), r.id))
        results = tuple(
            SimilarScript(r.id, r.title, r.category, abs(r.id - source.id) / 1000)
            for r in candidates[: query.k]
        )
        settings = (("hnsw.ef_search", str(query.ef_search)),)
        return SimilarResult(
            query,
            title=source.title,
            category=source.category,
            results=results,
            plan=SearchPlan(INDEX.name, ("Limit", f"Index Scan ({INDEX.name})"), settings),
            index=INDEX,
            elapsed_ms=1.5,
        )

    def health(self) -> VectorHealth:
        if self.health_error is not None:
            raise self.health_error
        total = len(self.rows)
        return VectorHealth(
            True,
            pgvector_version="0.8.1",
            scripts=total,
            embedded=total - self.missing,
            missing=self.missing,
            stale=2,
            wrong_dimension=0,
            dimension=1536,
            models=(EmbeddingModel("psadmin-hashing-v1", "local-hashing", total - self.missing),),
            indexes=(INDEX,),
            ef_search_default=40,
            local_model="psadmin-hashing-v1",
            as_of=T0,
        )

    def add(self, row: ScriptRow) -> None:
        self.rows.append(replace(row))
