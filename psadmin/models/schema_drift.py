"""Schema drift: what the expected schema has that the live one lacks or has differently.

Pure functions over :mod:`psadmin.models.schema_shape` values, so every rule is unit-tested
without a server. Extra objects in the live database are not drift: PSScript's operators may
add indexes of their own, and the generic checks (unused, duplicate) judge those.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Final

from psadmin.models.indexes import Finding, FindingLevel, IndexSpec, qualified, quote_ident
from psadmin.models.remediation_sql import (
    column_list,
    create_index_sql,
    create_trigger_sql,
    foreign_key_sql,
)
from psadmin.models.schema_shape import (
    ON_DELETE,
    IndexShape,
    KeyShape,
    SchemaShape,
    TableShape,
)

KIND: Final = "schema_drift"


def _finding(
    table: str,
    aspect: str,
    name: str,
    level: FindingLevel,
    schema: str,
    detail: str,
    remediation: str,
    columns: tuple[str, ...] = (),
    *,
    references: str | None = None,
    fix: IndexSpec | None = None,
) -> Finding:
    key = f"{KIND}:{table}:{aspect}" + (f":{name}" if name else "")
    return Finding(
        key=key,
        kind=KIND,
        level=level,
        schema=schema,
        table=table,
        object=name or table,
        detail=detail,
        remediation=remediation,
        columns=columns,
        references=references,
        fix=fix,
    )


def schema_drift(expected: SchemaShape, live: SchemaShape, schema: str) -> list[Finding]:
    """Every expected table, column, key, index, foreign key and trigger that ``live`` lacks
    or has differently, as findings with the SQL that would fix each."""
    findings: list[Finding] = []
    for name, want in expected.tables.items():
        have = live.table(name)
        if have is None:
            findings.append(
                _finding(
                    name,
                    "table",
                    "",
                    FindingLevel.CRITICAL,
                    schema,
                    f"table {name} is missing",
                    f"-- create it from psadmin's schema: psadmin.schema.create_schema()\n"
                    f"-- (table {qualified(schema, name)})",
                )
            )
            continue
        findings.extend(_column_drift(want, have, schema))
        findings.extend(_key_drift(want, have, schema))
        findings.extend(_index_drift(want, have, schema))
        findings.extend(_foreign_key_drift(want, have, schema))
        findings.extend(_trigger_drift(want, have, schema, expected, live))
    return findings


def _column_drift(want: TableShape, have: TableShape, schema: str) -> Iterator[Finding]:
    table = qualified(schema, want.name)
    for col in want.columns:
        live = have.column(col.name)
        ident = quote_ident(col.name)
        if live is None:
            fix = f"ALTER TABLE {table} ADD COLUMN {ident} {col.type};"
            if col.not_null:
                fix += (
                    f"\n-- backfill, then:\nALTER TABLE {table} ALTER COLUMN {ident} SET NOT NULL;"
                )
            yield _finding(
                want.name,
                "column",
                col.name,
                FindingLevel.CRITICAL,
                schema,
                f"column {want.name}.{col.name} ({col.type}) is missing",
                fix,
                (col.name,),
            )
            continue
        if live.type != col.type:
            yield _finding(
                want.name,
                "column",
                col.name,
                FindingLevel.WARNING,
                schema,
                f"column {want.name}.{col.name} is {live.type}; expected {col.type}",
                f"-- rewrites the table under an ACCESS EXCLUSIVE lock\n"
                f"ALTER TABLE {table} ALTER COLUMN {ident} TYPE {col.type};",
                (col.name,),
            )
        elif live.not_null != col.not_null:
            wanted = "NOT NULL" if col.not_null else "nullable"
            verb = "SET" if col.not_null else "DROP"
            yield _finding(
                want.name,
                "column",
                col.name,
                FindingLevel.WARNING if col.not_null else FindingLevel.INFO,
                schema,
                f"column {want.name}.{col.name} is "
                f"{'NOT NULL' if live.not_null else 'nullable'}; expected {wanted}",
                f"ALTER TABLE {table} ALTER COLUMN {ident} {verb} NOT NULL;",
                (col.name,),
            )


def _satisfies(key: KeyShape, have: TableShape) -> bool:
    wanted = set(key.columns)
    if key.kind == "p":
        pk = have.primary_key
        return pk is not None and set(pk.columns) == wanted
    if any(set(k.columns) == wanted for k in have.keys):
        return True
    return any(i.unique and not i.partial and set(i.columns) == wanted for i in have.indexes)


def _key_drift(want: TableShape, have: TableShape, schema: str) -> Iterator[Finding]:
    table = qualified(schema, want.name)
    for key in want.keys:
        if _satisfies(key, have):
            continue
        cols = column_list(key.columns)
        if key.kind == "p":
            live_pk = have.primary_key
            detail = (
                f"primary key of {want.name} is ({', '.join(live_pk.columns)}); expected ({cols})"
                if live_pk
                else f"table {want.name} has no primary key; expected ({cols})"
            )
            fix = f"ALTER TABLE {table} ADD PRIMARY KEY ({cols});"
            if live_pk:
                fix = f"ALTER TABLE {table} DROP CONSTRAINT {quote_ident(live_pk.name)};\n" + fix
            yield _finding(
                want.name, "primary_key", "", FindingLevel.WARNING, schema, detail, fix, key.columns
            )
            continue
        name = quote_ident(key.name)
        yield _finding(
            want.name,
            "unique",
            key.name,
            FindingLevel.WARNING,
            schema,
            f"unique constraint {key.name} on {want.name} ({', '.join(key.columns)}) is missing",
            # shown to the user, never executed
            f"-- fails while duplicates exist; find them with\n"  # noqa: S608
            f"-- SELECT {cols}, count(*) FROM {table} GROUP BY {cols} HAVING count(*) > 1;\n"
            f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({cols});\n"
            f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name};",
            key.columns,
        )


def _same_index(a: IndexShape, b: IndexShape) -> bool:
    return (
        a.columns == b.columns
        and a.method == b.method
        and a.unique == b.unique
        and a.effective_opclasses == b.effective_opclasses
        and a.partial == b.partial
    )


def _describe(index: IndexShape) -> str:
    opclasses = [o for o in index.effective_opclasses if o]
    extra = f" {', '.join(opclasses)}" if opclasses else ""
    unique = "unique " if index.unique else ""
    partial = " partial" if index.partial else ""
    return f"{unique}{index.method} ({', '.join(index.columns)}){extra}{partial}"


def _index_drift(want: TableShape, have: TableShape, schema: str) -> Iterator[Finding]:
    for index in want.indexes:
        create = create_index_sql(schema, want.name, index)
        live = have.index(index.name)
        if live is not None:
            if not _same_index(index, live):
                yield _finding(
                    want.name,
                    "index",
                    index.name,
                    FindingLevel.WARNING,
                    schema,
                    f"index {index.name} is {_describe(live)}; expected {_describe(index)}",
                    f"DROP INDEX CONCURRENTLY {qualified(schema, index.name)};\n{create}",
                    index.columns,
                )
            continue
        twin = next((i for i in have.indexes if _same_index(index, i)), None)
        if twin is not None:
            yield _finding(
                want.name,
                "index",
                index.name,
                FindingLevel.INFO,
                schema,
                f"index {index.name} exists under another name: {twin.name}",
                f"ALTER INDEX {qualified(schema, twin.name)} RENAME TO {quote_ident(index.name)};",
                index.columns,
            )
            continue
        fix = None
        if not index.unique:
            fix = IndexSpec(
                schema=schema,
                table=want.name,
                name=index.name,
                columns=index.columns,
                method=index.method,
                opclasses=index.opclasses,
                options=index.options,
            )
        yield _finding(
            want.name,
            "index",
            index.name,
            FindingLevel.WARNING,
            schema,
            f"index {index.name} on {want.name} {_describe(index)} is missing",
            create,
            index.columns,
            fix=fix,
        )


def _foreign_key_drift(want: TableShape, have: TableShape, schema: str) -> Iterator[Finding]:
    table = qualified(schema, want.name)
    for fk in want.foreign_keys:
        live = next((f for f in have.foreign_keys if f.columns == fk.columns), None)
        arrow = f"{want.name}({', '.join(fk.columns)}) → {fk.references}"
        if live is None:
            yield _finding(
                want.name,
                "foreign_key",
                fk.name,
                FindingLevel.WARNING,
                schema,
                f"foreign key {arrow} is missing (expected ON DELETE {fk.on_delete_rule})",
                f"ALTER TABLE {table} " + foreign_key_sql(schema, want.name, fk.name, fk),
                fk.columns,
                references=fk.references,
            )
            continue
        if (live.references, live.ref_columns, live.on_delete) == (
            fk.references,
            fk.ref_columns,
            fk.on_delete,
        ):
            continue
        if live.references != fk.references or live.ref_columns != fk.ref_columns:
            detail = (
                f"foreign key {live.name} references {live.references}"
                f"({', '.join(live.ref_columns)}); expected {fk.references}"
                f"({', '.join(fk.ref_columns)})"
            )
        else:
            detail = (
                f"foreign key {arrow} has ON DELETE {ON_DELETE.get(live.on_delete, '?')}; "
                f"expected ON DELETE {fk.on_delete_rule}"
            )
        yield _finding(
            want.name,
            "foreign_key",
            fk.name,
            FindingLevel.WARNING,
            schema,
            detail,
            f"ALTER TABLE {table} DROP CONSTRAINT {quote_ident(live.name)}, "
            + foreign_key_sql(schema, want.name, live.name, fk),
            fk.columns,
            references=fk.references,
        )


def _trigger_drift(
    want: TableShape, have: TableShape, schema: str, expected: SchemaShape, live: SchemaShape
) -> Iterator[Finding]:
    table = qualified(schema, want.name)
    for trigger in want.triggers:
        create = create_trigger_sql(schema, want.name, trigger)
        if trigger.function not in live.functions:
            create = f"{expected.functions.get(trigger.function, '')};\n{create}".lstrip(";\n")
        current = have.trigger(trigger.name)
        if current is None:
            yield _finding(
                want.name,
                "trigger",
                trigger.name,
                FindingLevel.WARNING,
                schema,
                f"trigger {trigger.name} is missing: UPDATEs that bypass the ORM leave "
                f"{want.name}.updated_at stale",
                create,
            )
            continue
        if current == trigger:
            continue
        if current == replace(trigger, enabled=False):
            detail = f"trigger {trigger.name} is disabled"
            fix = f"ALTER TABLE {table} ENABLE TRIGGER {quote_ident(trigger.name)};"
        else:
            detail = (
                f"trigger {trigger.name} calls {current.function}() "
                f"{'BEFORE' if current.before else 'AFTER'} "
                f"{'UPDATE' if current.on_update else 'other events'} "
                f"FOR EACH {'ROW' if current.row else 'STATEMENT'}; expected "
                f"{trigger.function}() BEFORE UPDATE FOR EACH ROW"
            )
            fix = f"DROP TRIGGER {quote_ident(trigger.name)} ON {table};\n{create}"
        yield _finding(
            want.name, "trigger", trigger.name, FindingLevel.WARNING, schema, detail, fix
        )


def orphan_checks(expected: SchemaShape) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) for each single-column foreign key
    of the junction tables."""
    checks = []
    for name in expected.junctions:
        table = expected.tables.get(name)
        for fk in table.foreign_keys if table else ():
            if len(fk.columns) == 1 and len(fk.ref_columns) == 1:
                checks.append((name, fk.columns[0], fk.references, fk.ref_columns[0]))
    return checks


def orphan_finding(
    schema: str, table: str, column: str, references: str, ref_column: str, rows: int
) -> Finding:
    """``rows`` rows of ``table`` whose ``column`` points at no row of ``references``."""
    target, parent = qualified(schema, table), qualified(schema, references)
    col, ref = quote_ident(column), quote_ident(ref_column)
    return Finding(
        key=f"orphan_rows:{table}.{column}",
        kind="orphan_rows",
        level=FindingLevel.WARNING,
        schema=schema,
        table=table,
        object=f"{table}.{column}",
        detail=(
            f"{rows} row{'s' if rows != 1 else ''} of {table} "
            f"reference{'' if rows != 1 else 's'} a missing "
            f"{references} row through {column} (the foreign key was missing, disabled or "
            f"bypassed)"
        ),
        remediation=(
            # shown to the user, never executed
            f"DELETE FROM {target} j WHERE j.{col} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {parent} p WHERE p.{ref} = j.{col});"
        ),
        columns=(column,),
        references=references,
    )
