"""The Tables screen's statistical bloat estimate against pgstattuple on churned tables.

Builds tables of different shapes (narrow and wide rows, NULL-heavy, TOASTed, fillfactor 80
and 90, untouched), churns them with UPDATEs and DELETEs with autovacuum off, ANALYZEs, then
compares psadmin's estimate (``LiveBackend.table_bloat``: the queries in queries/, nothing
re-implemented here) of space not holding live rows with pgstattuple's exact
``(dead_tuple_len + free_space) / table_len`` over the heap and its TOAST table — the
comparison tests/integration/test_tables.py makes. The error is in percentage points.
"""

from __future__ import annotations

import asyncio

import psycopg

from bench.runner import Row, Target, measured
from bench.stack import BenchStack, say
from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings

TARGET_PP = 5.0
"""The tolerance tests/integration/test_tables.py holds the estimate to."""

TABLES: dict[str, tuple[str, ...]] = {
    "narrow_updated": (
        "CREATE TABLE narrow_updated (id int PRIMARY KEY, a int, b int, c text)",
        "INSERT INTO narrow_updated SELECT g, g % 97, g % 13, md5(g::text) "
        "FROM generate_series(1, {rows}) g",
        "UPDATE narrow_updated SET a = a + 1",
        "UPDATE narrow_updated SET b = b + 1 WHERE id % 2 = 0",
        "UPDATE narrow_updated SET a = a + 1 WHERE id % 3 = 0",
    ),
    "wide_half_deleted": (
        "CREATE TABLE wide_half_deleted (id bigint PRIMARY KEY, body text, at timestamptz)",
        "INSERT INTO wide_half_deleted SELECT g, repeat(md5(g::text), 6), now() "
        "FROM generate_series(1, {rows} / 2) g",
        "DELETE FROM wide_half_deleted WHERE id % 2 = 0",
    ),
    "sparse_nulls": (
        "CREATE TABLE sparse_nulls (id int PRIMARY KEY, a text, b numeric(10,2), c varchar(40),"
        " d boolean, e bigint, f date)",
        "INSERT INTO sparse_nulls SELECT g, CASE WHEN g % 3 = 0 THEN md5(g::text) END,"
        " CASE WHEN g % 2 = 0 THEN g / 7.0 END, CASE WHEN g % 5 > 1 THEN 'v' || g END,"
        " g % 2 = 0, CASE WHEN g % 4 = 0 THEN g END, current_date"
        " FROM generate_series(1, {rows}) g",
        "DELETE FROM sparse_nulls WHERE id % 5 = 0",
        "UPDATE sparse_nulls SET d = NOT d WHERE id % 3 = 1",
    ),
    "fill80_jsonb": (
        "CREATE TABLE fill80_jsonb (id int PRIMARY KEY, doc jsonb, score numeric(4,2))"
        " WITH (fillfactor = 80)",
        "INSERT INTO fill80_jsonb SELECT g, jsonb_build_object('risk', g % 5, 'tags',"
        " jsonb_build_array('a', g, md5(g::text))), (g % 100) / 10.0"
        " FROM generate_series(1, {rows}) g",
        "UPDATE fill80_jsonb SET score = score WHERE id % 10 < 3",
        "UPDATE fill80_jsonb SET score = score WHERE id % 10 < 3",
    ),
    "fill90_hot": (
        "CREATE TABLE fill90_hot (id int PRIMARY KEY, counter int, note text)"
        " WITH (fillfactor = 90)",
        "INSERT INTO fill90_hot SELECT g, 0, 'n' || g FROM generate_series(1, {rows}) g",
        "UPDATE fill90_hot SET counter = counter + 1 WHERE id % 4 = 0",
    ),
    "toasted": (
        "CREATE TABLE toasted (id int PRIMARY KEY, payload text)",
        "ALTER TABLE toasted ALTER COLUMN payload SET STORAGE EXTERNAL",
        "INSERT INTO toasted SELECT g, repeat(md5(g::text), 80)"
        " FROM generate_series(1, {rows} / 20) g",
        "DELETE FROM toasted WHERE id % 3 = 0",
    ),
    "versions_churned": (
        "CREATE TABLE versions_churned (id bigserial PRIMARY KEY, script_id int, version int,"
        " content text, created_at timestamptz DEFAULT now())",
        "INSERT INTO versions_churned (script_id, version, content) SELECT g % 700, 1,"
        " repeat('Get-ChildItem | Remove-Item; ', 4 + g % 10)"
        " FROM generate_series(1, {rows} / 4) g",
        *("UPDATE versions_churned SET version = version + 1",) * 8,
    ),
    "untouched": (
        "CREATE TABLE untouched (id int PRIMARY KEY, a int, b text)",
        "INSERT INTO untouched SELECT g, g, md5(g::text) FROM generate_series(1, {rows}) g",
    ),
}


