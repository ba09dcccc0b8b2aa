"""Redis for the fake backend: scripted health readings and a two-step family scan."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from psadmin.models.cache import (
    FamilyScan,
    FamilyStats,
    KeyFamily,
    SampledKey,
    TtlStats,
    prefix_family,
    psscript_families,
)
from psadmin.models.cache_health import CacheStatus, Persistence, RedisHealth
from psadmin.models.redis import RedisSample

MB = 1024 * 1024


def _stats(family: KeyFamily, keys: int, ttl: float | None, without: int = 0) -> FamilyStats:
    samples = tuple(
        SampledKey(f"{family.name.split(':')[0]}:{i}", ttl, 120) for i in range(min(keys, 3))
    )
    return FamilyStats(
        family=family,
        keys=keys,
        ttl=TtlStats(
            min_s=None if ttl is None else ttl - 100,
            max_s=ttl,
            without_ttl=without,
        ),
        sampled_keys=len(samples),
        sampled_bytes=120 * len(samples),
        samples=samples,
    )


def demo_scan() -> FamilyScan:
    """script:{id} 300 keys; analysis has 2 keys without their documented TTL; one other
    prefix (``session:*``)."""
    script, scripts, categories, analysis, analytics, attempts = psscript_families()
    families = (
        _stats(script, 300, 599.0),
        _stats(scripts, 12, 290.0),
        _stats(categories, 1, None, without=1),
        _stats(analysis, 40, 580.0, without=2),
        _stats(analytics, 0, None),
        _stats(attempts, 3, 1700.0),
        _stats(prefix_family("session", psscript_families()), 7, None, without=7),
    )
    total = sum(f.keys for f in families)
    return FamilyScan(families, total, total, True, 0.2)


class FakeCache:
    def __init__(self) -> None:
        self.reason: str | None = None
        """When set, Redis is "unavailable" with this reason."""
        self.scans = 0
        self.final_scan = demo_scan()

    def health(self, tick: int) -> CacheStatus:
        if self.reason is not None:
            return CacheStatus(None, self.reason)
        sample = RedisSample(
            taken_at=float(tick * 2),
            version="7.2.4",
            uptime_s=100 + 2 * tick,
            used_memory=50 * MB,
            used_memory_peak=60 * MB,
            maxmemory=256 * MB,
            keyspace_hits=950 * tick,
            keyspace_misses=50 * tick,
            evicted_keys=0,
            expired_keys=3 * tick,
            connected_clients=11,
            ops_per_sec=40,
            keys=363,
        )
        return CacheStatus(
            RedisHealth(
                sample=sample,
                role="master",
                blocked_clients=1,
                total_commands=100 * tick,
                used_memory_rss=60 * MB,
                fragmentation_ratio=1.2,
                fragmentation_bytes=10 * MB,
                allocator_frag_ratio=1.05,
                maxmemory_policy="allkeys-lru",
                persistence=Persistence(False, True, False, 12, 30.0, False, True),
                slowlog_len=4,
            )
        )

    async def scan(self) -> AsyncIterator[FamilyScan]:
        self.scans += 1
        if self.reason is not None:
            yield FamilyScan((), 0, None, True, 0.0, error=self.reason)
            return
        final = self.final_scan
        yield dataclasses.replace(final, done=False, scanned=final.scanned // 2)
        yield final
