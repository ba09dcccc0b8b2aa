"""The shape of a schema as the drift check compares it: what psadmin's metadata expects and
what the live catalog has, in the same plain form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ON_DELETE: Final[dict[str, str]] = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
"""pg_constraint.confdeltype codes and what they mean."""
ON_DELETE_CODES: Final[dict[str, str]] = {rule: code for code, rule in ON_DELETE.items()}


@dataclass(frozen=True, slots=True)
class ColumnShape:
    name: str
    type: str
    """As ``format_type()`` spells it: ``character varying(255)``, ``timestamp with time zone``."""
    not_null: bool


@dataclass(frozen=True, slots=True)
class IndexShape:
    name: str
    columns: tuple[str, ...]
    """Key columns (or expressions) in order."""
    method: str = "btree"
    unique: bool = False
    opclasses: tuple[str | None, ...] = ()
    """Per key column; None for the type's default operator class."""
    options: tuple[tuple[str, int], ...] = ()
    partial: bool = False

    @property
    def effective_opclasses(self) -> tuple[str | None, ...]:
        return self.opclasses or (None,) * len(self.columns)


@dataclass(frozen=True, slots=True)
class KeyShape:
    """A primary-key (``p``) or unique (``u``) constraint."""

    name: str
    kind: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForeignKeyShape:
    name: str
    columns: tuple[str, ...]
    references: str
    ref_columns: tuple[str, ...]
    on_delete: str = "a"
    """A confdeltype code (see ON_DELETE)."""

    @property
    def on_delete_rule(self) -> str:
        return ON_DELETE.get(self.on_delete, self.on_delete)


@dataclass(frozen=True, slots=True)
class TriggerShape:
    name: str
    function: str
    before: bool = True
    row: bool = True
    on_update: bool = True
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TableShape:
    name: str
    columns: tuple[ColumnShape, ...] = ()
    indexes: tuple[IndexShape, ...] = ()
    keys: tuple[KeyShape, ...] = ()
    foreign_keys: tuple[ForeignKeyShape, ...] = ()
    triggers: tuple[TriggerShape, ...] = ()

    def column(self, name: str) -> ColumnShape | None:
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> IndexShape | None:
        return next((i for i in self.indexes if i.name == name), None)

    def trigger(self, name: str) -> TriggerShape | None:
        return next((t for t in self.triggers if t.name == name), None)

    @property
    def primary_key(self) -> KeyShape | None:
        return next((k for k in self.keys if k.kind == "p"), None)


@dataclass(frozen=True, slots=True)
class SchemaShape:
    tables: dict[str, TableShape] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    """Trigger functions by name: their CREATE statement when expected, "" when live."""
    junctions: tuple[str, ...] = ()
    """Tables whose rows only link others (checked for orphan rows)."""

    def table(self, name: str) -> TableShape | None:
        return self.tables.get(name)
