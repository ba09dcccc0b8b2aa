"""``psadmin check`` rules, rates and output forms as plain data (no servers)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from psadmin.models.check_rules import (
    dead_tuples_check,
    deadlocks_check,
    idle_in_transaction_check,
    locked_users_check,
    pool_checks,
    privileges_check,
    redis_checks,
    xid_age_check,
)
from psadmin.models.checks import (
    Bad,
    CheckReport,
    CheckResult,
    CounterReading,
    HealthFacts,
    check_json,
    exit_code,
    judge,
    nagios_text,
    percent,
    rate_per_hour,
)
from psadmin.models.health import Level, Thresholds
from psadmin.models.redis import RedisSample, RedisStatus
from psadmin.models.tables import (
    AutovacuumSettings,
    TableHealthReport,
    autovacuum_outlook,
    table_level,
)
from psadmin.models.users import LockoutPolicy, UserCounts, UsersSummary
from tests.ui.fake_tables import table

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
T = Thresholds()


def facts(**changes: object) -> HealthFacts:
    base = HealthFacts(
        taken_at=T0,
        started_at=T0 - timedelta(days=1),
        database="psscript",
        deadlocks=0,
        blks_hit=990,
        blks_read=10,
        stats_reset=None,
        connections=12,
        app_connections={"psscript-api": 9},
        oldest_xact_pid=None,
        oldest_xact_s=None,
        idle_in_transaction=0,
        oldest_idle_pid=None,
        oldest_idle_s=None,
        oldest_xid_database="psscript",
        xid_age=1000,
        freeze_max_age=200_000_000,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def result(name: str, level: Level, skipped: str | None = None) -> CheckResult:
    return CheckResult(name, level, name, 1.0, "count", 1, 2, skipped=skipped)


def test_judge_each_side_and_strictness() -> None:
    assert judge(0.79, 0.8, 0.95, Bad.HIGH) is Level.OK
    assert judge(0.8, 0.8, 0.95, Bad.HIGH) is Level.WARNING  # reaching warn warns
    assert judge(0.95, 0.8, 0.95, Bad.HIGH) is Level.CRITICAL
    assert judge(0.0, 0.0, 10, Bad.HIGH, strict=True) is Level.OK  # 0 deadlocks/hour: target
    assert judge(0.1, 0.0, 10, Bad.HIGH, strict=True) is Level.WARNING
    assert judge(10.0, 0.0, 10, Bad.HIGH, strict=True) is Level.WARNING
    assert judge(10.5, 0.0, 10, Bad.HIGH, strict=True) is Level.CRITICAL
    assert judge(0.91, 0.9, 0.8, Bad.LOW) is Level.OK
    assert judge(0.85, 0.9, 0.8, Bad.LOW) is Level.WARNING
    assert judge(0.79, 0.9, 0.8, Bad.LOW) is Level.CRITICAL
    assert judge(None, 1, 2, Bad.HIGH) is Level.UNKNOWN
    assert judge(float("nan"), 1, 2, Bad.HIGH) is Level.UNKNOWN


def test_exit_code_is_the_worst_counted_check() -> None:
    assert exit_code([result("a", Level.OK)]) == 0
    assert exit_code([result("a", Level.OK), result("b", Level.WARNING)]) == 1
    assert exit_code([result("a", Level.CRITICAL), result("b", Level.WARNING)]) == 2
    # a blind check is not "ok": it weighs as a warning
    assert exit_code([result("a", Level.OK), result("b", Level.UNKNOWN)]) == 1
    assert exit_code([result("a", Level.OK), result("b", Level.CRITICAL, skipped="n/a")]) == 0
    assert exit_code([]) == 0


def test_rate_since_the_previous_run_or_the_lifetime_average() -> None:
    since = T0 - timedelta(hours=10)
    first = CounterReading(20, T0, since)
    lifetime = rate_per_hour(first, None)
    assert lifetime is not None and lifetime.per_hour == pytest.approx(2.0)
    assert not lifetime.since_previous_run
    later = CounterReading(23, T0 + timedelta(minutes=30), since)
    between = rate_per_hour(later, first)
    assert between is not None and between.since_previous_run
    assert between.per_hour == pytest.approx(6.0) and between.window_s == 1800
    # a stats reset in between: the previous reading is useless, fall back to the average
    reset = CounterReading(1, T0 + timedelta(hours=1), T0 + timedelta(minutes=30))
    after_reset = rate_per_hour(reset, first)
    assert after_reset is not None and not after_reset.since_previous_run
    assert after_reset.per_hour == pytest.approx(2.0)
    # a counter that went backwards without a visible reset is not a negative rate
    backwards = rate_per_hour(CounterReading(5, T0 + timedelta(hours=1), since), first)
    assert backwards is not None and backwards.per_hour >= 0
    assert rate_per_hour(CounterReading(0, since, since), None) is None


def test_deadlocks_and_pools() -> None:
    calm = rate_per_hour(CounterReading(0, T0, T0 - timedelta(hours=1)), None)
    assert deadlocks_check(calm, "psscript", T).level is Level.OK
    one = rate_per_hour(CounterReading(1, T0, T0 - timedelta(hours=1)), None)
    check = deadlocks_check(one, "psscript", T)
    assert check.level is Level.WARNING and check.value == pytest.approx(1.0)
    assert check.bad_when == "above"
    pools = pool_checks(facts(), {"psscript-api": 10, "worker": 4}, T)
    assert [(p.name, p.level, p.value) for p in pools] == [
        ("pool:psscript-api", Level.WARNING, 0.9),
        ("pool:worker", Level.OK, 0.0),
    ]
    assert pools[0].summary == "pool psscript-api 9/10 (90 %)"


def test_idle_in_transaction_and_xid_age() -> None:
    assert idle_in_transaction_check(facts(), T).level is Level.OK
    idle = facts(idle_in_transaction=2, oldest_idle_pid=4242, oldest_idle_s=45.0)
    check = idle_in_transaction_check(idle, T)
    assert check.level is Level.WARNING and "4242" in check.summary and check.value == 45.0
    assert xid_age_check(facts(xid_age=150_000_000), T).level is Level.OK
    assert xid_age_check(facts(xid_age=250_000_000), T).level is Level.WARNING
    assert xid_age_check(facts(xid_age=1_300_000_000), T).level is Level.CRITICAL


def test_dead_tuples_are_judged_only_past_autovacuums_threshold() -> None:
    small = table(1, "public", "small", reltuples=10, live_tuples=10, dead_tuples=40)
    report = TableHealthReport(T0, AutovacuumSettings(), (small,))
    # 400 % dead but under autovacuum's 50 + 0.2 * 10 threshold: autovacuum has not failed
    assert dead_tuples_check(report, T).level is Level.OK
    big = table(2, "public", "big", dead_tuples=9_000)  # 15,000 live: 60 %
    worse = table(3, "public", "worse", dead_tuples=16_000)  # 107 %
    check = dead_tuples_check(TableHealthReport(T0, AutovacuumSettings(), (small, big)), T)
    assert check.level is Level.WARNING and check.value == pytest.approx(0.6)
    both = TableHealthReport(T0, AutovacuumSettings(), (big, worse))
    check = dead_tuples_check(both, T)
    assert check.level is Level.CRITICAL and "public.worse" in check.summary
    assert "1 more" in check.detail
    lenient = dataclasses.replace(T, table_dead_ratio_crit=2.0)
    assert dead_tuples_check(both, lenient).level is Level.WARNING
    # the Tables screen's lights follow the same profile thresholds
    outlook = autovacuum_outlook(worse, AutovacuumSettings())
    assert table_level(worse, outlook)[0] is Level.CRITICAL
    assert table_level(worse, outlook, thresholds=lenient)[0] is Level.WARNING


def test_locked_users_and_redis() -> None:
    policy = LockoutPolicy(5, 30)
    none = UsersSummary(policy, available=False, reason="no users table", table_present=False)
    assert locked_users_check(none, T).skipped == "no users table"
    hidden = UsersSummary(policy, available=False, reason="may not read", fix="GRANT SELECT")
    check = locked_users_check(hidden, T)
    assert check.level is Level.UNKNOWN and check.skipped is None and check.detail == "GRANT SELECT"
    surge = UsersSummary(policy, UserCounts(total=500, locked=7, at_risk=3, admins=2))
    assert locked_users_check(surge, T).level is Level.WARNING
    assert all(r.skipped for r in redis_checks(None, None, T))
    down = redis_checks(RedisStatus(None, "Connection refused"), None, T)
    assert [(r.name, r.level) for r in down] == [("redis", Level.CRITICAL)]
    sample = RedisSample(0.0, "7.0", 60, 90, 100, 100, 50, 50, 0, 0, 1, 0, 3)
    by_name = {r.name: r for r in redis_checks(RedisStatus(sample), None, T)}
    assert by_name["redis_memory"].level is Level.WARNING  # 90 % of maxmemory
    assert by_name["redis_hit"].level is Level.CRITICAL  # 50 %
    unlimited = dataclasses.replace(sample, maxmemory=0)
    memory = redis_checks(RedisStatus(unlimited), None, T)[0]
    assert memory.level is Level.WARNING and "no maxmemory" in memory.summary


def test_percent_never_rounds_a_miss_up_to_100() -> None:
    assert percent(0.99996) == "99.99 %"
    assert percent(1.0) == "100 %"
    assert percent(0.5) == "50 %"


def test_nagios_text_and_json() -> None:
    results = (
        CheckResult("connections", Level.OK, "connections 5/97 (5 %)", 0.0515, "ratio", 0.8, 0.95),
        CheckResult("query_time", Level.WARNING, "mean 120.0 ms", 120.0, "ms", 100.0, 1000.0),
        CheckResult("locked_users", Level.OK, "", None, "count", 5, 20, skipped="no users"),
        privileges_check(["GRANT pg_monitor TO app"]),
    )
    report = CheckReport("postgresql://app@db/psscript", T0, results, ("GRANT pg_monitor TO app",))
    lines = nagios_text(report).splitlines()
    assert lines[0] == (
        "PSADMIN WARNING - WARNING mean 120.0 ms | 'connections'=5.15%;80;95 "
        "'query_time'=120ms;100;1000 'privileges'=1"
    )
    assert lines[2] == "[WARN] query_time: mean 120.0 ms (warn ≥ 100 ms, crit ≥ 1000 ms)"
    assert lines[3] == "[SKIP] locked_users: no users"
    assert lines[-2:] == ["privileges:", "  - GRANT pg_monitor TO app"]
    document = check_json(report)
    assert document["status"] == "warning" and document["exit_code"] == 1
    checks = document["checks"]
    assert isinstance(checks, list)
    assert checks[1] == {
        "name": "query_time",
        "status": "warning",
        "value": 120.0,
        "unit": "ms",
        "warn": 100.0,
        "crit": 1000.0,
        "bad_when": "at_or_above",
        "summary": "mean 120.0 ms",
        "detail": None,
        "skipped": None,
    }
    assert checks[2]["status"] == "skipped"
