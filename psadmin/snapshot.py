"""``psadmin snapshot``: every panel read once, as text or JSON, for tickets and scripts.

JSON conventions (README "JSON output"): snake_case keys, ratios as fractions, durations with
their unit in the key, sizes in ``_bytes``, timestamps ISO 8601 UTC; each panel has
``available``; a panel that fails carries ``error`` and the exit code becomes 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from psadmin.audit import record_to_json
from psadmin.backend import LiveBackend
from psadmin.config import Settings
from psadmin.models.errors import BackendError
from psadmin.models.health import Level
from psadmin.models.overview import (
    Metric,
    activity_rates,
    overview_metrics,
)
from psadmin.models.redis import RedisStatus, redis_rates
from psadmin.snapshot_bloat import bloat_panel
from psadmin.snapshot_cache import cache_panel
from psadmin.snapshot_indexes import indexes_panel
from psadmin.snapshot_pool import pool_panel
from psadmin.snapshot_scripts import scripts_panel
from psadmin.snapshot_statements import slow_queries_panel
from psadmin.snapshot_users import users_panel
from screens.registry import PANELS

PanelResult = dict[str, Any]
PANEL_NAMES = tuple(spec.snapshot for spec in PANELS)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def redis_json(status: RedisStatus, hit_rate: float | None) -> dict[str, Any]:
    sample = status.sample
    if sample is None:
        return {"available": False, "reason": status.reason}
    return {
        "available": True,
        "version": sample.version,
        "uptime_s": sample.uptime_s,
        "used_memory_bytes": sample.used_memory,
        "used_memory_peak_bytes": sample.used_memory_peak,
        "maxmemory_bytes": sample.maxmemory,
        "memory_ratio": _round(sample.memory_ratio),
        "hit_rate": _round(hit_rate),
        "evicted_keys": sample.evicted_keys,
        "expired_keys": sample.expired_keys,
        "connected_clients": sample.connected_clients,
        "keys": sample.keys,
    }


async def overview_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> PanelResult:
    """Two samples ``interval_s`` apart, so rates are rates, not lifetime averages."""
    caps = backend.capabilities
    first = await backend.activity_sample()
    first_redis = await backend.redis_status()
    await asyncio.sleep(interval_s)
    second = await backend.activity_sample()
    second_redis = await backend.redis_status()
    size = await backend.database_size()
    rates = activity_rates(first, second)
    r_rates = None
    if first_redis.sample and second_redis.sample:
        r_rates = redis_rates(first_redis.sample, second_redis.sample)
    metrics = overview_metrics(
        caps, second, rates, size, second_redis, r_rates, settings.profile.thresholds
    )
    return {
        "available": True,
        "level": max(m.level for m in metrics).label,
        "server_version": caps.server_version,
        "server_version_num": caps.server_version_num,
        "started_at": iso(second.started_at),
        "uptime_s": round(second.uptime_s, 1),
        "connections": second.connections,
        "max_connections": caps.max_connections,
        "usable_connections": caps.usable_connections,
        "connection_ratio": _round(second.connections / caps.usable_connections),
        "active": second.active,
        "idle_in_transaction": second.idle_in_transaction,
        "waiting_on_locks": second.waiting_on_locks,
        "interval_s": _round(rates.interval_s if rates else None, 3),
        "tps": _round(rates.tps if rates else None, 2),
        "cache_hit_ratio": _round(rates.cache_hit_ratio if rates else None),
        "deadlocks_in_interval": rates.deadlocks if rates else None,
        "longest_transaction_s": _round(second.longest_transaction_s, 1),
        "database_size_bytes": size.bytes,
        "redis": redis_json(second_redis, r_rates.hit_rate if r_rates else None),
        "status": {m.key: m.level.label for m in metrics},
        "_metrics": metrics,
    }


async def audit_panel(backend: LiveBackend, settings: Settings, interval_s: float) -> PanelResult:
    """The newest 100 audit records, from psadmin_audit when present, else the local file."""
    records = await backend.audit_records(100)
    return {
        "available": True,
        "file": str(backend.audit_file.path),
        "records": [
            {**record_to_json(r), "at": iso(r.at), "params": dict(r.params)} for r in records
        ],
    }


PanelReader = Callable[[LiveBackend, Settings, float], Awaitable[PanelResult]]
READERS: dict[str, PanelReader] = {
    "overview": overview_panel,
    "pool": pool_panel,
    "bloat": bloat_panel,
    "slow-queries": slow_queries_panel,
    "audit": audit_panel,
    "users": users_panel,
    "cache": cache_panel,
    "scripts": scripts_panel,
    "indexes": indexes_panel,
}


async def take_snapshot(
    settings: Settings, panels: Sequence[str], interval_s: float = 1.0
) -> tuple[dict[str, Any], int]:
    """Read the panels; returns the document and the exit code (0, or 1 if a panel failed).

    Raises BackendError when the server cannot be reached at all (the CLI exits 3).
    """
    backend = LiveBackend(settings)
    try:
        caps = await backend.connect()
        document: dict[str, Any] = {
            "meta": {
                "generated_at": iso(datetime.now(UTC)),
                "target": backend.target_display,
                "server_version": caps.server_version,
                "role": caps.role,
                "read_only": settings.read_only,
            }
        }
        exit_code = 0
        for name in panels:
            reader = READERS[name]
            try:
                document[name] = await reader(backend, settings, interval_s)
            except BackendError as exc:
                document[name] = {"available": True, "error": exc.message}
                exit_code = 1
        return document, exit_code
    finally:
        await backend.close()


def public(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON form: drop the in-memory helpers (keys starting with ``_``)."""
    return {
        key: public(value) if isinstance(value, dict) else value
        for key, value in document.items()
        if not key.startswith("_")
    }


_LIGHTS = {Level.OK: "OK  ", Level.WARNING: "WARN", Level.CRITICAL: "CRIT"}


def render_text(document: dict[str, Any]) -> str:
    meta = document["meta"]
    lines = [
        f"psadmin snapshot {meta['generated_at']}  {meta['target']}  PG {meta['server_version']}"
    ]
    for name, panel in document.items():
        if name == "meta":
            continue
        lines.append("")
        lines.append(f"== {name}")
        if "error" in panel:
            lines.append(f"  error: {panel['error']}")
        elif not panel.get("available", False):
            lines.append(f"  unavailable: {panel.get('reason')}")
            if panel.get("fix"):
                lines.append(f"  fix: {panel['fix']}")
        else:
            lines.extend(f"  {line}" for line in panel.get("_lines", ()))
            metrics: tuple[Metric, ...] = panel.get("_metrics", ())
            for metric in metrics:
                light = _LIGHTS.get(metric.level, "----")
                detail = f" · {metric.detail}" if metric.detail else ""
                lines.append(
                    f"  [{light}] {metric.label:<20} {metric.text}{detail}"
                    f"  (target {metric.target})"
                )
    return "\n".join(lines)
