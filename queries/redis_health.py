"""Redis health from INFO (never KEYS; psadmin only reads here)."""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from psadmin.models.cache_health import Persistence, RedisHealth
from psadmin.models.redis import RedisSample
from queries.redis_errors import describe_redis_error


def _int(info: dict[str, Any], key: str) -> int:
    value = info.get(key, 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


async def redis_sample(client: Redis) -> RedisSample:
    return sample_from_info(await client.info())


def sample_from_info(info: dict[str, Any]) -> RedisSample:
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


def _float(info: dict[str, Any], key: str) -> float | None:
    try:
        return float(info[key])
    except (KeyError, TypeError, ValueError):
        return None


async def redis_health(client: Redis) -> RedisHealth:
    """INFO (default sections) and SLOWLOG LEN; a denied SLOWLOG becomes a note, not an error."""
    info: dict[str, Any] = await client.info()
    sample = sample_from_info(info)
    notes: list[str] = []
    slowlog_len: int | None = None
    try:
        slowlog_len = int(await client.slowlog_len())
    except ResponseError as exc:
        notes.append(f"slow log: {describe_redis_error(exc)}")
    server_now = _int(info, "server_time_usec") / 1e6 or time.time()
    last_save = _int(info, "rdb_last_save_time")
    role = str(info.get("role", "?"))
    return RedisHealth(
        sample=sample,
        role="replica" if role == "slave" else role,
        blocked_clients=_int(info, "blocked_clients"),
        total_commands=_int(info, "total_commands_processed"),
        used_memory_rss=_int(info, "used_memory_rss"),
        fragmentation_ratio=_float(info, "mem_fragmentation_ratio"),
        fragmentation_bytes=_int(info, "mem_fragmentation_bytes")
        if "mem_fragmentation_bytes" in info
        else None,
        allocator_frag_ratio=_float(info, "allocator_frag_ratio"),
        maxmemory_policy=str(info.get("maxmemory_policy", "?")),
        persistence=Persistence(
            loading=bool(_int(info, "loading")),
            rdb_last_bgsave_ok=str(info.get("rdb_last_bgsave_status", "ok")) == "ok",
            rdb_bgsave_in_progress=bool(_int(info, "rdb_bgsave_in_progress")),
            rdb_changes_since_last_save=_int(info, "rdb_changes_since_last_save"),
            rdb_last_save_age_s=max(server_now - last_save, 0.0) if last_save else None,
            aof_enabled=bool(_int(info, "aof_enabled")),
            aof_last_write_ok=str(info.get("aof_last_write_status", "ok")) == "ok",
        ),
        slowlog_len=slowlog_len,
        notes=tuple(notes),
    )
