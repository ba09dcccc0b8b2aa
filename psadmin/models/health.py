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
    query_crit_ms: float = 1000.0
    """Mean statement time in milliseconds that ``psadmin check`` calls critical."""
    idle_in_transaction_warn_s: float = 30.0
    """Seconds a session may sit idle inside an open transaction before it warns."""
    idle_in_transaction_crit_s: float = 300.0
    """Seconds idle in transaction that turn the check red (it holds locks and the xmin)."""
    deadlocks_warn_per_hour: float = 0.0
    """Deadlocks per hour above which the check warns (seed: 0/hour)."""
    deadlocks_crit_per_hour: float = 10.0
    """Deadlocks per hour at or above which the check is critical."""
    locked_users_warn: float = 5.0
    """Accounts locked out at once that suggest a surge (a guessing attack or a broken client)."""
    locked_users_crit: float = 20.0
    """Accounts locked out at once that turn the check red."""
    redis_evictions_warn_per_hour: float = 0.0
    """Redis evictions per hour above which the check warns (the cache is out of memory)."""
    redis_evictions_crit_per_hour: float = 1000.0
    """Redis evictions per hour at or above which the check is critical."""
    table_dead_ratio_warn: float = 0.5
    """Dead per live tuple that turns a table amber (judged only once autovacuum's own
    threshold is passed, so small tables with a handful of dead rows stay green)."""
    table_dead_ratio_crit: float = 1.0
    """Dead per live tuple that turns a table red."""
    table_bloat_warn: float = 0.3
    """Estimated bloat share of a table that turns it amber."""
    table_bloat_crit: float = 0.6
    """Estimated bloat share of a table that turns it red."""
    table_bloat_min_bytes: float = 1024 * 1024
    """Tables smaller than this are not judged on bloat (a part-filled last page looks bloated)."""
    xid_crit_age: float = 1_200_000_000
    """Transaction ID age past which wraparound is close (amber once past freeze_max_age)."""
