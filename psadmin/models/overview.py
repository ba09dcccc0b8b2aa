"""Server-wide activity samples, interval rates, and the Overview panel built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psadmin.models.capabilities import Capabilities
from psadmin.models.health import Level, Thresholds, at_least, at_most
from psadmin.models.redis import RedisRates, RedisStatus


@dataclass(frozen=True, slots=True)
class ActivitySample:
    """One cheap reading of pg_stat_activity and pg_stat_database (all databases)."""

    taken_at: datetime
    """Server clock when the sample was read; intervals are measured on it."""
    started_at: datetime
    connections: int
    """Client backends, the sessions that use max_connections slots."""
    active: int
    idle_in_transaction: int
    waiting_on_locks: int
    longest_transaction_s: float | None
    xact_total: int
    """Commits plus rollbacks since the statistics were reset."""
    blks_hit: int
    blks_read: int
    deadlocks: int

    @property
    def uptime_s(self) -> float:
        return (self.taken_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class ActivityRates:
    """What happened between two samples (the rates users expect, not lifetime averages)."""

    interval_s: float
    tps: float
    cache_hit_ratio: float | None
    """None when no block was requested during the interval."""
    deadlocks: int


def activity_rates(previous: ActivitySample, current: ActivitySample) -> ActivityRates | None:
    """Rates between two samples, or None when they cannot be compared (reset or no time)."""
    seconds = (current.taken_at - previous.taken_at).total_seconds()
    xacts = current.xact_total - previous.xact_total
    hits = current.blks_hit - previous.blks_hit
    reads = current.blks_read - previous.blks_read
    if seconds <= 0 or min(xacts, hits, reads) < 0:
        return None  # a stats reset or a restart makes counters go backwards
    requested = hits + reads
    return ActivityRates(
        interval_s=seconds,
        tps=xacts / seconds,
        cache_hit_ratio=hits / requested if requested else None,
        deadlocks=max(current.deadlocks - previous.deadlocks, 0),
    )


@dataclass(frozen=True, slots=True)
class DatabaseSize:
    """pg_database_size() of the connected database; costly, so it is sampled rarely."""

    bytes: int
    measured_at: datetime


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure of a panel with its light, as shown on screen and printed by snapshot."""

    key: str
    label: str
    text: str
    level: Level
    target: str
    detail: str = ""
    """A second, smaller line of context (e.g. the states behind a connection count)."""


def format_bytes(size: float | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.1f} s"
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"


def format_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f} %"


def overview_metrics(
    caps: Capabilities,
    sample: ActivitySample,
    rates: ActivityRates | None,
    size: DatabaseSize | None,
    redis: RedisStatus,
    redis_rates: RedisRates | None,
    thresholds: Thresholds,
) -> tuple[Metric, ...]:
    """The Overview's figures, each judged against the configured thresholds."""
    return (
        *postgres_metrics(caps, sample, rates, size, thresholds),
        *redis_metrics(redis, redis_rates, thresholds),
    )


def postgres_metrics(
    caps: Capabilities,
    sample: ActivitySample,
    rates: ActivityRates | None,
    size: DatabaseSize | None,
    thresholds: Thresholds,
) -> list[Metric]:
    t = thresholds
    usable = caps.usable_connections
    used = sample.connections / usable
    return [
        Metric(
            "server",
            "Server",
            f"PostgreSQL {caps.server_version}",
            Level.OK,
            "reachable",
            f"up {format_duration(sample.uptime_s)}",
        ),
        Metric(
            "connections",
            "Connections",
            f"{sample.connections}/{usable} · {format_ratio(used)}",
            at_most(used, t.connections_warn, t.connections_crit),
            f"< {t.connections_warn:.0%} of usable",
            f"{sample.active} active · {sample.idle_in_transaction} idle in xact"
            + (f" · {sample.waiting_on_locks} waiting" if sample.waiting_on_locks else ""),
        ),
        Metric(
            "tps",
            "Transactions/s",
            "—" if rates is None else f"{rates.tps:,.1f}",
            Level.UNKNOWN if rates is None else Level.OK,
            "informational",
            "this interval" if rates else "needs two samples",
        ),
        Metric(
            "cache_hit",
            "Cache hit",
            "—" if rates is None else format_ratio(rates.cache_hit_ratio),
            at_least(rates.cache_hit_ratio if rates else None, t.cache_hit_warn, t.cache_hit_crit),
            f"> {t.cache_hit_warn:.0%}",
            "this interval",
        ),
        Metric(
            "longest_transaction",
            "Longest transaction",
            format_duration(sample.longest_transaction_s)
            if sample.longest_transaction_s is not None
            else "none open",
            at_most(
                sample.longest_transaction_s or 0.0, t.transaction_warn_s, t.transaction_crit_s
            ),
            f"< {format_duration(t.transaction_warn_s)}",
        ),
        Metric(
            "database_size",
            "Database size",
            format_bytes(size.bytes if size else None),
            Level.OK if size else Level.UNKNOWN,
            "informational",
            "sampled every minute",
        ),
    ]


def redis_metrics(redis: RedisStatus, rates: RedisRates | None, t: Thresholds) -> list[Metric]:
    if redis.sample is None:
        reason = redis.reason or "not configured"
        return [
            Metric(
                "redis_memory", "Redis memory", "unavailable", Level.UNKNOWN, "reachable", reason
            ),
            Metric("redis_hit_rate", "Redis hit rate", "—", Level.UNKNOWN, "reachable", reason),
        ]
    s = redis.sample
    memory_ratio = s.memory_ratio
    memory_text = format_bytes(s.used_memory)
    if s.maxmemory:
        memory_text += f" · {format_ratio(memory_ratio)}"
        memory_detail = f"of maxmemory {format_bytes(s.maxmemory)}"
    else:
        memory_detail = "no maxmemory limit set"
    hit_rate = rates.hit_rate if rates else None
    return [
        Metric(
            "redis_memory",
            "Redis memory",
            memory_text,
            at_most(memory_ratio, t.redis_memory_warn, t.redis_memory_crit)
            if memory_ratio is not None
            else Level.OK,
            f"< {t.redis_memory_warn:.0%} of max",
            memory_detail,
        ),
        Metric(
            "redis_hit_rate",
            "Redis hit rate",
            format_ratio(hit_rate),
            at_least(hit_rate, t.redis_hit_warn, t.redis_hit_crit),
            f"> {t.redis_hit_warn:.0%}",
            "no lookups this interval" if rates and hit_rate is None else "this interval",
        ),
    ]
