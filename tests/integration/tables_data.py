"""Tables for the Tables-screen tests: PSScript-like tables churned by UPDATEs, a VACUUM slowed
down deterministically by cost-based delay, and a VACUUM FULL slowed by an index expression."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
from psycopg import sql

from psadmin.backend import LiveBackend
from psadmin.config import Profile
from tests.integration.helpers import settings_for

CHURN_ROUNDS = 14
"""The seed's change record: script_versions at 1400 % dead rows."""

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pgstattuple;
CREATE TABLE script_versions (
    id bigserial PRIMARY KEY, script_id int NOT NULL, version int NOT NULL,
    content text NOT NULL, commit_message text, created_by int,
    created_at timestamptz NOT NULL DEFAULT now(), is_current boolean NOT NULL DEFAULT true
) WITH (autovacuum_enabled = false);
CREATE INDEX ON script_versions (script_id);
INSERT INTO script_versions (script_id, version, content, commit_message, created_by)
SELECT g % 700, 1, repeat('Get-ChildItem -Path $env:TEMP | Remove-Item -Force; ', 6 + g % 12),
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'Fix ' || g END, g % 40
FROM generate_series(1, 6000) AS g;
CREATE TABLE script_analysis (
    id serial PRIMARY KEY, script_id int NOT NULL, purpose text, security_score numeric(4,2),
    quality_score numeric(4,2), findings jsonb, suggestions text[], created_at timestamp,
    updated_at timestamp
) WITH (autovacuum_enabled = false, fillfactor = 80);
INSERT INTO script_analysis (script_id, purpose, security_score, quality_score, findings,
                             suggestions, created_at, updated_at)
SELECT g, 'Cleans temporary files ' || repeat('and rotates logs ', g % 6), (g % 100) / 10.0,
       (g % 77) / 10.0,
       jsonb_build_object('risk', g % 5, 'items', jsonb_build_array('Invoke-Expression', g)),
       ARRAY['Use -WhatIf', 'Add CmdletBinding'], now(), now()
FROM generate_series(1, 5000) AS g;
CREATE TABLE execution_logs (
    id bigserial PRIMARY KEY, script_id int, user_id int, status varchar(20), duration_ms int,
    output text, executed_at timestamptz DEFAULT now()
) WITH (autovacuum_enabled = false, autovacuum_vacuum_threshold = 10,
        autovacuum_vacuum_scale_factor = 0, autovacuum_freeze_max_age = 150000000);
INSERT INTO execution_logs (script_id, user_id, status, duration_ms, output)
SELECT g % 700, g % 90, 'success', g % 5000, 'Completed ' || repeat('.', g % 60)
FROM generate_series(1, 20000) AS g;
"""
ROUND = """
UPDATE script_versions SET version = version + 1, is_current = NOT is_current;
UPDATE script_analysis SET updated_at = now(), quality_score = quality_score;
UPDATE execution_logs SET status = 'failed' WHERE id % 3 = 0;
"""


def churned_tables(dsn: str) -> None:
    """script_versions at 1400 % dead rows, script_analysis likewise (fillfactor 80), and
    execution_logs with some updates and deletes; all ANALYZEd, autovacuum off."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
        for _ in range(CHURN_ROUNDS):
            conn.execute(ROUND)
        conn.execute("DELETE FROM execution_logs WHERE id % 5 = 0")
        flush_stats(conn)  # counted before ANALYZE, which resets n_mod_since_analyze
        conn.execute("ANALYZE")
        flush_stats(conn)


NULL_HEAVY = (
    "CREATE EXTENSION IF NOT EXISTS pgstattuple",
    "CREATE TABLE sparse_nulls (id int PRIMARY KEY, a text, b numeric(10,2), c varchar(40),"
    " d boolean, e bigint, f date) WITH (autovacuum_enabled = false)",
    "INSERT INTO sparse_nulls SELECT g, CASE WHEN g % 3 = 0 THEN md5(g::text) END,"
    " CASE WHEN g % 2 = 0 THEN g / 7.0 END, CASE WHEN g % 5 > 1 THEN 'v' || g END, g % 2 = 0,"
    " CASE WHEN g % 4 = 0 THEN g END, current_date FROM generate_series(1, 20000) AS g",
    "DELETE FROM sparse_nulls WHERE id % 5 = 0",
    "UPDATE sparse_nulls SET d = NOT d WHERE id % 3 = 1",
)
"""bench.bloat_error's NULL-heavy shape: four of seven narrow columns 40-75 % NULL, a fifth of
the rows deleted, a third updated. NULLs move the later columns and the end of each row (so
padding differs row by row) and the dead rows keep their line pointers; an estimate that pads
one average row and counts those line pointers as bloat is 6.4 points off here. 20,000 rows:
ANALYZE reads them all, so the statistics (and the estimate) are the same on every run."""


def null_heavy_table(dsn: str) -> None:
    """``sparse_nulls`` (see NULL_HEAVY), ANALYZEd, autovacuum off."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in NULL_HEAVY:  # one transaction each, as the rows would change
            conn.execute(statement)
        flush_stats(conn)  # counted before ANALYZE, which resets n_mod_since_analyze
        conn.execute("ANALYZE sparse_nulls")
        flush_stats(conn)


def slow_vacuum_table(dsn: str, rows: int = 200_000) -> None:
    """``big``: half its rows deleted, and every new session of this database vacuums with a
    cost-based delay, so a VACUUM of it takes seconds on any machine."""
    database = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id int PRIMARY KEY, grp int, payload text) "
            "WITH (autovacuum_enabled = false)"
        )
        conn.execute(
            "INSERT INTO big SELECT g, g %% 1000, md5(g::text) FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("CREATE INDEX ON big (grp)")
        conn.execute("DELETE FROM big WHERE id % 2 = 0")
        conn.execute(
            sql.SQL(
                "ALTER DATABASE {} SET vacuum_cost_delay = '3ms'; "
                "ALTER DATABASE {} SET vacuum_cost_limit = 10"
            ).format(sql.Identifier(database), sql.Identifier(database))
        )
        flush_stats(conn)


def slow_full_table(dsn: str, rows: int = 400) -> None:
    """``slowfull``: its index expression sleeps per row, so a VACUUM FULL (which rebuilds the
    index) takes a couple of seconds in pg_stat_progress_cluster's index phase."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION slow_key(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE "
            "AS $$ BEGIN PERFORM pg_sleep(0.004); RETURN v; END $$"
        )
        conn.execute(
            "CREATE TABLE slowfull (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)"
        )
        conn.execute("INSERT INTO slowfull SELECT g, g FROM generate_series(1, %s) g", (rows,))
        conn.execute("CREATE INDEX ON slowfull (slow_key(v))")


def flush_stats(conn: psycopg.Connection) -> None:
    """Make this session's pending table statistics visible to others now (PG15+); the flush
    happens at the end of the next transaction."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT 1")


def backend_with_audit(
    dsn: str, tmp_path: Path, *, read_only: bool = False, **profile: object
) -> LiveBackend:
    audit = dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl", **profile)
    return LiveBackend(settings_for(dsn, read_only=read_only, profile=audit))


async def poll(
    condition: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = ""
) -> None:
    """Await a real condition with a deadline (never a fixed sleep as synchronisation)."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)
