"""psadmin's PSScript metadata (:mod:`psadmin.schema`) as the plain shape the drift check
compares with the live catalog."""

from __future__ import annotations

import functools
from typing import Any, Final

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSON, JSONB

from psadmin import schema
from psadmin.models.schema_shape import (
    ON_DELETE_CODES,
    ColumnShape,
    ForeignKeyShape,
    IndexShape,
    KeyShape,
    SchemaShape,
    TableShape,
    TriggerShape,
)

JUNCTION_TABLES: Final = ("script_tags", "user_favorites", "script_dependencies")
UPDATED_AT_FUNCTION: Final = "update_updated_at_column"
CORE_TABLES: Final = ("users", "scripts")
"""Both present in one schema means "this is a PSScript database"."""


def pg_type(column: Column[Any]) -> str:
    """The column's type as PostgreSQL's ``format_type()`` spells it."""
    kind = column.type
    if isinstance(kind, Text):
        return "text"
    if isinstance(kind, String):
        return f"character varying({kind.length})" if kind.length else "character varying"
    if isinstance(kind, BigInteger):
        return "bigint"
    if isinstance(kind, SmallInteger):
        return "smallint"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Float):
        return "real" if kind.precision is not None and kind.precision <= 24 else "double precision"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, TIMESTAMP):
        zone = "with" if kind.timezone else "without"
        return f"timestamp {zone} time zone"
    if isinstance(kind, JSONB):
        return "jsonb"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, Vector):
        return f"vector({kind.dim})" if kind.dim else "vector"
    raise TypeError(f"no PostgreSQL spelling for {column.table.name}.{column.name}: {kind!r}")


def _index(index: Index) -> IndexShape:
    options = index.dialect_options["postgresql"]
    columns = tuple(str(getattr(e, "name", e)) for e in index.expressions)
    ops: dict[str, str] = dict(options["ops"] or {})
    return IndexShape(
        name=str(index.name),
        columns=columns,
        method=options["using"] or "btree",
        unique=bool(index.unique),
        opclasses=tuple(ops.get(c) for c in columns) if ops else (),
        options=tuple((k, int(v)) for k, v in (options["with"] or {}).items()),
        partial=options["where"] is not None,
    )


def _foreign_key(fk: ForeignKeyConstraint) -> ForeignKeyShape:
    rule = (fk.ondelete or "NO ACTION").upper()
    return ForeignKeyShape(
        name=str(fk.name),
        columns=tuple(c.name for c in fk.columns),
        references=fk.referred_table.name,
        ref_columns=tuple(e.column.name for e in fk.elements),
        on_delete=ON_DELETE_CODES[rule],
    )


def _table(table: Table) -> TableShape:
    keys = [KeyShape(str(table.primary_key.name), "p", tuple(table.primary_key.columns.keys()))]
    keys.extend(
        KeyShape(str(c.name), "u", tuple(col.name for col in c.columns))
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    )
    triggers: tuple[TriggerShape, ...] = ()
    if table.name in schema.UPDATED_AT_TABLES:
        triggers = (TriggerShape(f"update_{table.name}_updated_at", UPDATED_AT_FUNCTION),)
    return TableShape(
        name=table.name,
        columns=tuple(ColumnShape(c.name, pg_type(c), not c.nullable) for c in table.columns),
        indexes=tuple(_index(i) for i in sorted(table.indexes, key=lambda i: str(i.name))),
        keys=tuple(keys),
        foreign_keys=tuple(
            _foreign_key(c)
            for c in sorted(table.foreign_key_constraints, key=lambda c: str(c.name))
        ),
        triggers=triggers,
    )


@functools.cache
def expected_schema() -> SchemaShape:
    """The PSScript schema psadmin creates (and so expects), tables in dependency order."""
    return SchemaShape(
        tables={name: _table(schema.metadata.tables[name]) for name in schema.PSSCRIPT_TABLES},
        functions={UPDATED_AT_FUNCTION: str(schema._UPDATED_AT_FUNCTION.text)},
        junctions=JUNCTION_TABLES,
    )
