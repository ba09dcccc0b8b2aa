"""PgBouncer's admin console: SHOW POOLS and SHOW STATS.

The console speaks only the simple query protocol, so asyncpg cannot read its SHOW output;
psycopg can, with autocommit (no BEGIN) and a client-side cursor. Columns are read by name
with defaults because every PgBouncer release adds some; counters arrive as Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from psadmin.models.activity import PgBouncerPool, PgBouncerStats, PgBouncerStatus

# The admin console does not accept comments, so these carry no psadmin tag.
SHOW_POOLS = "SHOW POOLS"
SHOW_STATS = "SHOW STATS"

Console = psycopg.AsyncConnection[Any]


async def connect_console(dsn: str, *, timeout_s: int = 3) -> Console:
    """A connection to the ``pgbouncer`` database that can read SHOW output."""
    return await psycopg.AsyncConnection.connect(
        dsn,
        autocommit=True,
        cursor_factory=psycopg.AsyncClientCursor,
        connect_timeout=timeout_s,
        application_name="psadmin",
    )


def _int(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    if value is None or value == "":
        return 0
    return int(Decimal(value)) if isinstance(value, str) else int(value)


async def _show(conn: Console, command: str) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(command)
        return await cur.fetchall()


async def pgbouncer_pools(conn: Console) -> tuple[PgBouncerPool, ...]:
    rows = await _show(conn, SHOW_POOLS)
    return tuple(
        PgBouncerPool(
            database=str(row.get("database", "")),
            user=str(row.get("user", "")),
            cl_active=_int(row, "cl_active"),
            cl_waiting=_int(row, "cl_waiting"),
            sv_active=_int(row, "sv_active"),
            sv_idle=_int(row, "sv_idle"),
            sv_used=_int(row, "sv_used"),
            sv_tested=_int(row, "sv_tested"),
            sv_login=_int(row, "sv_login"),
            maxwait_s=_int(row, "maxwait") + _int(row, "maxwait_us") / 1_000_000,
            pool_mode=str(row.get("pool_mode") or ""),
        )
        for row in rows
    )


async def pgbouncer_stats(conn: Console) -> tuple[PgBouncerStats, ...]:
    rows = await _show(conn, SHOW_STATS)
    return tuple(
        PgBouncerStats(
            database=str(row.get("database", "")),
            total_xact_count=_int(row, "total_xact_count"),
            total_query_count=_int(row, "total_query_count"),
            total_wait_time_us=_int(row, "total_wait_time"),
            avg_xact_count=_int(row, "avg_xact_count"),
            avg_query_count=_int(row, "avg_query_count"),
            avg_xact_time_us=_int(row, "avg_xact_time"),
            avg_query_time_us=_int(row, "avg_query_time"),
            avg_wait_time_us=_int(row, "avg_wait_time"),
        )
        for row in rows
    )


async def pgbouncer_status(conn: Console) -> PgBouncerStatus:
    """Pools and stats in one go; raises psycopg.Error when the console fails."""
    return PgBouncerStatus(pools=await pgbouncer_pools(conn), stats=await pgbouncer_stats(conn))