def build(dsn: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        for name, statements in TABLES.items():
            for statement in statements:
                conn.execute(statement.format(rows=int(rows)))  # type: ignore[arg-type]
            conn.execute(f"ALTER TABLE {name} SET (autovacuum_enabled = false)")  # type: ignore[arg-type]
        # this session's counters reach pg_stat at the end of its next transaction; flushed
        # before ANALYZE (which resets n_mod_since_analyze) and after, or the estimate sees
        # "changed since the last ANALYZE" and says it is stale
        flush_stats(conn)
        conn.execute("ANALYZE")
        flush_stats(conn)


def flush_stats(conn: psycopg.Connection) -> None:
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT 1")


def measured_ratio(conn: psycopg.Connection, table: str) -> float:
    """pgstattuple's space not holding live rows, heap and TOAST together."""
    row = conn.execute(
        "SELECT sum(s.dead_tuple_len + s.free_space)::float8 / sum(s.table_len) "
        "FROM pg_class AS c, LATERAL (SELECT * FROM pgstattuple(c.oid) UNION ALL "
        "SELECT * FROM pgstattuple(c.reltoastrelid) WHERE c.reltoastrelid <> 0) AS s "
        "WHERE c.oid = %s::regclass",
        (table,),
    ).fetchone()
    if row is None or row[0] is None:
        raise RuntimeError(f"pgstattuple measured nothing for {table}")
    return float(row[0])


async def estimates(dsn: str) -> dict[str, tuple[float | None, bool, str]]:
    backend = LiveBackend(resolve_settings(Overrides(dsn=dsn), {}, Profile()))
    try:
        await backend.connect()
        report = await backend.table_bloat()
    finally:
        await backend.close()
    return {e.name: (e.unused_ratio, e.reliable, e.note) for e in report.estimates}


def errors_pp(stack: BenchStack, rows: int) -> tuple[dict[str, float], list[str]]:
    """|estimate - pgstattuple| per table in percentage points, and the unreliable ones."""
    dsn = stack.database("bloat_error")
    build(dsn, rows)
    estimated = asyncio.run(estimates(dsn))
    errors: dict[str, float] = {}
    flagged: list[str] = []
    with psycopg.connect(dsn) as conn:
        for name in TABLES:
            if name not in estimated or estimated[name][0] is None:
                flagged.append(f"{name} (no estimate)")
                continue
            ratio, reliable, note = estimated[name]
            assert ratio is not None
            errors[name] = 100 * abs(ratio - measured_ratio(conn, f"public.{name}"))
            if not reliable:
                flagged.append(f"{name} (flagged unreliable: {note})")
    return errors, flagged


def bloat_error(stack: BenchStack, builds: int, rows: int) -> list[Row]:
    per_table: dict[str, list[float]] = {}
    worst: list[float] = []
    flagged: set[str] = set()
    for build_no in range(builds):
        errors, unreliable = errors_pp(stack, rows)
        flagged.update(unreliable)
        for name, error in errors.items():
            per_table.setdefault(name, []).append(error)
        worst.append(max(errors.values()))
        say(
            f"bloat build {build_no + 1}/{builds}: "
            + ", ".join(f"{n} {e:.1f} pp" for n, e in errors.items())
        )
    all_errors = [e for values in per_table.values() for e in values]
    by_table = ", ".join(
        f"{n} {max(v):.1f}" for n, v in sorted(per_table.items(), key=lambda kv: -max(kv[1]))
    )
    note = f"{len(per_table)} tables x {builds} builds of {rows:,} rows; per table (pp, worst): "
    note += by_table + (f"; {'; '.join(sorted(flagged))}" if flagged else "")
    return [
        measured(
            "bloat estimate error, per table",
            "pp",
            all_errors,
            target=Target(TARGET_PP, on_ratio=False),
            note=note,
        ),
        measured(
            "bloat estimate error, worst table",
            "pp",
            worst,
            target=Target(TARGET_PP, on_ratio=False),
        ),
    ]
