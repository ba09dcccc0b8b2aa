"""The counters ``psadmin check`` judges, read in one statement."""

from __future__ import annotations

import json
from collections.abc import Sequence

from psadmin.models.checks import HealthFacts
from queries import sql
from queries.executor import Executor


async def health_facts(conn: Executor, applications: Sequence[str]) -> HealthFacts:
    """``applications``: the application_names whose connections are counted as pools."""
    row = await conn.fetchrow(sql.load("health_facts"), list(applications))
    assert row is not None  # one row: the connected database always exists
    return HealthFacts(
        taken_at=row["taken_at"],
        started_at=row["started_at"],
        database=row["database"],
        deadlocks=row["deadlocks"],
        blks_hit=row["blks_hit"],
        blks_read=row["blks_read"],
        stats_reset=row["stats_reset"],
        connections=row["connections"],
        app_connections={k: int(v) for k, v in json.loads(row["app_connections"]).items()},
        oldest_xact_pid=row["oldest_xact_pid"],
        oldest_xact_s=row["oldest_xact_s"],
        idle_in_transaction=row["idle_in_transaction"],
        oldest_idle_pid=row["oldest_idle_pid"],
        oldest_idle_s=row["oldest_idle_s"],
        oldest_xid_database=row["oldest_xid_database"],
        xid_age=row["xid_age"],
        freeze_max_age=row["freeze_max_age"],
    )
