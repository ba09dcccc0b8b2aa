"""VACUUM: the admin-action executor, live progress, cancellation, table lookup.

The executor runs on the reserved admin connection (autocommit, so VACUUM is never inside a
transaction block), resolves the table from its oid with the server doing the quoting,
checks the privilege first (VACUUM without it only warns and skips), lifts the session's
statement_timeout for this one statement but keeps a lock_timeout, and collects every notice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import asyncpg
from asyncpg import Record

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.overview import format_bytes
from psadmin.models.vacuum import (
    TableState,
    VacuumOptions,
    VacuumProgress,
    permission_message,
)
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor

STATEMENT_TAG = "/* psadmin:vacuum */"
"""Starts the VACUUM statement, so a cancel can check that the pid still runs it."""
MAX_NOTICES = 200


async def vacuum_progress(
    conn: Executor, server_version_num: int, own_pid: int = 0
) -> list[VacuumProgress]:
    """Every VACUUM (and VACUUM FULL) running in this database; ``own`` marks psadmin's."""
    rows = await conn.fetch(sql.load("vacuum_progress", server_version_num), own_pid)
    return [
        VacuumProgress(
            pid=r["pid"],
            relid=r["relid"],
            table=r["table_name"],
            command=r["command"],
            phase=r["phase"],
            autovacuum=bool(r["autovacuum"]),
            own=bool(r["own"]),
            running_s=r["running_s"],
            heap_blks_total=r["heap_blks_total"],
            heap_blks_scanned=r["heap_blks_scanned"],
            heap_blks_vacuumed=r["heap_blks_vacuumed"],
            index_vacuum_count=r["index_vacuum_count"],
            dead_items=r["dead_items"],
            max_dead_items=r["max_dead_items"],
            dead_item_bytes=r["dead_item_bytes"],
            max_dead_item_bytes=r["max_dead_item_bytes"],
            indexes_total=r["indexes_total"],
            indexes_processed=r["indexes_processed"],
            tuples_scanned=r["tuples_scanned"],
            tuples_written=r["tuples_written"],
        )
        for r in rows
    ]


async def cancel_vacuum(conn: Executor, admin_pid: int) -> bool:
    """pg_cancel_backend of the admin connection, only while it is running psadmin's VACUUM."""
    return bool(await conn.fetchval(sql.load("vacuum_cancel"), admin_pid))


async def resolve_table(conn: Executor, name: str) -> Record | None:
    """``relid, schema_name, table_name, kind`` of a typed name (to_regclass), or None."""
    try:
        return await conn.fetchrow(sql.load("vacuum_resolve"), name)
    except (asyncpg.InvalidNameError, asyncpg.InvalidTextRepresentationError):
        return None


async def _table_state(conn: Executor, relid: int) -> TableState | None:
    row = await conn.fetchrow(sql.load("vacuum_state"), relid)
    return None if row is None else _state(row)


def _state(row: Record) -> TableState:
    return TableState(
        live_tuples=row["live_tuples"] or 0,
        dead_tuples=row["dead_tuples"] or 0,
        heap_bytes=row["heap_bytes"],
        total_bytes=row["total_bytes"],
        last_vacuum=row["last_vacuum"],
    )


def _error(message: str, **details: Any) -> ActionOutcome:
    return ActionOutcome(OutcomeStatus.ERROR, message, details=details)


async def _lock_holders(conn: Executor, relid: int) -> str:
    rows = await conn.fetch(sql.load("vacuum_lock_holders"), relid)
    held = [
        f"pid {r['pid']} ({r['application_name'] or r['usename'] or '?'}, "
        f"{r['state'] or 'no state'}) holds {r['mode']}"
        for r in rows
    ]
    return "; ".join(held) if held else "the holder has released it since"


def _notice(message: Any) -> str:
    severity = getattr(message, "severity", "NOTICE")
    text = str(getattr(message, "message", message))
    detail = getattr(message, "detail", None)
    return f"{severity}: {text}" + (f" ({detail})" if detail else "")


async def _restore_timeouts(conn: Executor, admin: asyncpg.Connection | None) -> None:
    """Back to the session's statement_timeout and lock_timeout, or drop the connection."""
    if admin is not None and admin.is_closed():
        return
    try:
        await conn.execute("RESET statement_timeout")
        await conn.execute("RESET lock_timeout")
    except (asyncpg.InterfaceError, asyncpg.PostgresError):
        # Never leave the admin session without its statement_timeout: start a fresh one.
        if admin is not None:
            admin.terminate()


