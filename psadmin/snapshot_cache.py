"""``psadmin snapshot cache``: Redis health (two INFO readings for rates) and the key families."""

from __future__ import annotations

import asyncio
from typing import Any

from psadmin.backend import LiveBackend
from psadmin.config import Settings
from psadmin.models.cache import TTL_BUCKETS, FamilyScan, FamilyStats
from psadmin.models.cache_health import CacheRates, RedisHealth, cache_metrics, cache_rates
from psadmin.models.overview import format_bytes, format_duration


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def family_json(stats: FamilyStats) -> dict[str, Any]:
    family, ttl = stats.family, stats.ttl
    return {
        "name": family.name,
        "pattern": family.pattern,
        "documented": family.documented,
        "keys": stats.keys,
        "sampled_keys": stats.sampled_keys,
        "sampled_bytes": stats.sampled_bytes,
        "estimated_bytes": stats.estimated_bytes,
        "denied_keys": stats.denied,
        "irregular_keys": stats.irregular,
        "ttl": {
            "min_s": _round(ttl.min_s, 3),
            "max_s": _round(ttl.max_s, 3),
            "expected_s": family.expected_ttl_s,
            "without_ttl": ttl.without_ttl,
            "missing_expected": stats.missing_ttl,
            "over_expected": ttl.over_expected,
            "unknown": ttl.unknown,
            "histogram": {
                label: n for (label, _), n in zip(TTL_BUCKETS, ttl.histogram, strict=True)
            },
        },
        "note": family.note,
    }


def health_json(health: RedisHealth | None, rates: CacheRates | None) -> dict[str, Any]:
    if health is None:
        return dict.fromkeys(
            ("version", "used_memory_bytes", "maxmemory_bytes", "hit_rate", "evicted_keys")
        )
    s, p = health.sample, health.persistence
    return {
        "version": s.version,
        "role": health.role,
        "uptime_s": s.uptime_s,
        "used_memory_bytes": s.used_memory,
        "used_memory_peak_bytes": s.used_memory_peak,
        "used_memory_rss_bytes": health.used_memory_rss,
        "maxmemory_bytes": s.maxmemory,
        "maxmemory_policy": health.maxmemory_policy,
        "memory_ratio": _round(s.memory_ratio),
        "headroom_bytes": health.headroom_bytes,
        "fragmentation_ratio": health.fragmentation_ratio,
        "fragmentation_bytes": health.fragmentation_bytes,
        "allocator_fragmentation_ratio": health.allocator_frag_ratio,
        "fragmentation_flagged": health.fragmentation_flagged,
        "interval_s": _round(rates.interval_s if rates else None, 3),
        "hit_rate": _round(rates.hit_rate if rates else None),
        "ops_per_s": _round(rates.ops_per_s if rates else None, 1),
        "evicted_in_interval": rates.evicted if rates else None,
        "expired_in_interval": rates.expired if rates else None,
        "evicted_keys": s.evicted_keys,
        "expired_keys": s.expired_keys,
        "connected_clients": s.connected_clients,
        "blocked_clients": health.blocked_clients,
        "keys": s.keys,
        "persistence": {
            "loading": p.loading,
            "rdb_last_bgsave_ok": p.rdb_last_bgsave_ok,
            "rdb_bgsave_in_progress": p.rdb_bgsave_in_progress,
            "rdb_changes_since_last_save": p.rdb_changes_since_last_save,
            "rdb_last_save_age_s": _round(p.rdb_last_save_age_s, 1),
            "aof_enabled": p.aof_enabled,
            "aof_last_write_ok": p.aof_last_write_ok,
        },
        "slowlog_length": health.slowlog_len,
        "notes": list(health.notes),
    }


def family_line(stats: FamilyStats) -> str:
    ttl, expected = stats.ttl, stats.family.expected_ttl_s
    if ttl.min_s is None:
        span = "no TTLs"
    else:
        span = f"TTL {format_duration(ttl.min_s)}..{format_duration(ttl.max_s)}"
    wanted = "none" if expected is None else format_duration(expected)
    flags = [f"{stats.missing_ttl:,} without TTL"] if stats.missing_ttl else []
    flags += [f"{stats.denied:,} denied"] if stats.denied else []
    flags += [f"{stats.irregular:,} irregular"] if stats.irregular else []
    size = format_bytes(stats.estimated_bytes) if stats.estimated_bytes is not None else "—"
    noun = "key " if stats.keys == 1 else "keys"
    line = (
        f"{stats.family.name:<34} {stats.keys:>9,} {noun}  ~{size:<9} {span} (documented {wanted})"
    )
    return line + (f"  [{', '.join(flags)}]" if flags else "")


def scan_json(scan: FamilyScan) -> dict[str, Any]:
    return {
        "scanned_keys": scan.scanned,
        "dbsize": scan.dbsize,
        "complete": scan.done and not scan.capped and scan.error is None,
        "no_touch": scan.no_touch,
        "duration_s": round(scan.elapsed_s, 3),
        "notes": list(scan.notes),
        "error": scan.error,
    }


async def cache_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    """Two INFO readings ``interval_s`` apart, then one full family scan.

    The readings come first, so the scan's own lookups never enter the hit rate.
    """
    first = await backend.cache_health()
    second = first
    if first.health is not None:
        await asyncio.sleep(interval_s)
        second = await backend.cache_health()
    scan: FamilyScan | None = None
    async for progress in backend.scan_key_families():
        scan = progress  # the last one is the final result
    health = second.health
    if health is None and (scan is None or scan.error is not None):
        return {"available": False, "reason": second.reason}
    rates = cache_rates(first.health, health) if first.health and health else None
    metrics = cache_metrics(health, rates, settings.profile.thresholds) if health else ()
    families = scan.families if scan is not None else ()
    lines = [] if health else [f"health unavailable: {second.reason}"]
    if scan is not None:
        done = "complete" if scan.done and not scan.capped else "incomplete"
        lines.append(f"key families ({scan.scanned:,} keys scanned, {done}):")
        lines += [f"  {family_line(f)}" for f in families]
        lines += [f"  note: {note}" for note in scan.notes]
        lines += [f"  scan error: {scan.error}"] if scan.error else []
    return {
        "available": True,
        "health_reason": second.reason,
        "level": max(m.level for m in metrics).label if metrics else None,
        **health_json(health, rates),
        "status": {m.key: m.level.label for m in metrics},
        "scan": scan_json(scan) if scan is not None else None,
        "families": [family_json(f) for f in families],
        "_metrics": metrics,
        "_lines": lines,
    }
