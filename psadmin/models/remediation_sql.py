"""SQL shown as remediation for schema drift: CREATE INDEX, foreign keys, triggers.

Display text, quoted with :func:`psadmin.models.indexes.quote_ident`; psadmin itself only ever
executes index builds, and rebuilds those server-side from checked names.
"""

from __future__ import annotations

from psadmin.models.indexes import qualified, quote_ident
from psadmin.models.schema_shape import ForeignKeyShape, IndexShape, TriggerShape


def column_list(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def create_index_sql(schema: str, table: str, index: IndexShape) -> str:
    """CREATE INDEX CONCURRENTLY for an index shape, quoted for display."""
    unique = "UNIQUE " if index.unique else ""
    using = "" if index.method == "btree" else f" USING {index.method}"
    parts = [
        quote_ident(col) + (f" {quote_ident(opc)}" if opc else "")
        for col, opc in zip(index.columns, index.effective_opclasses, strict=False)
    ]
    options = ", ".join(f"{quote_ident(k)} = {v}" for k, v in index.options)
    return (
        f"CREATE {unique}INDEX CONCURRENTLY {quote_ident(index.name)} "
        f"ON {qualified(schema, table)}{using} ({', '.join(parts)})"
        + (f" WITH ({options})" if options else "")
        + ";"
    )


def foreign_key_sql(schema: str, table: str, name: str, fk: ForeignKeyShape) -> str:
    """Add ``fk`` under ``name`` without a long lock: NOT VALID, then VALIDATE."""
    target = qualified(schema, table)
    return (
        f"ADD CONSTRAINT {quote_ident(name)} FOREIGN KEY ({column_list(fk.columns)}) "
        f"REFERENCES {qualified(schema, fk.references)} ({column_list(fk.ref_columns)}) "
        f"ON DELETE {fk.on_delete_rule} NOT VALID;\n"
        f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote_ident(name)};"
    )


def create_trigger_sql(schema: str, table: str, trigger: TriggerShape) -> str:
    timing = "BEFORE" if trigger.before else "AFTER"
    level = "ROW" if trigger.row else "STATEMENT"
    return (
        f"CREATE TRIGGER {quote_ident(trigger.name)} {timing} UPDATE ON "
        f"{qualified(schema, table)} FOR EACH {level} "
        f"EXECUTE FUNCTION {quote_ident(trigger.function)}();"
    )
