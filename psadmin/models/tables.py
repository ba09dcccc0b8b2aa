"""Table health: sizes, tuple counts, vacuum history, autovacuum outlook and the status light.

Two cheap sources: the catalog (names, pg_class.relpages sizes, reloptions, privileges,
relfrozenxid), read on open and every minute, and the cumulative statistics counters
(pg_stat_user_tables' functions), read on every refresh. The statistical bloat estimate lives
in :mod:`psadmin.models.bloat`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from psadmin.models.health import Level, Thresholds

WRAPAROUND_XID_AGE = 2**31
"""Transaction IDs wrap around after 2^31; the server stops assigning them just before."""


@dataclass(frozen=True, slots=True)
class AutovacuumSettings:
    """The server-wide autovacuum settings, or one table's after its reloptions are applied."""

    enabled: bool = True
    """``autovacuum`` (and ``track_counts``) globally, or ``autovacuum_enabled`` per table."""
    vacuum_threshold: int = 50
    vacuum_scale_factor: float = 0.2
    vacuum_max_threshold: int | None = None
    """PostgreSQL 18+: the dead-tuple threshold never exceeds this (None: no cap)."""
    insert_threshold: int = 1000
    """-1 disables insert-triggered vacuums."""
    insert_scale_factor: float = 0.2
    analyze_threshold: int = 50
    analyze_scale_factor: float = 0.1
    freeze_max_age: int = 200_000_000

    def for_table(self, options: Mapping[str, str]) -> AutovacuumSettings:
        """These settings with a table's reloptions applied, as autovacuum applies them."""
        changes: dict[str, object] = {}
        if "autovacuum_enabled" in options:
            changes["enabled"] = self.enabled and _truthy(options["autovacuum_enabled"])
        for option, name, kind in _RELOPTIONS:
            if option in options:
                changes[name] = kind(options[option])
        if "vacuum_max_threshold" in changes and changes["vacuum_max_threshold"] == -1:
            changes["vacuum_max_threshold"] = None
        if "autovacuum_freeze_max_age" in options:
            # A per-table value can only lower the server's (autovacuum ignores larger ones).
            own = int(options["autovacuum_freeze_max_age"])
            changes["freeze_max_age"] = min(own, self.freeze_max_age)
        return replace(self, **changes)  # type: ignore[arg-type]


_RELOPTIONS: tuple[tuple[str, str, type], ...] = (
    ("autovacuum_vacuum_threshold", "vacuum_threshold", int),
    ("autovacuum_vacuum_scale_factor", "vacuum_scale_factor", float),
    ("autovacuum_vacuum_max_threshold", "vacuum_max_threshold", int),
    ("autovacuum_vacuum_insert_threshold", "insert_threshold", int),
    ("autovacuum_vacuum_insert_scale_factor", "insert_scale_factor", float),
    ("autovacuum_analyze_threshold", "analyze_threshold", int),
    ("autovacuum_analyze_scale_factor", "analyze_scale_factor", float),
)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"on", "true", "yes", "1", "t", "y"}


def parse_reloptions(reloptions: Iterable[str] | None) -> dict[str, str]:
    """``['fillfactor=70', 'autovacuum_enabled=false']`` -> ``{'fillfactor': '70', …}``."""
    parsed: dict[str, str] = {}
    for entry in reloptions or ():
        key, _, value = entry.partition("=")
        parsed[key.strip().lower()] = value.strip()
    return parsed


