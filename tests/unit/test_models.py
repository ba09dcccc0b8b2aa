"""Pure model logic: rates between samples, lights, formatting, capabilities."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from psadmin.models.capabilities import Capabilities
from psadmin.models.health import Level, Thresholds, at_least, at_most
from psadmin.models.overview import (
    ActivitySample,
    activity_rates,
    format_bytes,
    format_duration,
    overview_metrics,
)
from psadmin.models.redis import RedisSample, RedisStatus, redis_rates

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)


def sample(**changes: object) -> ActivitySample:
    base = ActivitySample(
        taken_at=T0,
        started_at=T0 - timedelta(hours=2),
        connections=10,
        active=2,
        idle_in_transaction=1,
        waiting_on_locks=0,
        longest_transaction_s=3.0,
        xact_total=1000,
        blks_hit=9000,
        blks_read=1000,
        deadlocks=0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def caps(**changes: object) -> Capabilities:
    base = Capabilities(
        server_version_num=180006,
        server_version="18.6",
        database="psscript",
        role="psadmin",
        is_superuser=False,
        pg_monitor=True,
        pg_read_all_stats=True,
        pg_signal_backend=False,
        max_connections=100,
        superuser_reserved_connections=3,
        reserved_connections=0,
        pg_stat_statements_preloaded=True,
        extensions={"pg_stat_statements": "1.12"},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_rates_are_interval_deltas_not_lifetime_averages() -> None:
    later = sample(
        taken_at=T0 + timedelta(seconds=2), xact_total=1100, blks_hit=9190, blks_read=1010
    )
    rates = activity_rates(sample(), later)
    assert rates is not None
    assert rates.tps == 50.0
    assert rates.cache_hit_ratio == 0.95  # 190 / 200 in the interval, not 9190 / 10200


def test_counter_reset_gives_no_rate() -> None:
    later = sample(taken_at=T0 + timedelta(seconds=2), xact_total=5)
    assert activity_rates(sample(), later) is None


def test_no_block_access_gives_unknown_hit_ratio() -> None:
    later = sample(taken_at=T0 + timedelta(seconds=1), xact_total=1001)
    rates = activity_rates(sample(), later)
    assert rates is not None and rates.cache_hit_ratio is None


def test_thresholds() -> None:
    assert at_most(0.79, 0.8, 0.95) is Level.OK
    assert at_most(0.80, 0.8, 0.95) is Level.WARNING
    assert at_most(0.96, 0.8, 0.95) is Level.CRITICAL
    assert at_least(0.91, 0.9, 0.8) is Level.OK
    assert at_least(0.85, 0.9, 0.8) is Level.WARNING
    assert at_least(None, 0.9, 0.8) is Level.UNKNOWN


def test_usable_connections_subtract_reserved_slots() -> None:
    assert caps().usable_connections == 97
    assert caps(reserved_connections=5).usable_connections == 92


def test_connection_light_is_relative_to_usable_slots() -> None:
    no_redis = RedisStatus(None, "not configured")
    metrics = {
        m.key: m
        for m in overview_metrics(
            caps(max_connections=20),
            sample(connections=14),
            None,
            None,
            no_redis,
            None,
            Thresholds(),
        )
    }
    assert metrics["connections"].level is Level.WARNING  # 14 of 17 usable = 82 %
    assert metrics["redis_memory"].level is Level.UNKNOWN
    assert "not configured" in metrics["redis_memory"].detail


def test_redis_rates_and_restart() -> None:
    a = RedisSample(
        taken_at=1.0,
        version="7.0",
        uptime_s=100,
        used_memory=10,
        used_memory_peak=10,
        maxmemory=100,
        keyspace_hits=900,
        keyspace_misses=100,
        evicted_keys=0,
        expired_keys=0,
        connected_clients=1,
        ops_per_sec=0,
        keys=5,
    )
    b = dataclasses.replace(a, taken_at=3.0, uptime_s=102, keyspace_hits=990, keyspace_misses=110)
    rates = redis_rates(a, b)
    assert rates is not None and rates.hit_rate == 0.9
    restarted = dataclasses.replace(b, uptime_s=1)
    assert redis_rates(a, restarted) is None
    assert a.memory_ratio == 0.1


def test_privilege_summary_and_fixes() -> None:
    plain = caps(
        pg_monitor=False, pg_read_all_stats=False, extensions={}, pg_stat_statements_preloaded=False
    )
    assert plain.privilege_summary() == "no monitoring role"
    notes = " ".join(plain.missing())
    assert "GRANT pg_monitor TO psadmin" in notes
    assert "GRANT pg_signal_backend TO psadmin" in notes
    assert "CREATE EXTENSION pg_stat_statements" in notes
    assert "shared_preload_libraries" in notes
    assert caps(is_superuser=True).privilege_summary() == "superuser"


def test_formatting() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(7599807) == "7.2 MB"
    assert format_duration(5.25) == "5.2 s"
    assert format_duration(3725) == "1h 2m"
