"""Pure helpers of the Cache panel: glob patterns, families, key names, rates, lights."""

from __future__ import annotations

import dataclasses

import pytest

from psadmin.models.cache import (
    escape_glob,
    glob_regex,
    invalidation_params,
    printable_key,
    psscript_families,
    template_pattern,
)
from psadmin.models.cache_health import (
    FRAGMENTATION_MIN_BYTES,
    Persistence,
    RedisHealth,
    cache_metrics,
    cache_rates,
)
from psadmin.models.health import Level, Thresholds
from psadmin.models.redis import RedisSample

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("script:*", ["script:1", "script:", "script:1:x"], ["scripts:1", "xscript:1"]),
        ("scripts:*:*:*", ["scripts:1:20:all", "scripts:1:20:a:b"], ["scripts:1:20"]),
        ("h?llo", ["hello", "hallo"], ["hllo", "heello"]),
        ("h[ae]llo", ["hello", "hallo"], ["hillo"]),
        ("h[^e]llo", ["hallo"], ["hello"]),
        ("h[a-b]llo", ["hallo", "hbllo"], ["hcllo"]),
        (r"weird\[x:*", ["weird[x:1"], ["weirdx:1"]),
        (r"a\*b:*", ["a*b:1"], ["axb:1"]),
        ("line*", ["line\nbreak"], ["xline"]),
    ],
)
def test_glob_regex_matches_what_redis_matches(
    pattern: str, matches: list[str], misses: list[str]
) -> None:
    regex = glob_regex(pattern)
    assert all(regex.fullmatch(k) for k in matches)
    assert not any(regex.fullmatch(k) for k in misses)


def test_templates_become_patterns_and_literals_are_escaped() -> None:
    assert template_pattern("script:{id}") == "script:*"
    assert template_pattern("scripts:{page}:{limit}:{filters}") == "scripts:*:*:*"
    assert template_pattern("analytics:*") == "analytics:*"
    assert template_pattern("odd[1]:{id}") == r"odd\[1\]:*"
    assert escape_glob("a*b?c") == r"a\*b\?c"


def test_families_follow_the_seed_and_the_profile() -> None:
    families = psscript_families(("auth:attempts:{username}", "script:{id}"), lockout_minutes=15)
    by_name = {f.name: f for f in families}
    assert [f.pattern for f in families] == [
        "script:*",
        "scripts:*:*:*",
        "categories:all",
        "analysis:*",
        "analytics:*",
        "auth:attempts:*",
    ]  # a template that repeats a family's pattern is not a second family
    assert by_name["script:{id}"].expected_ttl_s == 600
    assert by_name["categories:all"].expected_ttl_s is None
    assert by_name["auth:attempts:{username}"].expected_ttl_s == 15 * 60
    assert by_name["scripts:{page}:{limit}:{filters}"].segments == 4
    assert by_name["analytics:*"].segments is None
    assert by_name["analysis:{scriptId}"].exclude == ("script:*", "scripts:*:*:*", "categories:all")


def test_key_names_that_are_not_text_are_shown_escaped_and_named_exactly() -> None:
    name = b"bin\xff:1".decode("utf-8", "surrogateescape")
    assert printable_key(name) == "bin\\xff:1"
    assert printable_key("a\nb") == "a\\x0ab"
    assert invalidation_params(name) == {"key": "bin\\xff:1", "key_hex": b"bin\xff:1".hex()}
    assert invalidation_params("script:1") == {"key": "script:1"}


def sample(t: float, hits: int, misses: int, **kw: int) -> RedisSample:
    values = dict(
        taken_at=t,
        version="7.0.15",
        uptime_s=int(100 + t),
        used_memory=10 * MB,
        used_memory_peak=12 * MB,
        maxmemory=100 * MB,
        keyspace_hits=hits,
        keyspace_misses=misses,
        evicted_keys=0,
        expired_keys=0,
        connected_clients=3,
        ops_per_sec=10,
        keys=100,
    )
    values.update(kw)
    return RedisSample(**values)  # type: ignore[arg-type]


def health(s: RedisSample, commands: int = 0, **kw: object) -> RedisHealth:
    base = RedisHealth(
        sample=s,
        role="master",
        blocked_clients=0,
        total_commands=commands,
        used_memory_rss=s.used_memory + 5 * MB,
        fragmentation_ratio=1.5,
        fragmentation_bytes=5 * MB,
        allocator_frag_ratio=1.1,
        maxmemory_policy="allkeys-lru",
        persistence=Persistence(False, True, False, 0, 1.0, False, True),
        slowlog_len=0,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_rates_are_interval_deltas_and_none_after_a_restart() -> None:
    a = health(sample(0, 900, 100), commands=1000)
    b = health(sample(2, 1700, 300, evicted_keys=4), commands=1400)
    rates = cache_rates(a, b)
    assert rates is not None
    assert rates.hit_rate == 0.8 and rates.ops_per_s == 200 and rates.evicted == 4
    restarted = health(sample(4, 5, 0, uptime_s=1), commands=10)
    assert cache_rates(b, restarted) is None


def test_fragmentation_is_flagged_only_when_the_bytes_are_large_too() -> None:
    small = health(sample(0, 0, 0), fragmentation_ratio=7.6, fragmentation_bytes=11 * MB)
    assert not small.fragmentation_flagged
    big = health(
        sample(0, 0, 0), fragmentation_ratio=1.6, fragmentation_bytes=FRAGMENTATION_MIN_BYTES
    )
    assert big.fragmentation_flagged
    swapped = health(
        sample(0, 0, 0, used_memory=900 * MB), used_memory_rss=500 * MB, fragmentation_ratio=0.55
    )
    assert swapped.fragmentation_flagged


def test_lights_judge_hit_rate_memory_evictions_and_failed_saves() -> None:
    a = health(sample(0, 0, 0), commands=0)
    b = health(
        sample(2, 80, 20, used_memory=90 * MB, evicted_keys=1),
        commands=10,
        persistence=Persistence(False, False, False, 5, 1.0, False, True),
    )
    levels = {m.key: m.level for m in cache_metrics(b, cache_rates(a, b), Thresholds())}
    assert levels["hit_rate"] is Level.WARNING  # 80 % < 90 %
    assert levels["memory"] is Level.WARNING  # 90 % of maxmemory
    assert levels["evictions"] is Level.WARNING
    assert levels["persistence"] is Level.CRITICAL
    assert levels["fragmentation"] is Level.OK
    first = {m.key: m.level for m in cache_metrics(a, None, Thresholds())}
    assert first["hit_rate"] is Level.UNKNOWN and first["ops"] is Level.UNKNOWN
