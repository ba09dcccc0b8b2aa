"""Find similar scripts with pgvector, and the recall check that keeps the index honest.

Every search runs in its own transaction so its settings are ``SET LOCAL`` (set_config with
``is_local``) and vanish at the ROLLBACK that ends it: with a transaction-pooling PgBouncer a
session-level SET would leak to other clients. The ANN statements are shaped so the index
answers (see the comments in ``similar_scripts*.sql``); exact searches turn index scans off.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from asyncpg import Record

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.vectors import (
    DEFAULT_EF_SEARCH,
    DEFAULT_K,
    MAX_EF_SEARCH,
    MAX_K,
    MAX_RECALL_SAMPLES,
    RECALL_SAMPLES,
    AnnIndex,
    RecallSummary,
    SearchPlan,
    SimilarQuery,
    SimilarResult,
    SimilarScript,
    index_params,
    recall_at_k,
    recall_message,
    supports_iterative_scan,
)
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor

EXACT_TIMEOUT = "60s"
"""Statement timeout for exact searches, which the user asked for knowing they are slow."""


@contextlib.asynccontextmanager
async def rolled_back(conn: Executor, settings: Sequence[tuple[str, str]]) -> AsyncIterator[None]:
    """A transaction with these settings local to it, always rolled back (it only reads)."""
    # a cached generic plan could ignore the LIMIT and sort every row instead
    local = [*settings, ("plan_cache_mode", "force_custom_plan")]
    await conn.execute("BEGIN")
    try:
        await conn.fetchval(
            sql.load("set_local_settings"), [n for n, _ in local], [v for _, v in local]
        )
        yield
    finally:
        await conn.execute("ROLLBACK")


def search_settings(query: SimilarQuery, iterative: bool) -> tuple[tuple[str, str], ...]:
    """What a search sets locally: index scans off for an exact one, else the ANN knobs."""
    if query.exact:
        # every vector is detoasted (~25 µs each): seconds at 100,000 scripts
        return (("enable_indexscan", "off"), ("statement_timeout", EXACT_TIMEOUT))
    settings = [
        ("hnsw.ef_search", str(query.ef_search)),
        ("ivfflat.probes", str(query.probes)),
        # The planner does not cost detoasting (~25 µs per 6 KB vector), so it prefers a
        # sorted scan of every vector even where the index is 10-1000x faster. The ANN index
        # scan is the only plan for ORDER BY distance LIMIT k without a Sort; with no index
        # the sort still runs.
        ("enable_sort", "off"),
    ]
    if iterative:
        settings += [
            ("hnsw.iterative_scan", "relaxed_order"),
            ("ivfflat.iterative_scan", "relaxed_order"),
        ]
    return tuple(settings)


def _statement(exact: bool, category_id: int | None) -> tuple[str, bool]:
    name = "exact_similar" if exact else "similar_scripts"
    if category_id is not None:
        return sql.load(f"{name}_same_category"), True
    return sql.load(name), False


async def nearest(
    conn: Executor,
    script_id: int,
    k: int,
    settings: Sequence[tuple[str, str]],
    *,
    exact: bool = False,
    category_id: int | None = None,
    explain: bool = False,
) -> tuple[list[SimilarScript], Any, float]:
    """The k nearest scripts (never ``script_id`` itself), the EXPLAIN JSON if asked, and ms."""
    text, filtered = _statement(exact, category_id)
    args: tuple[Any, ...] = (script_id, k, category_id) if filtered else (script_id, k)
    plan = None
    async with rolled_back(conn, settings):
        if explain:
            plan = json.loads(await conn.fetchval(f"EXPLAIN (FORMAT JSON) {text}", *args))
        started = time.perf_counter()
        records = await conn.fetch(text, *args)
        elapsed = (time.perf_counter() - started) * 1000
    rows = [
        SimilarScript(r["id"], r["title"], r["category"], float(r["distance"])) for r in records
    ]
    return rows, plan, elapsed


def _plan_nodes(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The main path of a plan: the node and its children, minus InitPlans and SubPlans."""
    found = [node]
    for child in node.get("Plans", ()):
        if child.get("Parent Relationship") not in ("InitPlan", "SubPlan"):
            found += _plan_nodes(child)
    return found


