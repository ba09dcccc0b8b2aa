"""pg_stat_statements of the connected database, long-running queries, and the reset executor.

Columns are chosen from the *installed* extension version, not the server version: after
pg_upgrade the SQL objects keep their old version (1.8 on an 18 server has no ``toplevel``)
until ``ALTER EXTENSION … UPDATE``. Each tick reads numbers only (``showtext := false``);
texts are fetched by queryid when a statement first appears, then cached, because the server
reads its whole text file to return any of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from asyncpg import Record

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.statement_availability import (
    StatementsAvailability,
    StatementsFacts,
    extension_version,
    statements_availability,
)
from psadmin.models.statements import (
    LongRunningQueries,
    LongRunningQuery,
    StatementKey,
    StatementSample,
    StatementStats,
    is_own,
)
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor

Version = tuple[int, int]

# Result name -> (first extension version with it, expression), newest first. The
# expressions name columns of the extension's own function: fixed here, never from input.
_ALWAYS = (
    "userid",
    "queryid",
    "calls",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "shared_blks_dirtied",
    "shared_blks_written",
    "temp_blks_read",
    "temp_blks_written",
)
_VERSIONED: dict[str, tuple[tuple[Version, str], ...]] = {
    "toplevel": (((1, 9), "s.toplevel"), ((0, 0), "true")),
    "total_exec_ms": (((1, 8), "s.total_exec_time"), ((0, 0), "s.total_time")),
    "min_exec_ms": (((1, 8), "s.min_exec_time"), ((0, 0), "s.min_time")),
    "max_exec_ms": (((1, 8), "s.max_exec_time"), ((0, 0), "s.max_time")),
    "mean_exec_ms": (((1, 8), "s.mean_exec_time"), ((0, 0), "s.mean_time")),
    "stddev_exec_ms": (((1, 8), "s.stddev_exec_time"), ((0, 0), "s.stddev_time")),
    "blk_read_ms": (((1, 11), "s.shared_blk_read_time"), ((0, 0), "s.blk_read_time")),
    "blk_write_ms": (((1, 11), "s.shared_blk_write_time"), ((0, 0), "s.blk_write_time")),
    "wal_bytes": (((1, 8), "s.wal_bytes"), ((0, 0), "NULL::numeric")),
    "plans": (((1, 8), "s.plans"), ((0, 0), "NULL::bigint")),
    "total_plan_ms": (((1, 8), "s.total_plan_time"), ((0, 0), "NULL::float8")),
    "stats_since": (((1, 11), "s.stats_since"), ((0, 0), "NULL::timestamptz")),
}
RESET_ARGUMENTS_SINCE: Version = (1, 7)
"""Before 1.7 the reset takes no arguments and clears every database."""
INFO_SINCE: Version = (1, 9)
"""pg_stat_statements_info (stats_reset, dealloc) exists from 1.9."""


def column_expression(name: str, version: Version) -> str:
    if name in _ALWAYS:
        return f"s.{name}"
    for since, expression in _VERSIONED[name]:
        if version >= since:
            return expression
    raise ValueError(f"no expression for {name} at {version}")  # unreachable: (0, 0) rows


def stat_columns(version: Version) -> str:
    names = (*_ALWAYS, *_VERSIONED)
    return ", ".join(f"{column_expression(name, version)} AS {name}" for name in names)


@dataclass(frozen=True, slots=True)
class StatementsSource:
    """Where and in which version pg_stat_statements is, plus what the catalog says."""

    availability: StatementsAvailability
    schema: str | None
    """Quoted by the server (``quote_ident``)."""
    version: Version
    role: str
    database: str

    def load(self, name: str) -> str:
        """A statement that names the extension's objects, qualified with its schema."""
        assert self.schema is not None
        return sql.load(name).replace("/* schema */", f"{self.schema}.")


async def statements_source(conn: Executor) -> StatementsSource:
    row = await conn.fetchrow(sql.load("statements_availability"))
    assert row is not None  # LEFT JOIN from a one-row relation
    facts = StatementsFacts(
        extension_version=row["extension_version"],
        preloaded=bool(row["preloaded"]),
        installable=row["installable"] is not False,
        sees_all=bool(row["sees_all"]),
        role=row["role"],
        database=row["database"],
        preload_libraries=row["preload_libraries"],
        compute_query_id=row["compute_query_id"],
    )
    version = extension_version(facts.extension_version or "0.0")
    return StatementsSource(
        statements_availability(facts),
        row["extension_schema"],
        version,
        facts.role,
        facts.database,
    )


