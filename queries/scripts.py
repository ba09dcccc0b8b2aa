"""PSScript scripts: keyset pages with filters and text search, and one script in detail.

The page statement is assembled from fixed fragments chosen by enum (filters, keyset
condition, order); every value a person typed is a bound parameter. Text search uses pg_trgm
word similarity on the columns that have a trigram index, else ILIKE with ``%``, ``_`` and
``\\`` escaped; the page says which.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from asyncpg import Record

from psadmin.models.scripts import (
    MAX_CONTENT_CHARS,
    MAX_PAGE,
    EmbeddingInfo,
    ExecutionStats,
    ScriptAnalysis,
    ScriptDetail,
    ScriptPage,
    ScriptQuery,
    ScriptRow,
    ScriptSort,
    ScriptVersion,
    SearchInfo,
    SearchMethod,
    findings_from_json,
    notes_from_json,
)
from psadmin.models.users import like_pattern, storable
from queries import sql
from queries.executor import Executor

VERSIONS_SHOWN = 50
ILIKE_COLUMNS = ("title", "description")
"""Without a trigram index, search these; an unindexed ILIKE over content is the slow query
the PSScript API already runs, and psadmin should not add another."""

# (sort key over the row, the same key over a bound cursor value). NULLs map to a value that
# sorts where the order wants them, so keyset comparisons never meet a NULL.
_SORT_KEYS: dict[ScriptSort, tuple[str, str]] = {
    ScriptSort.NEWEST: ("s.id", "{p}::integer"),
    ScriptSort.UPDATED: (
        "coalesce(s.updated_at::timestamptz, '-infinity')",
        "coalesce({p}::timestamptz, '-infinity')",
    ),
    ScriptSort.TITLE: ("s.title::text", "{p}::text"),
    ScriptSort.SECURITY: (
        "coalesce(a.security_score, 'Infinity'::float8)",
        "coalesce({p}::float8, 'Infinity'::float8)",
    ),
    ScriptSort.EXECUTIONS: ("coalesce(s.execution_count, 0)", "coalesce({p}::integer, 0)"),
}


# Filter fragments; {p} becomes the bound parameter's placeholder ($n), never a value.
_BY_CATEGORY = "s.category_id IN (SELECT id FROM categories WHERE lower(name) = lower({p}))"
_BY_TAG = (
    "EXISTS (SELECT 1 FROM script_tags st JOIN tags t ON t.id = st.tag_id"
    " WHERE st.script_id = s.id AND lower(t.name) = lower({p}))"
)
_BY_OWNER = "s.user_id IN (SELECT id FROM users WHERE username = {p})"


class _Params:
    """Numbers bound values ($1, $2, …) as fragments ask for them."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def bind(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


async def search_info(conn: Executor, searching: bool) -> SearchInfo:
    """How text search runs on this database (trigram indexes are looked up only if needed)."""
    if not searching:
        return SearchInfo(SearchMethod.NONE)
    records = await conn.fetch(sql.load("trigram_indexes"))
    if not records:
        return SearchInfo(SearchMethod.ILIKE, ILIKE_COLUMNS)
    columns = tuple(dict.fromkeys(r["column_name"] for r in records))
    indexes = tuple(dict.fromkeys(r["index_name"] for r in records))
    return SearchInfo(SearchMethod.TRIGRAM, columns, indexes)


def _page_statement(
    query: ScriptQuery, search: SearchInfo, sort: ScriptSort, limit: int
) -> tuple[str, list[Any]]:
    params = _Params()
    where: list[str] = []
    wanted = query.filter
    relevance = "NULL::real"
    if search.method is SearchMethod.TRIGRAM:
        term = params.bind(wanted.search)
        # columns come from the catalog but only ever as one of three fixed names
        columns = [c for c in ("title", "description", "content") if c in search.columns]
        where.append("(" + " OR ".join(f"{term} <% s.{c}" for c in columns) + ")")
        scores = [f"word_similarity({term}, coalesce(s.{c}, ''))" for c in columns]
        relevance = scores[0] if len(scores) == 1 else f"greatest({', '.join(scores)})"
    elif search.method is SearchMethod.ILIKE:
        pattern = params.bind(like_pattern(wanted.search))
        where.append(
            "(" + " OR ".join(f"s.{c} ILIKE {pattern} ESCAPE '\\'" for c in ILIKE_COLUMNS) + ")"
        )
    for template, value in (
        (_BY_CATEGORY, wanted.category),
        (_BY_TAG, wanted.tag),
        (_BY_OWNER, wanted.owner),
    ):
        if value is not None:
            where.append(template.replace("{p}", params.bind(value)))
    if wanted.public is not None:
        where.append(f"coalesce(s.is_public, false) = {params.bind(wanted.public)}")
    if wanted.min_security is not None:
        where.append(f"a.security_score >= {params.bind(float(wanted.min_security))}::float8")

    if sort is ScriptSort.RELEVANCE:
        key, cursor_key = relevance, "{p}::real"
    else:
        key, cursor_key = _SORT_KEYS[sort]
    # Walking backwards flips both the comparison and the order; rows are reversed after.
    backwards = query.before is not None
    descending = sort.descending != backwards
    cursor = query.before or query.after
    if cursor is not None:
        op = "<" if descending else ">"
        if sort is ScriptSort.NEWEST:
            where.append(f"s.id {op} {params.bind(cursor.id)}")
        else:
            value = cursor_key.format(p=params.bind(cursor.value))
            where.append(f"({key}, s.id) {op} ({value}, {params.bind(cursor.id)})")
    direction = "DESC" if descending else "ASC"
    order = f"{key} {direction}, s.id {direction}"
    if sort is ScriptSort.NEWEST:
        order = f"s.id {direction}"
    text = (
        sql.load("scripts_page")
        .replace("/* relevance */", relevance)
        .replace("/* where */", " AND ".join(where) or "true")
        .replace("/* order */", order)
        .replace("/* limit */", params.bind(limit + 1))
    )
    return text, params.values


