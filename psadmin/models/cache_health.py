"""Redis health for the Cache screen: INFO beyond the Overview's figures, and their lights."""

from __future__ import annotations

from dataclasses import dataclass

from psadmin.models.health import Level, Thresholds, at_least, at_most
from psadmin.models.overview import Metric, format_bytes, format_duration, format_ratio
from psadmin.models.redis import RedisSample

FRAGMENTATION_RATIO_WARN = 1.5
FRAGMENTATION_MIN_BYTES = 100 * 1024 * 1024
"""Below this much excess, a high ratio is the process's fixed overhead, not fragmentation
(an empty instance shows ratios near 8); Redis' docs say to judge the bytes as well."""


@dataclass(frozen=True, slots=True)
class Persistence:
    loading: bool
    rdb_last_bgsave_ok: bool
    rdb_bgsave_in_progress: bool
    rdb_changes_since_last_save: int
    rdb_last_save_age_s: float | None
    aof_enabled: bool
    aof_last_write_ok: bool


@dataclass(frozen=True, slots=True)
class RedisHealth:
    """One INFO reading (plus SLOWLOG LEN) for the Cache screen."""

    sample: RedisSample
    role: str
    blocked_clients: int
    total_commands: int
    used_memory_rss: int
    fragmentation_ratio: float | None
    fragmentation_bytes: int | None
    allocator_frag_ratio: float | None
    maxmemory_policy: str
    persistence: Persistence
    slowlog_len: int | None
    """None when the Redis user may not run SLOWLOG LEN (see notes)."""
    notes: tuple[str, ...] = ()

    @property
    def headroom_bytes(self) -> int | None:
        s = self.sample
        return max(s.maxmemory - s.used_memory, 0) if s.maxmemory else None

    @property
    def fragmentation_flagged(self) -> bool:
        """True only when the ratio is high and the excess bytes are large too."""
        ratio, excess = self.fragmentation_ratio, self.fragmentation_bytes
        if ratio is None or excess is None:
            return False
        if ratio < 1.0:  # RSS below used memory: pages were swapped out
            return self.sample.used_memory - self.used_memory_rss >= FRAGMENTATION_MIN_BYTES
        return ratio >= FRAGMENTATION_RATIO_WARN and excess >= FRAGMENTATION_MIN_BYTES


@dataclass(frozen=True, slots=True)
class CacheStatus:
    """Either a health reading or the reason there is none (not configured, down, ACL)."""

    health: RedisHealth | None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.health is not None


@dataclass(frozen=True, slots=True)
class CacheRates:
    interval_s: float
    hit_rate: float | None
    """None when there were no lookups in the interval."""
    ops_per_s: float
    evicted: int
    expired: int


def cache_rates(previous: RedisHealth, current: RedisHealth) -> CacheRates | None:
    """Rates between two readings, or None after a restart or CONFIG RESETSTAT."""
    a, b = previous.sample, current.sample
    seconds = b.taken_at - a.taken_at
    hits, misses = b.keyspace_hits - a.keyspace_hits, b.keyspace_misses - a.keyspace_misses
    commands = current.total_commands - previous.total_commands
    if seconds <= 0 or min(hits, misses, commands) < 0 or b.uptime_s < a.uptime_s:
        return None
    lookups = hits + misses
    return CacheRates(
        interval_s=seconds,
        hit_rate=hits / lookups if lookups else None,
        ops_per_s=commands / seconds,
        evicted=max(b.evicted_keys - a.evicted_keys, 0),
        expired=max(b.expired_keys - a.expired_keys, 0),
    )


