"""Upkeep of pooled sessions, in statements psadmin can recognise as its own."""

from __future__ import annotations

from queries import sql
from queries.executor import Executor


async def reset_session(conn: Executor) -> None:
    """Reset a connection returning to the pool (advisory locks, cursors, LISTEN, settings).

    asyncpg's own reset runs the same statements untagged, so every poll would leave four
    anonymous statements in pg_stat_statements; these carry psadmin's tag.
    """
    await conn.execute(sql.load("session_reset"))
