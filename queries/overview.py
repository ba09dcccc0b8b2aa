"""Overview figures: a cheap activity sample every tick, the database size now and then."""

from __future__ import annotations

from psadmin.models.overview import ActivitySample, DatabaseSize
from queries import sql
from queries.executor import Executor


async def activity_sample(conn: Executor, server_version_num: int) -> ActivitySample:
    row = await conn.fetchrow(sql.load("activity_sample", server_version_num))
    assert row is not None
    return ActivitySample(
        taken_at=row["taken_at"],
        started_at=row["started_at"],
        connections=row["connections"],
        active=row["active"],
        idle_in_transaction=row["idle_in_transaction"],
        waiting_on_locks=row["waiting_on_locks"],
        longest_transaction_s=row["longest_transaction_s"],
        xact_total=row["xact_total"],
        blks_hit=row["blks_hit"],
        blks_read=row["blks_read"],
        deadlocks=row["deadlocks"],
    )


async def database_size(conn: Executor) -> DatabaseSize:
    """pg_database_size() walks every file of the database: call it rarely."""
    row = await conn.fetchrow(sql.load("database_size"))
    assert row is not None
    return DatabaseSize(bytes=row["bytes"], measured_at=row["measured_at"])
