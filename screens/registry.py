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


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("1", "overview", "Overview", "overview", "Health at a glance"),
    PanelSpec("2", "connections", "Connections", "pool", "Pool utilization, activity, blocking"),
    PanelSpec("3", "tables", "Tables", "bloat", "Table health, bloat, VACUUM"),
    PanelSpec("4", "indexes", "Indexes", "indexes", "Index usage and schema audit"),
    PanelSpec("5", "queries", "Queries", "slow-queries", "Slow statements, long-running queries"),
    PanelSpec("6", "users", "Users", "users", "Account lockout management"),
    PanelSpec("7", "scripts", "Scripts", "scripts", "Browse scripts, find similar"),
    PanelSpec("8", "cache", "Cache", "cache", "Redis health and key families"),
    PanelSpec("9", "audit", "Audit", "audit", "Every admin action"),
)
