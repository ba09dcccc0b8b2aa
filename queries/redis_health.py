"""Redis health from INFO (never KEYS; psadmin only reads here)."""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from psadmin.models.redis import RedisSample


def _int(info: dict[str, Any], key: str) -> int:
    value = info.get(key, 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


async def redis_sample(client: Redis) -> RedisSample:
    info: dict[str, Any] = await client.info()
    keys = sum(
        int(v.get("keys", 0)) for k, v in info.items() if k.startswith("db") and isinstance(v, dict)
    )
    return RedisSample(
        taken_at=time.monotonic(),
        version=str(info.get("redis_version", "?")),
        uptime_s=_int(info, "uptime_in_seconds"),
        used_memory=_int(info, "used_memory"),
        used_memory_peak=_int(info, "used_memory_peak"),
        maxmemory=_int(info, "maxmemory"),
        keyspace_hits=_int(info, "keyspace_hits"),
        keyspace_misses=_int(info, "keyspace_misses"),
        evicted_keys=_int(info, "evicted_keys"),
        expired_keys=_int(info, "expired_keys"),
        connected_clients=_int(info, "connected_clients"),
        ops_per_sec=_int(info, "instantaneous_ops_per_sec"),
        keys=keys,
    )
