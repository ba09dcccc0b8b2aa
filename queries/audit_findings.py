"""The schema audit's generic checks, valid on any schema: one set-based catalog query per
kind of finding, so the cost grows with the catalog, never with round trips per table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asyncpg import Record

from psadmin.models.indexes import (
    UNUSED_MIN_STATS_AGE_S,
    Finding,
    FindingLevel,
    IndexSpec,
)
from psadmin.models.overview import format_bytes, format_duration
from queries import sql
from queries.executor import Executor


def _key(kind: str, *parts: str) -> str:
    return f"{kind}:" + ".".join(parts)


def _finding(
    r: Record,
    kind: str,
    level: FindingLevel,
    detail: str,
    *,
    name_column: str,
    remediation: str | None = None,
    **extra: Any,
) -> Finding:
    """A Finding from one row with ``schema_name``, ``table_name``, the object's name column and
    (unless given) ``remediation``; ``columns`` when the row has it.

    Keys name the schema and the object, plus the table for constraints (their names are
    unique per table only).
    """
    schema, table, name = r["schema_name"], r["table_name"], r[name_column]
    parts = (schema, table, name) if name_column == "constraint_name" else (schema, name)
    columns = r.get("columns")
    return Finding(
        key=_key(kind, *parts),
        kind=kind,
        level=level,
        schema=schema,
        table=table,
        object=name,
        detail=detail,
        remediation=r["remediation"] if remediation is None else remediation,
        columns=() if columns is None else tuple(columns),
        **extra,
    )


def _stats_note(stats_age_s: float | None) -> str:
    if stats_age_s is None:
        return "statistics never reset (counting since the cluster was created or last crashed)"
    return f"statistics reset {format_duration(stats_age_s)} ago"


async def stats_reset(conn: Executor) -> tuple[datetime, datetime | None]:
    """(now, when this database's statistics were last reset or None)."""
    row = await conn.fetchrow(sql.load("stats_reset"))
    assert row is not None  # the connected database always has a pg_stat_database row
    return row["taken_at"], row["stats_reset"]


async def unused_indexes(conn: Executor, stats_age_s: float | None) -> list[Finding]:
    """Indexes with no scan since the statistics reset that enforce no constraint.

    Too short a history, or an index that foreign-key checks rely on, makes it a hint (info)
    rather than a warning.
    """
    young = stats_age_s is not None and stats_age_s < UNUSED_MIN_STATS_AGE_S
    history = f"no scans; {_stats_note(stats_age_s)}"
    findings = []
    for r in await conn.fetch(sql.load("unused_indexes")):
        notes = [history, f"about {format_bytes(r['size_bytes'])}"]
        if r["supports_fk"]:
            notes.append(f"serves foreign key {r['supports_fk']} (deletes on its parent use it)")
        notes.append("counters are per server: check replicas before dropping")
        level = FindingLevel.INFO if young or r["supports_fk"] else FindingLevel.WARNING
        findings.append(
            _finding(r, "unused_index", level, "; ".join(notes), name_column="index_name")
        )
    return findings


async def duplicate_indexes(conn: Executor) -> list[Finding]:
    """Indexes another index of the same table makes redundant (exact or leading prefix)."""
    findings = []
    for r in await conn.fetch(sql.load("duplicate_indexes")):
        how = "same key as" if r["exact"] else "a leading prefix of"
        detail = (
            f"({', '.join(r['columns'])}) is {how} {r['covering_name']}: "
            f"{r['covering_def']} (about {format_bytes(r['size_bytes'])} to save)"
        )
        findings.append(
            _finding(r, "duplicate_index", FindingLevel.WARNING, detail, name_column="index_name")
        )
    return findings


async def invalid_indexes(conn: Executor) -> list[Finding]:
    """Indexes with indisvalid = false, told apart from ones a CREATE INDEX is building now."""
    findings = []
    for r in await conn.fetch(sql.load("invalid_indexes")):
        if r["building_pid"] is not None:
            level = FindingLevel.INFO
            detail = f"being built right now by pid {r['building_pid']} (CREATE INDEX CONCURRENTLY)"
            remediation = "-- nothing to do while the build runs"
        elif r["partitioned"]:
            level = FindingLevel.WARNING
            detail = "partitioned index not yet attached on every partition"
            remediation = (
                "-- create the missing partition indexes, then ALTER INDEX … ATTACH PARTITION"
            )
        else:
            level = FindingLevel.CRITICAL
            what = "enforces no uniqueness and " if r["is_unique"] else ""
            upkeep = "is still maintained on every write" if r["is_ready"] else "is not used"
            detail = (
                f"invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX): it {what}{upkeep}; "
                "drop it, or rebuild it once the cause is fixed"
            )
            remediation = f"{r['drop_sql']}\n-- or, after fixing the cause:\n{r['reindex_sql']}"
        findings.append(
            _finding(
                r,
                "invalid_index",
                level,
                detail,
                name_column="index_name",
                remediation=remediation,
            )
        )
    return findings


def _parent(r: Record) -> str:
    return f"{r['referenced_schema']}.{r['referenced_table']}"


async def fks_without_index(conn: Executor) -> list[Finding]:
    """Foreign keys no valid, non-partial index leads with (in any column order)."""
    findings = []
    for r in await conn.fetch(sql.load("fks_without_index")):
        columns, parent = tuple(r["columns"]), _parent(r)
        detail = (
            f"no index leads with ({', '.join(columns)}): every DELETE or key UPDATE on "
            f"{parent} scans {r['table_name']} (about {format_bytes(r['table_bytes'])})"
        )
        fix = IndexSpec(
            schema=r["schema_name"], table=r["table_name"], name=r["index_name"], columns=columns
        )
        findings.append(
            _finding(
                r,
                "fk_without_index",
                FindingLevel.WARNING,
                detail,
                name_column="constraint_name",
                references=parent,
                fix=fix,
            )
        )
    return findings


async def fks_without_on_delete(conn: Executor) -> list[Finding]:
    """Foreign keys with the default NO ACTION rule, referencing and referenced table."""
    findings = []
    for r in await conn.fetch(sql.load("fks_without_on_delete")):
        parent = _parent(r)
        detail = (
            f"{r['schema_name']}.{r['table_name']}({', '.join(r['columns'])}) → {parent} has "
            "no ON DELETE rule: deleting a referenced row fails while rows point at it"
        )
        findings.append(
            _finding(
                r,
                "fk_without_on_delete",
                FindingLevel.WARNING,
                detail,
                name_column="constraint_name",
                references=parent,
            )
        )
    return findings


async def tables_without_primary_key(conn: Executor) -> list[Finding]:
    """Tables (not partitions, not extension members) with no primary key."""
    findings = []
    for r in await conn.fetch(sql.load("tables_without_primary_key")):
        promote = r["promotable_index"]
        hint = f"; unique index {promote} can become it" if promote else ""
        detail = (
            f"no primary key (about {format_bytes(r['size_bytes'])}): rows cannot be "
            f"addressed reliably and logical replication cannot apply UPDATE/DELETE{hint}"
        )
        findings.append(
            _finding(r, "no_primary_key", FindingLevel.WARNING, detail, name_column="table_name")
        )
    return findings


async def generic_findings(conn: Executor, stats_age_s: float | None) -> list[Finding]:
    """Every generic check, in KINDS order."""
    return [
        *await unused_indexes(conn, stats_age_s),
        *await duplicate_indexes(conn),
        *await invalid_indexes(conn),
        *await fks_without_index(conn),
        *await fks_without_on_delete(conn),
        *await tables_without_primary_key(conn),
    ]
