"""The ``psadmin_audit`` table: an append-only audit sink inside the target database."""

from __future__ import annotations

import json

import asyncpg

from psadmin.models.audit import AuditEvent, AuditRecord
from queries import sql
from queries.executor import Executor


async def audit_table_exists(conn: Executor) -> bool:
    return bool(await conn.fetchval("SELECT to_regclass('psadmin_audit') IS NOT NULL"))


async def ensure_audit_table(conn: Executor) -> str | None:
    """Create the table (and its append-only trigger) if the role may; returns why not, or None."""
    try:
        await conn.execute(sql.load("audit_table"))
    except (asyncpg.InsufficientPrivilegeError, asyncpg.ReadOnlySQLTransactionError) as exc:
        return str(exc)
    return None


async def insert_audit(conn: Executor, record: AuditRecord) -> None:
    await conn.execute(
        sql.load("audit_insert"),
        record.action_id,
        record.at,
        record.event.value,
        record.action,
        record.target,
        record.os_user,
        record.db_role,
        record.server,
        json.dumps(dict(record.params), default=str),
        record.reason,
        record.duration_ms,
        record.message,
    )


async def recent_audit(conn: Executor, limit: int) -> list[AuditRecord]:
    rows = await conn.fetch(sql.load("audit_recent"), limit)
    return [
        AuditRecord(
            action_id=row["action_id"],
            at=row["at"],
            event=AuditEvent(row["event"]),
            action=row["action"],
            target=row["target"],
            os_user=row["os_user"],
            db_role=row["db_role"],
            server=row["server"],
            params=json.loads(row["params"]),
            reason=row["reason"],
            duration_ms=row["duration_ms"],
            message=row["message"],
        )
        for row in rows
    ]