class StatementTexts:
    """Normalized texts by statement, kept across ticks (bounded; cleared when full)."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._texts: dict[StatementKey, str | None] = {}

    def missing(self, keys: Iterable[StatementKey]) -> list[StatementKey]:
        return [key for key in keys if key not in self._texts]

    def get(self, key: StatementKey) -> str | None:
        return self._texts.get(key)

    def update(self, texts: Mapping[StatementKey, str | None]) -> None:
        if len(self._texts) + len(texts) > self.limit:
            self._texts.clear()
        self._texts.update(texts)


async def statement_texts(
    conn: Executor, source: StatementsSource, keys: Iterable[StatementKey]
) -> dict[StatementKey, str | None]:
    wanted = set(keys)
    if not wanted:
        return {}
    text_sql = source.load("statements_texts").replace(
        "/* toplevel */", column_expression("toplevel", source.version)
    )
    queryids = ",".join(str(q) for q in sorted({key.queryid for key in wanted}))
    rows = await conn.fetch(text_sql, queryids)
    found = {StatementKey(r["userid"], r["queryid"], r["toplevel"]): r["query"] for r in rows}
    return {key: text for key, text in found.items() if key in wanted}


def _stats(row: Record, query: str | None) -> StatementStats:
    wal: Decimal | int | None = row["wal_bytes"]
    return StatementStats(
        key=StatementKey(row["userid"], row["queryid"], row["toplevel"]),
        query=query,
        calls=row["calls"],
        total_exec_ms=row["total_exec_ms"],
        min_exec_ms=row["min_exec_ms"],
        max_exec_ms=row["max_exec_ms"],
        mean_exec_ms=row["mean_exec_ms"],
        stddev_exec_ms=row["stddev_exec_ms"],
        rows=row["rows"],
        shared_blks_hit=row["shared_blks_hit"],
        shared_blks_read=row["shared_blks_read"],
        shared_blks_dirtied=row["shared_blks_dirtied"],
        shared_blks_written=row["shared_blks_written"],
        temp_blks_read=row["temp_blks_read"],
        temp_blks_written=row["temp_blks_written"],
        blk_read_ms=row["blk_read_ms"],
        blk_write_ms=row["blk_write_ms"],
        wal_bytes=None if wal is None else int(wal),
        plans=row["plans"],
        total_plan_ms=row["total_plan_ms"],
        stats_since=row["stats_since"],
    )


def _not_loaded(availability: StatementsAvailability) -> StatementsAvailability:
    return replace(
        availability,
        available=False,
        reason="pg_stat_statements is installed but not loaded (shared_preload_libraries)",
        fix="add pg_stat_statements to shared_preload_libraries and restart PostgreSQL",
    )


async def statement_sample(conn: Executor, texts: StatementTexts) -> StatementSample:
    """Every statement of this database with its totals, psadmin's own left out."""
    source = await statements_source(conn)
    if not source.availability.available:
        return StatementSample(None, source.availability)
    info_sql = source.load("statements_info") if source.version >= INFO_SINCE else None
    try:
        info = await conn.fetchrow(info_sql or sql.load("statements_clock"))
        numbers_sql = source.load("statements_numbers")
        rows = await conn.fetch(numbers_sql.replace("/* columns */", stat_columns(source.version)))
    except asyncpg.ObjectNotInPrerequisiteStateError:  # 55000: the library is not loaded
        return StatementSample(None, _not_loaded(source.availability))
    assert info is not None
    visible = [r for r in rows if r["queryid"] is not None]
    keys = [StatementKey(r["userid"], r["queryid"], r["toplevel"]) for r in visible]
    missing = texts.missing(keys)
    if missing:
        texts.update(await statement_texts(conn, source, missing))
    statements: list[StatementStats] = []
    own = 0
    for row, key in zip(visible, keys, strict=True):
        text = texts.get(key)
        if is_own(text):
            own += 1
        else:
            statements.append(_stats(row, text))
    return StatementSample(
        taken_at=info["taken_at"],
        availability=source.availability,
        statements=tuple(statements),
        stats_reset=info["stats_reset"],
        dealloc=info["dealloc"],
        hidden=len(rows) - len(visible),
        own=own,
    )


async def long_running_queries(conn: Executor, threshold_ms: float) -> LongRunningQueries:
    """Client sessions whose current query has run at least ``threshold_ms``, oldest first."""
    rows = await conn.fetch(sql.load("long_running_queries"), float(threshold_ms))
    return LongRunningQueries(
        threshold_ms,
        tuple(
            LongRunningQuery(
                pid=r["pid"],
                backend_start=r["backend_start"],
                user=r["user_name"],
                application=r["application_name"],
                client_addr=r["client_addr"],
                database=r["datname"],
                state=r["state"],
                wait_event_type=r["wait_event_type"],
                wait_event=r["wait_event"],
                query_ms=max(float(r["query_ms"]), 0.0),
                xact_age_s=None if r["xact_age_s"] is None else max(float(r["xact_age_s"]), 0.0),
                query_id=r["query_id"],
                query=r["query"] or "",
            )
            for r in rows
        ),
    )


# -- the reset executor (DESIGN.md §5: audited, refused in read-only mode) ----------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@executor("reset_statement_stats")
async def reset_statement_stats(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """Reset the statistics of this database (of every database before extension 1.7)."""
    source = await statements_source(ctx.conn)
    availability = source.availability
    if not availability.available:
        return ActionOutcome(OutcomeStatus.ERROR, f"{availability.reason}: {availability.fix}")
    whole_cluster = source.version < RESET_ARGUMENTS_SINCE
    name = "statements_reset_all" if whole_cluster else "statements_reset_database"
    try:
        reset_at = await ctx.conn.fetchval(source.load(name))
    except asyncpg.InsufficientPrivilegeError:
        signature = "" if whole_cluster else "oid, oid, bigint"
        if source.version >= (1, 11):
            signature += ", boolean"
        return ActionOutcome(
            OutcomeStatus.ERROR,
            "permission denied for pg_stat_statements_reset: GRANT EXECUTE ON FUNCTION "
            f"{source.schema}.pg_stat_statements_reset({signature}) TO {source.role}; "
            "(or reset as a superuser)",
        )
    scope = "every database" if whole_cluster else f"database {source.database}"
    return ActionOutcome(
        OutcomeStatus.OK,
        f"statement statistics reset for {scope}",
        details={
            "scope": "cluster" if whole_cluster else "database",
            "reset_at": _iso(reset_at if isinstance(reset_at, datetime) else None),
        },
    )