def _persistence_metric(p: Persistence) -> Metric:
    rdb = "RDB ok" if p.rdb_last_bgsave_ok else "RDB last save FAILED"
    aof = ("AOF ok" if p.aof_last_write_ok else "AOF write FAILED") if p.aof_enabled else "AOF off"
    failing = not p.rdb_last_bgsave_ok or (p.aof_enabled and not p.aof_last_write_ok)
    detail = f"{p.rdb_changes_since_last_save:,} changes unsaved"
    if p.loading:
        detail = "loading the dataset"
    elif p.rdb_bgsave_in_progress:
        detail = "background save running · " + detail
    level = Level.CRITICAL if failing else Level.WARNING if p.loading else Level.OK
    return Metric("persistence", "Persistence", f"{rdb} · {aof}", level, "saves succeed", detail)


def cache_metrics(
    health: RedisHealth, rates: CacheRates | None, thresholds: Thresholds
) -> tuple[Metric, ...]:
    """The Cache screen's figures, each judged against the seed's targets."""
    t, s = thresholds, health.sample
    ratio = s.memory_ratio
    if s.maxmemory:
        memory_text = f"{format_bytes(s.used_memory)} · {format_ratio(ratio)}"
        memory_detail = f"{format_bytes(health.headroom_bytes)} headroom"
    else:
        memory_text = format_bytes(s.used_memory)
        memory_detail = "no maxmemory limit"
    memory_detail += f" · peak {format_bytes(s.used_memory_peak)}"
    hit = rates.hit_rate if rates else None
    frag = health.fragmentation_ratio
    if frag is None:
        frag_text, frag_detail = "—", "not reported"
    else:
        frag_text = f"{frag:.2f} · {format_bytes(health.fragmentation_bytes)}"
        if health.fragmentation_flagged:
            frag_detail = "RSS below used: swapping" if frag < 1 else "large and fragmented"
        elif (health.fragmentation_bytes or 0) < FRAGMENTATION_MIN_BYTES:
            frag_detail = "small: not meaningful"
        else:
            frag_detail = "within limits"
        if health.allocator_frag_ratio is not None:
            frag_detail += f" · allocator {health.allocator_frag_ratio:.2f}"
    slowlog = health.slowlog_len
    return (
        Metric(
            "server",
            "Redis",
            f"Redis {s.version}",
            Level.OK,
            "reachable",
            f"{health.role} · up {format_duration(s.uptime_s)} · {s.keys:,} keys",
        ),
        Metric(
            "memory",
            "Memory",
            memory_text,
            at_most(ratio, t.redis_memory_warn, t.redis_memory_crit) if ratio else Level.OK,
            f"< {t.redis_memory_warn:.0%} of max",
            memory_detail,
        ),
        Metric(
            "hit_rate",
            "Hit rate",
            format_ratio(hit),
            at_least(hit, t.redis_hit_warn, t.redis_hit_crit),
            f"> {t.redis_hit_warn:.0%}",
            "no lookups this interval" if rates and hit is None else "this interval",
        ),
        Metric(
            "ops",
            "Ops/s",
            "—" if rates is None else f"{rates.ops_per_s:,.1f}",
            Level.UNKNOWN if rates is None else Level.OK,
            "informational",
            f"{s.connected_clients} clients, {health.blocked_clients} blocked",
        ),
        Metric(
            "evictions",
            "Evictions",
            "—" if rates is None else f"{rates.evicted:,} evicted",
            Level.UNKNOWN if rates is None else Level.WARNING if rates.evicted else Level.OK,
            "none",
            ("" if rates is None else f"{rates.expired:,} expired · ")
            + f"policy {health.maxmemory_policy}",
        ),
        Metric(
            "fragmentation",
            "Fragmentation",
            frag_text,
            Level.WARNING if health.fragmentation_flagged else Level.OK,
            f"< {FRAGMENTATION_RATIO_WARN} or small",
            frag_detail,
        ),
        _persistence_metric(health.persistence),
        Metric(
            "slowlog",
            "Slow log",
            "—" if slowlog is None else f"{slowlog:,} entries",
            Level.UNKNOWN if slowlog is None else Level.OK,
            "informational",
            "not permitted (+slowlog|len)" if slowlog is None else "see SLOWLOG GET",
        ),
    )
