"""Indexes: usage, estimated bloat, the schema audit, and the create_index executor
(CREATE INDEX CONCURRENTLY on the admin connection; its progress is queries.vector_health
.index_builds)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

import asyncpg

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.indexes import (
    IndexAudit,
    IndexBloat,
    IndexSpec,
    IndexUsage,
    IndexUsageRow,
    SeqScanTable,
    sort_findings,
    split_suppressed,
)
from psadmin.models.schema_shape import SchemaShape
from queries import sql
from queries.actions import ActionContext, executor
from queries.audit_findings import generic_findings, stats_reset
from queries.executor import Executor
from queries.psscript_drift import psscript_findings

SEQ_SCAN_MIN_ROWS: Final = 1000
"""Smaller tables are read faster by a sequential scan than through any index."""
SEQ_SCAN_LIMIT: Final = 50
BUILD_LOCK_TIMEOUT_MS: Final = 60_000
"""How long CREATE INDEX CONCURRENTLY may wait for each older transaction before giving up,
so a forgotten idle-in-transaction session cannot hold the admin connection forever."""


async def index_usage(
    conn: Executor,
    server_version_num: int,
    known: IndexUsage | None = None,
    *,
    min_rows: int = SEQ_SCAN_MIN_ROWS,
    limit: int = SEQ_SCAN_LIMIT,
) -> IndexUsage:
    """Every index's counters, plus the tables read mostly by sequential scans.

    Without ``known`` the catalog is read too: the list of indexes, their flags and their size
    on disk (which opens every index: most of the cost). With an earlier result as ``known``,
    its list and sizes are kept (as of its ``catalog_taken_at``) and only the counters are
    read, from shared memory; an index dropped since is left out.
    """
    taken_at, reset = await stats_reset(conn)
    if known is None:
        catalog = await _index_catalog(conn)
        catalog_taken_at = taken_at
    else:
        catalog, catalog_taken_at = known.indexes, known.catalog_taken_at
    counters = {
        r["oid"]: r
        for r in await conn.fetch(
            sql.load("index_counters", server_version_num), [i.oid for i in catalog]
        )
    }
    indexes = tuple(
        dataclasses.replace(
            index,
            scans=c["scans"] or 0,
            last_scan=c["last_scan"],
            tuples_read=c["tuples_read"] or 0,
            tuples_fetched=c["tuples_fetched"] or 0,
            blocks_hit=c["blocks_hit"] or 0,
            blocks_read=c["blocks_read"] or 0,
            valid=c["is_valid"],
        )
        for index in catalog
        if (c := counters.get(index.oid)) is not None
    )
    tables = tuple(
        SeqScanTable(
            schema=r["schema_name"],
            table=r["table_name"],
            size_bytes=r["size_bytes"],
            live_rows=r["live_rows"],
            seq_scans=r["seq_scans"],
            seq_rows_read=r["seq_rows_read"],
            index_scans=r["index_scans"],
            last_seq_scan=r["last_seq_scan"],
        )
        for r in await conn.fetch(sql.load("seq_scan_tables", server_version_num), min_rows, limit)
    )
    return IndexUsage(taken_at, reset, indexes, tables, catalog_taken_at)


async def _index_catalog(conn: Executor) -> tuple[IndexUsageRow, ...]:
    """The indexes as the catalog describes them, with their size; counters still zero."""
    return tuple(
        IndexUsageRow(
            oid=r["oid"],
            schema=r["schema_name"],
            table=r["table_name"],
            name=r["index_name"],
            method=r["method"],
            size_bytes=r["size_bytes"] or 0,
            scans=0,
            last_scan=None,
            tuples_read=0,
            tuples_fetched=0,
            blocks_hit=0,
            blocks_read=0,
            unique=r["is_unique"],
            primary=r["is_primary"],
            constraint=r["constraint_name"],
            valid=True,
        )
        for r in await conn.fetch(sql.load("index_catalog"))
    )


async def index_bloat(conn: Executor) -> list[IndexBloat]:
    """Estimated bloat of every btree index (catalog statistics only; no page is read)."""
    return [
        IndexBloat(
            schema=r["schema_name"],
            table=r["table_name"],
            name=r["index_name"],
            size_bytes=r["size_bytes"],
            bloat_bytes=r["bloat_bytes"],
            bloat_ratio=r["bloat_ratio"],
            reliable=r["reliable"],
        )
        for r in await conn.fetch(sql.load("index_bloat"))
    ]


async def schema_audit(
    conn: Executor,
    *,
    expected: SchemaShape | None = None,
    core_tables: Sequence[str] = (),
    suppress: Sequence[str] = (),
) -> IndexAudit:
    """Every finding: the generic checks, plus drift and orphans when ``core_tables`` exist.

    A dozen set-based catalog statements in all, whatever the number of tables.
    """
    started = time.perf_counter()
    taken_at, reset = await stats_reset(conn)
    age = None if reset is None else max((taken_at - reset).total_seconds(), 0.0)
    findings = await generic_findings(conn, age)
    psscript: str | None = None
    notes: list[str] = []
    if expected is not None and core_tables:
        psscript, specific, notes = await psscript_findings(conn, expected, core_tables)
        findings.extend(specific)
    kept, hidden = split_suppressed(findings, suppress)
    return IndexAudit(
        taken_at=taken_at,
        stats_reset=reset,
        findings=sort_findings(kept),
        suppressed=hidden,
        psscript_schema=psscript,
        duration_ms=(time.perf_counter() - started) * 1000,
        notes=tuple(notes),
    )


# -- the create_index executor ----------------------------------------------------------------


async def _index_state(conn: Executor, spec: IndexSpec) -> asyncpg.Record:
    row = await conn.fetchrow(
        sql.load("create_index_statement"),
        spec.schema,
        spec.table,
        spec.name,
        list(spec.columns),
        spec.method,
        [o or "" for o in spec.opclasses] or [""] * len(spec.columns),
        [k for k, _ in spec.options],
        [v for _, v in spec.options],
    )
    assert row is not None  # a SELECT without a filtering FROM returns one row
    return row


@executor("create_index")
async def create_index(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """CREATE INDEX CONCURRENTLY, rebuilt and quoted by the server from checked names.

    It runs outside any transaction with no statement timeout (a build takes as long as it
    takes) but a bounded wait for older transactions. If it fails, the invalid index a failed
    concurrent build leaves behind is dropped, so a retry starts clean.
    """
    try:
        spec = IndexSpec.from_params(params)
    except (KeyError, TypeError, ValueError) as exc:
        return ActionOutcome(OutcomeStatus.ERROR, f"bad request: {exc}")
    where = f"{spec.schema}.{spec.table}"
    state = await _index_state(ctx.conn, spec)
    if state["problem"] is not None:
        return ActionOutcome(OutcomeStatus.ERROR, str(state["problem"]))
    if state["existing_kind"] is not None:
        if state["existing_kind"] == "i" and state["existing_valid"]:
            return ActionOutcome(
                OutcomeStatus.NO_OP, f"index {spec.name} already exists in {spec.schema}"
            )
        what = "an invalid index" if state["existing_kind"] == "i" else "another relation"
        return ActionOutcome(
            OutcomeStatus.ERROR,
            f"{spec.name} is already taken by {what} in {spec.schema}; drop or rename it first",
        )
    statement: str = state["statement"]
    await ctx.conn.execute("SET statement_timeout = 0")
    await ctx.conn.execute(f"SET lock_timeout = {BUILD_LOCK_TIMEOUT_MS}")
    try:
        await ctx.conn.execute(f"/* psadmin:create_index */ {statement}")
    except asyncpg.PostgresError as exc:
        cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        cleaned = await _drop_leftover(ctx.conn, spec)
        return ActionOutcome(
            OutcomeStatus.ERROR,
            f"CREATE INDEX CONCURRENTLY on {where} failed: {cause}"
            + ("; the invalid index it left was dropped" if cleaned else ""),
            details={"statement": statement, "dropped_leftover": cleaned},
        )
    finally:
        await ctx.conn.execute("RESET statement_timeout")
        await ctx.conn.execute("RESET lock_timeout")
    return ActionOutcome(
        OutcomeStatus.OK, f"created index {spec.name} on {where}", details={"statement": statement}
    )


async def _drop_leftover(conn: Executor, spec: IndexSpec) -> bool:
    """Drop the invalid index a failed concurrent build left, if it is there."""
    try:
        state = await _index_state(conn, spec)
        if state["existing_kind"] != "i" or state["existing_valid"]:
            return False
        drop = await conn.fetchval(sql.load("drop_index_statement"), spec.schema, spec.name)
        await conn.execute(f"/* psadmin:drop_invalid_index */ {drop}")
    except asyncpg.PostgresError:
        return False  # the outcome still says the build failed; the audit shows the leftover
    return True
