"""Status levels and the thresholds they are judged against."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    """A status light. Ordered so that ``max()`` of several levels is the worst one."""

    UNKNOWN = 0
    OK = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def at_least(value: float | None, warn: float, crit: float) -> Level:
    """Judge a value that should stay high (e.g. a hit ratio): below ``warn`` warns."""
    if value is None:
        return Level.UNKNOWN
    if value < crit:
        return Level.CRITICAL
    if value < warn:
        return Level.WARNING
    return Level.OK


def at_most(value: float | None, warn: float, crit: float) -> Level:
    """Judge a value that should stay low (e.g. a utilization): at or above ``warn`` warns."""
    if value is None:
        return Level.UNKNOWN
    if value >= crit:
        return Level.CRITICAL
    if value >= warn:
        return Level.WARNING
    return Level.OK


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the status lights change colour. Defaults are the seed's monitoring targets."""

    connections_warn: float = 0.80
    """Share of usable connection slots in use that turns the light amber (seed: pool < 80 %)."""
    connections_crit: float = 0.95
    """Share of usable connection slots in use that turns the light red."""
    cache_hit_warn: float = 0.90
    """PostgreSQL buffer cache hit ratio below which the light is amber (seed: > 90 %)."""
    cache_hit_crit: float = 0.80
    """PostgreSQL buffer cache hit ratio below which the light is red."""
    redis_hit_warn: float = 0.90
    """Redis keyspace hit rate below which the light is amber (seed: cache hit > 90 %)."""
    redis_hit_crit: float = 0.75
    """Redis keyspace hit rate below which the light is red."""
    redis_memory_warn: float = 0.80
    """Share of Redis maxmemory in use that turns the light amber."""
    redis_memory_crit: float = 0.95
    """Share of Redis maxmemory in use that turns the light red."""
    transaction_warn_s: float = 60.0
    """Age in seconds of the oldest open transaction that turns the light amber."""
    transaction_crit_s: float = 600.0
    """Age in seconds of the oldest open transaction that turns the light red."""
    query_warn_ms: float = 100.0
    """Statement time in milliseconds considered slow (seed: query time < 100 ms)."""