@dataclass(frozen=True, slots=True)
class TableHealth:
    """One row of pg_stat_user_tables with its pg_class sizes (from relpages, not a scan)."""

    relid: int
    schema: str
    name: str
    kind: str
    """pg_class.relkind: ``r`` table, ``m`` materialized view, ``p`` partitioned parent."""
    heap_bytes: int
    index_bytes: int
    toast_bytes: int
    pages: int
    all_visible_pages: int
    reltuples: float
    """Planner estimate of live rows; -1 when never vacuumed or analyzed."""
    live_tuples: int
    dead_tuples: int
    mod_since_analyze: int
    ins_since_vacuum: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    vacuum_count: int
    autovacuum_count: int
    analyze_count: int
    autoanalyze_count: int
    xid_age: int | None
    """age(relfrozenxid), the older of the table and its TOAST table; None without storage."""
    reloptions: Mapping[str, str]
    can_vacuum: bool
    """Owner, database owner, superuser, or (17+) MAINTAIN / pg_maintain."""
    owner: str
    all_frozen_pages: int | None = None
    """PostgreSQL 18+: pg_class.relallfrozen (scales the insert threshold)."""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def total_bytes(self) -> int:
        return self.heap_bytes + self.index_bytes + self.toast_bytes

    @property
    def dead_ratio(self) -> float | None:
        """Dead tuples per live tuple: 14.0 is the seed's 1400 % (None when nothing is live)."""
        if self.live_tuples <= 0:
            return None
        return self.dead_tuples / self.live_tuples

    @property
    def last_any_vacuum(self) -> datetime | None:
        moments = [m for m in (self.last_vacuum, self.last_autovacuum) if m is not None]
        return max(moments) if moments else None

    @property
    def fillfactor(self) -> int:
        try:
            return int(self.reloptions.get("fillfactor", "100"))
        except ValueError:
            return 100


@dataclass(frozen=True, slots=True)
class AutovacuumOutlook:
    """When autovacuum will next act on a table, computed as relation_needs_vacanalyze does."""

    enabled: bool
    dead_threshold: float
    insert_threshold: float | None
    """None when insert-triggered vacuums are disabled."""
    analyze_threshold: float
    freeze_max_age: int
    vacuum_due: bool
    analyze_due: bool
    wraparound_due: bool
    """age(relfrozenxid) is past autovacuum_freeze_max_age: vacuumed even if disabled."""

    @property
    def trigger(self) -> str:
        if self.wraparound_due:
            return "wraparound"
        if self.vacuum_due:
            return "due" if self.enabled else "due, disabled"
        return "off" if not self.enabled else ""


def autovacuum_outlook(table: TableHealth, server: AutovacuumSettings) -> AutovacuumOutlook:
    settings = server.for_table(table.reloptions)
    reltuples = max(table.reltuples, 0.0)
    dead_threshold = settings.vacuum_threshold + settings.vacuum_scale_factor * reltuples
    if settings.vacuum_max_threshold is not None:
        dead_threshold = min(dead_threshold, float(settings.vacuum_max_threshold))
    unfrozen = 1.0
    if table.all_frozen_pages and table.pages > 0:
        unfrozen = 1.0 - min(table.all_frozen_pages, table.pages) / table.pages
    insert_threshold: float | None = None
    if settings.insert_threshold >= 0:
        insert_threshold = (
            settings.insert_threshold + settings.insert_scale_factor * reltuples * unfrozen
        )
    analyze_threshold = settings.analyze_threshold + settings.analyze_scale_factor * reltuples
    vacuum_due = table.dead_tuples > dead_threshold or (
        insert_threshold is not None and table.ins_since_vacuum > insert_threshold
    )
    return AutovacuumOutlook(
        enabled=settings.enabled,
        dead_threshold=dead_threshold,
        insert_threshold=insert_threshold,
        analyze_threshold=analyze_threshold,
        freeze_max_age=settings.freeze_max_age,
        vacuum_due=vacuum_due,
        analyze_due=table.kind != "p" and table.mod_since_analyze > analyze_threshold,
        wraparound_due=table.xid_age is not None and table.xid_age > settings.freeze_max_age,
    )


