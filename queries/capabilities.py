"""Capability detection: server version, extensions, privileges (run once per connection)."""

from __future__ import annotations

import json

from psadmin.models.capabilities import MIN_SERVER_VERSION_NUM, Capabilities
from queries import sql
from queries.executor import Executor


class UnsupportedServer(RuntimeError):
    """The server is older than psadmin supports."""


async def detect_capabilities(conn: Executor) -> Capabilities:
    row = await conn.fetchrow(sql.load("capabilities"))
    assert row is not None  # a SELECT without FROM always returns one row
    caps = Capabilities(
        server_version_num=row["server_version_num"],
        server_version=row["server_version"].split(" ")[0],
        database=row["database"],
        role=row["role"],
        is_superuser=bool(row["is_superuser"]),
        pg_monitor=bool(row["pg_monitor"]),
        pg_read_all_stats=bool(row["pg_read_all_stats"]),
        pg_signal_backend=bool(row["pg_signal_backend"]),
        max_connections=row["max_connections"],
        superuser_reserved_connections=row["superuser_reserved_connections"],
        reserved_connections=row["reserved_connections"],
        pg_stat_statements_preloaded=bool(row["pg_stat_statements_preloaded"]),
        extensions=dict(json.loads(row["extensions"])),
    )
    if caps.server_version_num < MIN_SERVER_VERSION_NUM:
        raise UnsupportedServer(
            f"psadmin needs PostgreSQL 15 or newer; this server is {caps.server_version}"
        )
    return caps