def _all_nodes(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [node]
    for child in node.get("Plans", ()):
        found += _all_nodes(child)
    return found


def read_plan(explained: Any, settings: Sequence[tuple[str, str]]) -> SearchPlan:
    """Which index ordered the rows by distance (an index scan with ``Order By``), if any."""
    root = explained[0]["Plan"]
    cte = next((n for n in _all_nodes(root) if n.get("Subplan Name") == "CTE nearest"), root)
    path = _plan_nodes(cte)
    index = next((n["Index Name"] for n in path if "Order By" in n and "Index Name" in n), None)
    nodes = tuple(
        f"{n['Node Type']} ({n['Index Name']})" if "Index Name" in n else n["Node Type"]
        for n in path
    )
    return SearchPlan(index, nodes, tuple(settings))


def _ann_index(r: Record) -> AnnIndex:
    return AnnIndex(
        name=r["name"],
        table=r["table_name"],
        column=r["column_name"],
        method=r["method"],
        opclass=r["opclass"],
        params=index_params(r["method"], r["reloptions"]),
        size_bytes=r["size_bytes"],
        valid=r["valid"],
        definition=r["definition"],
    )


async def ann_indexes(conn: Executor) -> tuple[AnnIndex, ...]:
    return tuple(_ann_index(r) for r in await conn.fetch(sql.load("ann_indexes")))


async def similar_scripts(conn: Executor, query: SimilarQuery, iterative: bool) -> SimilarResult:
    """Top-k by cosine distance from ``query.script_id``, which is never among the results."""
    source = await conn.fetchrow(sql.load("similar_source"), query.script_id)
    if source is None:
        return SimilarResult(query, found=False, reason=f"no script with id {query.script_id}")
    title, category = source["title"], source["category"]
    if not source["embedded"]:
        return SimilarResult(
            query,
            title=title,
            category=category,
            reason=f"script {query.script_id} has no embedding (Embed missing computes one)",
        )
    category_id = source["category_id"]
    if query.same_category and category_id is None:
        return SimilarResult(query, title=title, reason=f"script {query.script_id} has no category")
    settings = search_settings(query, iterative)
    rows, explained, elapsed = await nearest(
        conn,
        query.script_id,
        query.k,
        settings,
        exact=query.exact,
        category_id=category_id if query.same_category else None,
        explain=query.explain,
    )
    plan = read_plan(explained, settings) if explained is not None else None
    index = None
    if plan is not None and plan.index is not None:
        index = next((i for i in await ann_indexes(conn) if i.name == plan.index), None)
    reason = None
    if len(rows) < query.k and query.same_category and not iterative and not query.exact:
        reason = "fewer than k: this pgvector has no iterative scans (0.8.0+) for filtered search"
    return SimilarResult(
        query,
        title=title,
        category=category,
        results=tuple(rows),
        plan=plan,
        index=index,
        reason=reason,
        elapsed_ms=elapsed,
    )


async def measure_recall(
    conn: Executor,
    *,
    k: int = DEFAULT_K,
    samples: int = RECALL_SAMPLES,
    ef_search: int = DEFAULT_EF_SEARCH,
    iterative: bool = True,
) -> tuple[RecallSummary, dict[str, Any]]:
    """recall@k of the index against exact search on a random sample, unfiltered and within
    each sampled script's category; the exact searches run with index scans off."""
    sample = await conn.fetch(sql.load("recall_sample"), samples)
    if not sample:
        raise BackendError("no embeddings to check recall with")
    approx = search_settings(SimilarQuery(1, k=k, ef_search=ef_search), iterative)
    exact = search_settings(SimilarQuery(1, k=k, exact=True), iterative)
    unfiltered: list[float] = []
    filtered: list[float] = []
    exact_ms: list[float] = []
    approx_ms: list[float] = []
    answered: dict[bool, str | None] = {}
    """Per scope (filtered or not): the index that answered, from one EXPLAIN."""
    for record in sample:
        script_id, category_id = record["script_id"], record["category_id"]
        scopes: list[tuple[int | None, list[float]]] = [(None, unfiltered)]
        if category_id is not None:
            scopes.append((category_id, filtered))
        for scope, recalls in scopes:
            explain = (scope is not None) not in answered
            found, plan, ann_ms = await nearest(
                conn, script_id, k, approx, category_id=scope, explain=explain
            )
            if explain:
                answered[scope is not None] = read_plan(plan, approx).index
            truth, _, true_ms = await nearest(
                conn, script_id, k, exact, exact=True, category_id=scope
            )
            recalls.append(recall_at_k([r.distance for r in found], [r.distance for r in truth], k))
            approx_ms.append(ann_ms)
            exact_ms.append(true_ms)
    summary = RecallSummary(
        k=k,
        recall=statistics.fmean(unfiltered),
        same_category_recall=statistics.fmean(filtered) if filtered else None,
        samples=len(sample),
        ef_search=ef_search,
        index=answered.get(False),
    )
    details = {
        "k": k,
        "samples": len(sample),
        "ef_search": ef_search,
        "recall": round(summary.recall, 4),
        "same_category_recall": None
        if summary.same_category_recall is None
        else round(summary.same_category_recall, 4),
        "worst_recall": round(min(unfiltered + filtered), 4),
        "index": answered.get(False),
        "same_category_index": answered.get(True),
        "approx_median_ms": round(statistics.median(approx_ms), 3),
        "exact_median_ms": round(statistics.median(exact_ms), 3),
    }
    return summary, details


def _whole(params: Mapping[str, Any], name: str, default: int, high: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise BackendError(f"{name} must be a whole number from 1 to {high}, not {value!r}")
    return value


@executor("recall_check")
async def recall_check(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """Read-only: compares the index's top-k with the exact top-k on a sample."""
    k = _whole(params, "k", DEFAULT_K, MAX_K)
    samples = _whole(params, "samples", RECALL_SAMPLES, MAX_RECALL_SAMPLES)
    ef_search = _whole(params, "ef_search", DEFAULT_EF_SEARCH, MAX_EF_SEARCH)
    iterative = supports_iterative_scan(ctx.capabilities.extension_version("vector"))
    summary, details = await measure_recall(
        ctx.conn, k=k, samples=samples, ef_search=ef_search, iterative=iterative
    )
    return ActionOutcome(OutcomeStatus.OK, recall_message(summary), details=details)