@dataclass(frozen=True, slots=True)
class TableHealthReport:
    taken_at: datetime
    settings: AutovacuumSettings
    tables: tuple[TableHealth, ...]
    block_size: int = 8192


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What the catalog says about a table: read on open, every minute and after a VACUUM."""

    relid: int
    schema: str
    name: str
    kind: str
    pages: int
    reltuples: float
    all_visible_pages: int
    index_pages: int
    toast_pages: int
    xid_age: int | None
    reloptions: Mapping[str, str]
    can_vacuum: bool
    owner: str
    all_frozen_pages: int | None = None


@dataclass(frozen=True, slots=True)
class TableCatalog:
    taken_at: datetime
    settings: AutovacuumSettings
    tables: tuple[TableInfo, ...]
    block_size: int = 8192

    @property
    def relids(self) -> list[int]:
        return [t.relid for t in self.tables]


@dataclass(frozen=True, slots=True)
class TableCounters:
    """One table's cumulative statistics: read on every refresh (shared memory, no scans)."""

    relid: int
    live_tuples: int
    dead_tuples: int
    mod_since_analyze: int
    ins_since_vacuum: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    vacuum_count: int
    autovacuum_count: int
    analyze_count: int
    autoanalyze_count: int


@dataclass(frozen=True, slots=True)
class TableStats:
    taken_at: datetime
    counters: tuple[TableCounters, ...]


def health_report(catalog: TableCatalog, stats: TableStats) -> TableHealthReport:
    """Catalog facts joined with the latest counters (tables without counters are left out)."""
    counters = {c.relid: c for c in stats.counters}
    bs = catalog.block_size
    tables = tuple(
        TableHealth(
            relid=t.relid,
            schema=t.schema,
            name=t.name,
            kind=t.kind,
            heap_bytes=t.pages * bs,
            index_bytes=t.index_pages * bs,
            toast_bytes=t.toast_pages * bs,
            pages=t.pages,
            all_visible_pages=t.all_visible_pages,
            reltuples=t.reltuples,
            live_tuples=c.live_tuples,
            dead_tuples=c.dead_tuples,
            mod_since_analyze=c.mod_since_analyze,
            ins_since_vacuum=c.ins_since_vacuum,
            last_vacuum=c.last_vacuum,
            last_autovacuum=c.last_autovacuum,
            last_analyze=c.last_analyze,
            last_autoanalyze=c.last_autoanalyze,
            vacuum_count=c.vacuum_count,
            autovacuum_count=c.autovacuum_count,
            analyze_count=c.analyze_count,
            autoanalyze_count=c.autoanalyze_count,
            xid_age=t.xid_age,
            reloptions=t.reloptions,
            can_vacuum=t.can_vacuum,
            owner=t.owner,
            all_frozen_pages=t.all_frozen_pages,
        )
        for t in catalog.tables
        if (c := counters.get(t.relid)) is not None
    )
    return TableHealthReport(stats.taken_at, catalog.settings, tables, bs)


def table_level(
    table: TableHealth,
    outlook: AutovacuumOutlook,
    bloat_ratio: float | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[Level, tuple[str, ...]]:
    """The table's light and the reasons for it (empty when all is well)."""
    t = thresholds or Thresholds()
    level = Level.OK
    reasons: list[str] = []

    def raise_to(new: Level, why: str) -> None:
        nonlocal level
        level = max(level, new)
        reasons.append(why)

    ratio = table.dead_ratio
    past_threshold = table.dead_tuples > outlook.dead_threshold
    if past_threshold and (ratio is None or ratio >= t.table_dead_ratio_crit):
        raise_to(Level.CRITICAL, "more dead than live tuples")
    elif past_threshold and ratio is not None and ratio >= t.table_dead_ratio_warn:
        raise_to(Level.WARNING, f"dead tuples at {ratio:.0%} of live")
    if past_threshold and not outlook.enabled:
        raise_to(Level.WARNING, "autovacuum disabled for this table")
    if bloat_ratio is not None and table.heap_bytes + table.toast_bytes >= t.table_bloat_min_bytes:
        if bloat_ratio >= t.table_bloat_crit:
            raise_to(Level.CRITICAL, f"estimated bloat {bloat_ratio:.0%}")
        elif bloat_ratio >= t.table_bloat_warn:
            raise_to(Level.WARNING, f"estimated bloat {bloat_ratio:.0%}")
    if table.xid_age is not None:
        if table.xid_age >= t.xid_crit_age:
            raise_to(Level.CRITICAL, "transaction ID age close to wraparound")
        elif outlook.wraparound_due:
            raise_to(Level.WARNING, "past autovacuum_freeze_max_age")
    return level, tuple(reasons)
