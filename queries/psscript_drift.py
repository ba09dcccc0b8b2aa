"""The PSScript-specific part of the audit: the live shape of the PSScript tables (one catalog
query for all of them) and orphan rows in the junction tables (one generated statement).

The comparison itself is the pure :func:`psadmin.models.schema_drift.schema_drift`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from psadmin.models.indexes import Finding
from psadmin.models.schema_drift import orphan_checks, orphan_finding, schema_drift
from psadmin.models.schema_shape import (
    ColumnShape,
    ForeignKeyShape,
    IndexShape,
    KeyShape,
    SchemaShape,
    TableShape,
    TriggerShape,
)
from queries import sql
from queries.executor import Executor


async def psscript_schema(conn: Executor, core_tables: Sequence[str]) -> str | None:
    """The schema holding all of ``core_tables`` (search_path order first), or None."""
    name = await conn.fetchval(sql.load("psscript_schema"), list(core_tables))
    return None if name is None else str(name)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _options(reloptions: Sequence[str]) -> tuple[tuple[str, int], ...]:
    pairs = []
    for item in reloptions:
        name, _, value = item.partition("=")
        if value.lstrip("-").isdigit():
            pairs.append((name, int(value)))
    return tuple(pairs)


def _table(row: Any) -> TableShape:
    # opclasses: None where the column uses its type's default, as in the expected shape
    indexes = tuple(
        IndexShape(
            name=i["name"],
            columns=tuple(i["columns"] or ()),
            method=i["method"],
            unique=bool(i["unique"]),
            opclasses=tuple(i["opclasses"] or ()),
            options=_options(i["options"] or ()),
            partial=bool(i["partial"]),
        )
        for i in _json(row["indexes"])
    )
    constraints = _json(row["constraints"])
    return TableShape(
        name=row["table_name"],
        columns=tuple(
            ColumnShape(c["name"], c["type"], bool(c["not_null"])) for c in _json(row["columns"])
        ),
        indexes=indexes,
        keys=tuple(
            KeyShape(k["name"], k["kind"], tuple(k["columns"] or ()))
            for k in constraints
            if k["kind"] in ("p", "u")
        ),
        foreign_keys=tuple(
            ForeignKeyShape(
                name=k["name"],
                columns=tuple(k["columns"] or ()),
                references=k["references"],
                ref_columns=tuple(k["ref_columns"] or ()),
                on_delete=k["on_delete"],
            )
            for k in constraints
            if k["kind"] == "f"
        ),
        triggers=tuple(
            TriggerShape(
                name=t["name"],
                function=t["function"],
                before=bool(t["before"]),
                row=bool(t["row"]),
                on_update=bool(t["on_update"]),
                enabled=bool(t["enabled"]),
            )
            for t in _json(row["triggers"])
        ),
    )


async def live_shape(conn: Executor, schema: str, expected: SchemaShape) -> SchemaShape:
    """The expected tables as they are in ``schema`` (absent ones are simply missing)."""
    rows = await conn.fetch(
        sql.load("psscript_catalog"), schema, list(expected.tables), list(expected.functions)
    )
    functions = {str(name): "" for row in rows[:1] for name in row["functions"]}
    return SchemaShape(tables={row["table_name"]: _table(row) for row in rows}, functions=functions)


async def orphan_rows(conn: Executor, schema: str, expected: SchemaShape) -> list[Finding]:
    """Junction rows pointing at a missing row, per junction column (zero counts omitted)."""
    checks = orphan_checks(expected)
    if not checks:
        return []
    tables, columns, refs, ref_columns = (list(x) for x in zip(*checks, strict=True))
    statement = await conn.fetchval(
        sql.load("orphan_rows_query"), schema, tables, columns, refs, ref_columns
    )
    if statement is None:
        return []
    # Built by the server with every identifier quoted by format(%I) (see orphan_rows_query).
    rows = await conn.fetch(f"/* psadmin:orphan_rows */ {statement}")
    return [
        orphan_finding(
            schema,
            r["table_name"],
            r["column_name"],
            r["referenced_table"],
            r["referenced_column"],
            r["orphans"],
        )
        for r in rows
        if r["orphans"]
    ]


async def psscript_findings(
    conn: Executor, expected: SchemaShape, core_tables: Sequence[str]
) -> tuple[str | None, list[Finding], list[str]]:
    """(the PSScript schema or None, its drift and orphan findings, notes on what was skipped)."""
    schema = await psscript_schema(conn, core_tables)
    if schema is None:
        return None, [], []
    live = await live_shape(conn, schema, expected)
    findings = schema_drift(expected, live, schema)
    try:
        findings.extend(await orphan_rows(conn, schema, expected))
    except asyncpg.InsufficientPrivilegeError as exc:
        # the catalog is readable by every role; the junction tables are not
        return (
            schema,
            findings,
            [
                f"orphan rows not checked ({str(exc).splitlines()[0]}): grant this role SELECT "
                "on script_tags, user_favorites, script_dependencies, scripts, tags and users"
            ],
        )
    return schema, findings, []
