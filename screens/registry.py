"""The panels of the console: number key, screen, snapshot name, and what each one shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PanelSpec:
    key: str
    mode: str
    title: str
    snapshot: str
    summary: str
    contents: tuple[str, ...] = ()
    """For panels not built yet: what they will contain (shown instead of data)."""


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("1", "overview", "Overview", "overview", "Health at a glance"),
    PanelSpec(
        "2",
        "connections",
        "Connections",
        "pool",
        "Pool utilization, activity, blocking",
        (
            "Connections by state against max_connections minus reserved slots",
            "Per-application pools (psscript-api = 10) with waiting sessions",
            "Activity list with filters; blocking tree from pg_blocking_pids",
            "Cancel / terminate through the audited admin-action path",
        ),
    ),
    PanelSpec(
        "3",
        "tables",
        "Tables",
        "bloat",
        "Table health, bloat, VACUUM",
        (
            "Sizes, live/dead tuples, dead ratio, estimated bloat",
            "Autovacuum thresholds and transaction-ID age",
            "VACUUM with live progress from pg_stat_progress_vacuum",
        ),
    ),
    PanelSpec(
        "4",
        "indexes",
        "Indexes",
        "indexes",
        "Index usage and schema audit",
        (
            "Index usage, size, scans; unused, duplicate and invalid indexes",
            "Foreign keys without an index or ON DELETE rule",
            "PSScript schema drift against psadmin's metadata",
        ),
    ),
    PanelSpec(
        "5",
        "queries",
        "Queries",
        "slow-queries",
        "Slow statements, long-running queries",
        (
            "pg_stat_statements top statements, per interval",
            "Long-running queries from pg_stat_activity",
            "EXPLAIN (ANALYZE only on request, rolled back)",
        ),
    ),
    PanelSpec(
        "6",
        "users",
        "Users",
        "users",
        "Account lockout management",
        (
            "Locked and at-risk accounts (5 attempts, 30 minutes)",
            "Unlock / lock / reset attempts, audited, with their Redis keys",
        ),
    ),
    PanelSpec(
        "7",
        "scripts",
        "Scripts",
        "scripts",
        "Browse scripts, find similar",
        (
            "Keyset-paginated script browser with filters",
            "Find similar scripts with pgvector (cosine distance in SQL)",
            "Embedding coverage and ANN index health",
        ),
    ),
    PanelSpec(
        "8",
        "cache",
        "Cache",
        "cache",
        "Redis health and key families",
        (
            "Memory, hit rate, evictions, clients",
            "PSScript key families (script:, scripts:, analysis:, analytics:) with TTLs",
            "Invalidate a key or a family, audited",
        ),
    ),
    PanelSpec(
        "9",
        "audit",
        "Audit",
        "audit",
        "Every admin action",
        ("Requested / declined / ok / no-op / error, who, when, what",),
    ),
)