@executor("vacuum")
async def vacuum(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """VACUUM one table (params: ``relid``, ``options``); before/after counts in details."""
    version = ctx.capabilities.server_version_num
    try:
        relid = int(params["relid"])
        options = VacuumOptions.from_params(params.get("options") or {})
    except (KeyError, TypeError, ValueError) as exc:
        return _error(f"bad request: {exc}")
    problems = options.problems(version)
    if problems:
        return _error("; ".join(problems))
    conn = ctx.conn
    target = await conn.fetchrow(sql.load("vacuum_target", version), relid)
    if target is None:
        return _error(f"no table with oid {relid} any more (dropped or renamed away?)")
    table = target["quoted"]
    if not target["can_vacuum"]:
        why = permission_message(table, target["owner"], ctx.capabilities.role, version)
        return _error(why, table=table)
    try:  # under the session's own lock_timeout: an ACCESS EXCLUSIVE holder blocks the sizes
        before = await _table_state(conn, relid)
    except asyncpg.LockNotAvailableError:
        holders = await _lock_holders(conn, relid)
        return _error(
            f"VACUUM of {table} not started: its size could not be read within the session's "
            f"lock_timeout: {holders}. Nothing was vacuumed; retry later.",
            table=table,
        )
    if before is None:
        return _error(f"no table with oid {relid} any more (dropped while starting?)")
    statement = f"{STATEMENT_TAG} {options.statement(table)}"
    notices: list[str] = []

    def listen(_conn: Any, message: Any) -> None:
        if len(notices) < MAX_NOTICES:
            notices.append(_notice(message))

    # Notices arrive through asyncpg's log listener (the admin connection is a plain one).
    admin = conn if isinstance(conn, asyncpg.Connection) else None
    if admin is not None:
        admin.add_log_listener(listen)
    started = time.perf_counter()
    try:
        await conn.execute("SET statement_timeout = 0")
        await conn.execute(
            "SELECT set_config('lock_timeout', $1, false)", str(options.lock_timeout_ms)
        )
        await conn.execute(statement)
    except asyncpg.LockNotAvailableError:
        holders = await _lock_holders(conn, relid)
        return _error(
            f"VACUUM of {table} gave up after waiting {options.lock_timeout_ms / 1000:g} s "
            f"(lock_timeout) for its lock: {holders}. Nothing was vacuumed; retry later or "
            "use SKIP_LOCKED.",
            table=table,
            notices=notices,
        )
    except asyncpg.QueryCanceledError:
        kept = "the table is unchanged" if options.full else "pages already processed stay clean"
        return _error(f"VACUUM of {table} was cancelled; {kept}", table=table, notices=notices)
    finally:
        if admin is not None:
            admin.remove_log_listener(listen)
        await _restore_timeouts(conn, admin)
    elapsed_s = time.perf_counter() - started
    after = await _table_state(conn, relid) or before
    details = {
        "relid": relid,
        "table": table,
        "statement": options.statement(table),
        "before": before.to_json(),
        "after": after.to_json(),
        "notices": notices,
        # VACUUM FULL leaves the cumulative counters alone; its ANALYZE option refreshes them
        "counters_updated": not options.full or options.analyze,
    }
    skipped = [n for n in notices if n.startswith("WARNING") and "skipping" in n]
    if skipped:
        return ActionOutcome(OutcomeStatus.NO_OP, skipped[0], details=details)
    verb = "VACUUM FULL" if options.full else "vacuumed"
    message = (
        f"{verb} {table} in {elapsed_s:.1f} s: dead tuples {before.dead_tuples:,} → "
        f"{after.dead_tuples:,}, size {format_bytes(before.total_bytes)} → "
        f"{format_bytes(after.total_bytes)}"
    )
    if not details["counters_updated"]:
        message += " (VACUUM FULL does not update the dead-tuple counters; ANALYZE does)"
    warnings = [n for n in notices if n.startswith("WARNING")]
    if warnings:
        message += f"; {warnings[0]}"
    return ActionOutcome(OutcomeStatus.OK, message, details=details)
