"""Readings of the Redis server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RedisSample:
    """The INFO fields psadmin uses, read at one moment."""

    taken_at: float
    """Monotonic clock of the reader, in seconds; only differences are meaningful."""
    version: str
    uptime_s: int
    used_memory: int
    used_memory_peak: int
    maxmemory: int
    """0 means no limit."""
    keyspace_hits: int
    keyspace_misses: int
    evicted_keys: int
    expired_keys: int
    connected_clients: int
    ops_per_sec: int
    keys: int

    @property
    def memory_ratio(self) -> float | None:
        return self.used_memory / self.maxmemory if self.maxmemory else None


@dataclass(frozen=True, slots=True)
class RedisStatus:
    """Redis is optional: a status carries either a sample or the reason there is none."""

    sample: RedisSample | None
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.sample is not None


@dataclass(frozen=True, slots=True)
class RedisRates:
    interval_s: float
    hit_rate: float | None
    """None when there were no lookups in the interval."""
    evicted: int


def redis_rates(previous: RedisSample, current: RedisSample) -> RedisRates | None:
    seconds = current.taken_at - previous.taken_at
    hits = current.keyspace_hits - previous.keyspace_hits
    misses = current.keyspace_misses - previous.keyspace_misses
    if seconds <= 0 or hits < 0 or misses < 0 or current.uptime_s < previous.uptime_s:
        return None  # restarted or CONFIG RESETSTAT: counters started again
    lookups = hits + misses
    return RedisRates(
        interval_s=seconds,
        hit_rate=hits / lookups if lookups else None,
        evicted=max(current.evicted_keys - previous.evicted_keys, 0),
    )