def _row(record: Record) -> ScriptRow:
    return ScriptRow(
        id=record["id"],
        title=record["title"],
        category=record["category"],
        owner=record["owner"],
        tags=tuple(record["tags"] or ()),
        version=record["version"],
        is_public=record["is_public"],
        execution_count=record["execution_count"],
        security_score=record["security_score"],
        quality_score=record["quality_score"],
        updated_at=record["updated_at"],
        relevance=record["relevance"],
    )


def _unsearchable(query: ScriptQuery) -> bool:
    """Filter values PostgreSQL text cannot even hold (NUL, lone surrogates) match nothing."""
    f = query.filter
    texts = [f.search, f.category or "", f.tag or "", f.owner or ""]
    return not all(storable(t) for t in texts)


async def scripts_page(conn: Executor, query: ScriptQuery) -> ScriptPage:
    """One page in ``query.sort`` order after/before a cursor; never OFFSET."""
    searching = bool(query.filter.search.strip())
    if searching and query.filter.search != query.filter.search.strip():
        query = replace(query, filter=replace(query.filter, search=query.filter.search.strip()))
    if _unsearchable(query):
        method = SearchMethod.ILIKE if searching else SearchMethod.NONE
        return ScriptPage((), False, False, SearchInfo(method), query.sort)
    search = await search_info(conn, searching)
    sort = query.sort
    if sort is ScriptSort.RELEVANCE and search.method is not SearchMethod.TRIGRAM:
        sort = ScriptSort.NEWEST  # the page says so; its cursors are then newest-first ones
    limit = min(max(query.limit, 1), MAX_PAGE)
    text, params = _page_statement(query, search, sort, limit)
    records = await conn.fetch(text, *params)
    more = len(records) > limit
    rows = tuple(_row(r) for r in records[:limit])
    if query.before is not None:
        if not more:
            # Nothing before this page: show a full first page rather than a short one.
            return await scripts_page(conn, replace(query, before=None, after=None))
        return ScriptPage(tuple(reversed(rows)), True, True, search, sort)
    return ScriptPage(rows, more, query.after is not None, search, sort)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _analysis(r: Record) -> ScriptAnalysis | None:
    if not r["analysed"]:
        return None
    return ScriptAnalysis(
        purpose=r["purpose"],
        security_score=r["security_score"],
        quality_score=r["quality_score"],
        risk_score=r["risk_score"],
        security_issues=findings_from_json(_json(r["security_issues"])),
        best_practice_violations=findings_from_json(_json(r["best_practice_violations"])),
        suggestions=notes_from_json(_json(r["suggestions"])),
        potential_risks=notes_from_json(_json(r["potential_risks"])),
        performance_insights=notes_from_json(_json(r["performance_insights"])),
        analysis_version=r["analysis_version"],
        updated_at=r["analysis_updated_at"],
    )


def _executions(r: Record | None) -> ExecutionStats:
    if r is None or not r["total"]:
        return ExecutionStats()
    by_status = _json(r["by_status"]) or {}
    return ExecutionStats(
        total=r["total"],
        by_status={str(k): int(v) for k, v in by_status.items()},
        mean_ms=None if r["mean_ms"] is None else float(r["mean_ms"]),
        p95_ms=None if r["p95_ms"] is None else float(r["p95_ms"]),
        last_at=r["last_at"],
        last_30_days=r["last_30_days"],
        last_error=r["last_error"],
    )


async def script_detail(conn: Executor, script_id: int) -> ScriptDetail | None:
    """Everything the detail screen shows about one script, or None if there is no such id."""
    if not 0 < script_id < 2**31:
        return None
    r = await conn.fetchrow(sql.load("script_detail"), script_id, MAX_CONTENT_CHARS)
    if r is None:
        return None
    versions = await conn.fetch(sql.load("script_version_history"), script_id, VERSIONS_SHOWN)
    stats = await conn.fetchrow(sql.load("script_execution_stats"), script_id)
    embedding = None
    if r["embedded"]:
        latest, at = r["latest_version_at"], r["embedded_at"]
        embedding = EmbeddingInfo(
            model_version=r["model_version"],
            embedding_type=r["embedding_type"],
            updated_at=at,
            stale=latest is not None and at is not None and at < latest,
        )
    return ScriptDetail(
        id=r["id"],
        title=r["title"],
        description=r["description"],
        category=r["category"],
        owner=r["owner"],
        tags=tuple(r["tags"] or ()),
        version=r["version"],
        is_public=r["is_public"],
        execution_count=r["execution_count"],
        average_execution_ms=r["average_execution_time"],
        last_executed_at=r["last_executed_at"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        file_hash=r["file_hash"],
        content=r["content"] or "",
        content_chars=r["content_chars"] or 0,
        analysis=_analysis(r),
        versions=tuple(
            ScriptVersion(
                version=v["version"],
                created_at=v["created_at"],
                author=v["author"],
                commit_message=v["commit_message"],
                size_chars=v["size_chars"] or 0,
            )
            for v in versions
        ),
        versions_total=r["versions_total"],
        executions=_executions(stats),
        embedding=embedding,
    )
