"""Index usage, the schema audit's findings, and what it takes to build a missing index."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

KINDS: Final[tuple[str, ...]] = (
    "unused_index",
    "duplicate_index",
    "invalid_index",
    "fk_without_index",
    "fk_without_on_delete",
    "no_primary_key",
    "schema_drift",
    "orphan_rows",
)

UNUSED_MIN_STATS_AGE_S: Final = 7 * 86400.0
"""Below this much statistics history an unused index is only a hint (a fresh reset or a new
index says nothing about the weekly or monthly jobs that may need it)."""


class FindingLevel(enum.IntEnum):
    """How urgent a finding is; ordered so ``max()`` is the worst."""

    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """A plain index to build with CREATE INDEX CONCURRENTLY.

    Travels as action parameters; the executor checks every name against the catalog and has
    the server quote them, so nothing here is ever pasted into SQL.
    """

    schema: str
    table: str
    name: str
    columns: tuple[str, ...]
    method: str = "btree"
    opclasses: tuple[str | None, ...] = ()
    """Per column; None (or a shorter tuple) means the type's default operator class."""
    options: tuple[tuple[str, int], ...] = ()
    """Storage parameters, e.g. ``(("m", 16), ("ef_construction", 64))`` for HNSW."""

    def params(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "table": self.table,
            "name": self.name,
            "columns": list(self.columns),
            "method": self.method,
            "opclasses": [o or "" for o in self.opclasses] or [""] * len(self.columns),
            "options": {k: v for k, v in self.options},
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> IndexSpec:
        """Rebuild from action parameters; raises ValueError/KeyError/TypeError when malformed."""
        columns = tuple(str(c) for c in params["columns"])
        if not columns:
            raise ValueError("no columns given")
        opclasses = tuple(str(o) or None for o in params.get("opclasses") or ())
        if opclasses and len(opclasses) != len(columns):
            raise ValueError("one operator class per column (empty for the default)")
        if not any(opclasses):
            opclasses = ()
        options = tuple((str(k), int(v)) for k, v in dict(params.get("options") or {}).items())
        names = (params["schema"], params["table"], params["name"], params.get("method", "btree"))
        if not all(isinstance(n, str) and n for n in names):
            raise ValueError("schema, table, name and method must be non-empty strings")
        return cls(
            schema=params["schema"],
            table=params["table"],
            name=params["name"],
            columns=columns,
            method=params.get("method", "btree"),
            opclasses=opclasses,
            options=options,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One audit item: stable ``key`` (for ``suppress``), what, where, why, and the SQL fix."""

    key: str
    kind: str
    level: FindingLevel
    schema: str
    table: str
    object: str
    """The index, constraint, column or trigger concerned (the table itself for table-level)."""
    detail: str
    remediation: str
    columns: tuple[str, ...] = ()
    references: str | None = None
    """For foreign-key findings: the referenced table."""
    fix: IndexSpec | None = None
    """Set when applying the remediation is one CREATE INDEX CONCURRENTLY psadmin can run."""

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


def split_suppressed(
    findings: Iterable[Finding], suppress: Iterable[str]
) -> tuple[tuple[Finding, ...], int]:
    """The findings whose key is not in ``suppress``, and how many were left out."""
    hidden = set(suppress)
    every = tuple(findings)
    kept = tuple(f for f in every if f.key not in hidden)
    return kept, len(every) - len(kept)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by kind (in KINDS order) and key, so lists are stable."""
    order = {kind: n for n, kind in enumerate(KINDS)}
    return tuple(sorted(findings, key=lambda f: (-f.level, order.get(f.kind, 99), f.key)))


@dataclass(frozen=True, slots=True)
class IndexUsageRow:
    """One index: what the catalog says (names, method, flags, size, as of the usage's
    ``catalog_taken_at``) and its usage counters (as of ``taken_at``)."""

    oid: int
    schema: str
    table: str
    name: str
    method: str
    size_bytes: int
    """On disk (pg_relation_size), as of the catalog read."""
    scans: int
    last_scan: datetime | None
    """PostgreSQL 16+ only; None on 15 and for never-scanned indexes."""
    tuples_read: int
    tuples_fetched: int
    blocks_hit: int
    blocks_read: int
    unique: bool
    primary: bool
    constraint: str | None
    """The primary-key, unique or exclusion constraint this index enforces."""
    valid: bool
    """As of ``taken_at`` (read with the counters: a concurrent build turns valid at its end)."""

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def cache_hit_ratio(self) -> float | None:
        total = self.blocks_hit + self.blocks_read
        return self.blocks_hit / total if total else None


@dataclass(frozen=True, slots=True)
class SeqScanTable:
    """A table read mostly by sequential scans: a candidate for a missing index."""

    schema: str
    table: str
    size_bytes: int
    live_rows: int
    seq_scans: int
    seq_rows_read: int
    index_scans: int
    last_seq_scan: datetime | None
    """PostgreSQL 16+ only."""

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def seq_share(self) -> float:
        total = self.seq_scans + self.index_scans
        return self.seq_scans / total if total else 0.0

    @property
    def rows_per_seq_scan(self) -> float:
        return self.seq_rows_read / self.seq_scans if self.seq_scans else 0.0


@dataclass(frozen=True, slots=True)
class IndexUsage:
    taken_at: datetime
    """When the counters (and the seq-scan tables) were read."""
    stats_reset: datetime | None
    """When this database's statistics were last reset; None if never."""
    indexes: tuple[IndexUsageRow, ...]
    seq_scan_tables: tuple[SeqScanTable, ...]
    catalog_taken_at: datetime
    """When the list of indexes, their flags and sizes were read: ``taken_at`` or earlier (a
    refresh reuses an earlier read's; an index created since is not listed yet, one dropped
    since is left out)."""

    @property
    def stats_age_s(self) -> float | None:
        if self.stats_reset is None:
            return None
        return max((self.taken_at - self.stats_reset).total_seconds(), 0.0)

    @property
    def catalog_age_s(self) -> float:
        """How much older the list and sizes are than the counters (0 when read together)."""
        return max((self.taken_at - self.catalog_taken_at).total_seconds(), 0.0)

    @property
    def total_bytes(self) -> int:
        return sum(i.size_bytes for i in self.indexes)


@dataclass(frozen=True, slots=True)
class IndexAudit:
    taken_at: datetime
    stats_reset: datetime | None
    findings: tuple[Finding, ...]
    """Worst first; suppressed keys already removed."""
    suppressed: int
    psscript_schema: str | None
    """The schema holding the PSScript tables when present (drift and orphans were checked)."""
    duration_ms: float
    notes: tuple[str, ...] = ()
    """Checks that could not run here, each with why and the fix."""

    @property
    def stats_age_s(self) -> float | None:
        if self.stats_reset is None:
            return None
        return max((self.taken_at - self.stats_reset).total_seconds(), 0.0)

    def by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for finding in self.findings:
            counts[finding.kind] = counts.get(finding.kind, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class IndexBloat:
    """Estimated btree bloat (statistical, from pg_stats; no page is read)."""

    schema: str
    table: str
    name: str
    size_bytes: int
    bloat_bytes: int
    bloat_ratio: float
    """Share of the index that a fresh build would not need (comparable to pgstatindex's
    100 - avg_leaf_density, within ~10 %)."""
    reliable: bool
    """False when some column has no statistics (never analyzed, or not readable)."""

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
# Keywords PostgreSQL's quote_ident() quotes: reserved, column-name and type/function-name ones.
_KEYWORDS: Final = """
all analyse analyze and any array as asc asymmetric both case cast check collate column constraint
create current_catalog current_date current_role current_time current_timestamp current_user
default deferrable desc distinct do else end except false fetch for foreign from grant group
having in initially intersect into lateral leading limit localtime localtimestamp not null offset
on only or order placing primary references returning select session_user some symmetric
system_user table then to trailing true union unique user using variadic when where window with
between bigint bit boolean char character coalesce dec decimal exists extract float greatest
grouping inout int integer interval json json_array json_arrayagg json_exists json_object
json_objectagg json_query json_scalar json_serialize json_table json_value least merge_action
national nchar none normalize nullif numeric out overlay position precision real row setof
smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement
xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
authorization binary collation concurrently cross current_schema freeze full ilike inner is
isnull join left like natural notnull outer overlaps right similar tablesample verbose
"""
_RESERVED: Final = frozenset(_KEYWORDS.split())


def quote_ident(name: str) -> str:
    """PostgreSQL's quote_ident(), for SQL shown to people (executed SQL is quoted by the
    server)."""
    if _SIMPLE_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"
