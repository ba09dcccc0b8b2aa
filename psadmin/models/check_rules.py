"""The checks of ``psadmin check``, one function each: facts in, a judged result out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psadmin.models.checks import (
    Bad,
    CheckResult,
    HealthFacts,
    Rate,
    duration,
    judge,
    percent,
    rate_phrase,
)
from psadmin.models.health import Level, Thresholds
from psadmin.models.redis import RedisStatus
from psadmin.models.statements import StatementSample
from psadmin.models.tables import TableHealthReport, autovacuum_outlook
from psadmin.models.users import UsersSummary


def connections_check(facts: HealthFacts, usable: int, t: Thresholds) -> CheckResult:
    ratio = facts.connections / max(usable, 1)
    return CheckResult(
        "connections",
        judge(ratio, t.connections_warn, t.connections_crit, Bad.HIGH),
        f"connections {facts.connections}/{usable} ({percent(ratio)})",
        ratio,
        "ratio",
        t.connections_warn,
        t.connections_crit,
        detail="client sessions against max_connections minus the reserved slots",
    )


def pool_checks(facts: HealthFacts, pools: Mapping[str, int], t: Thresholds) -> list[CheckResult]:
    """One check per configured application pool (seed: pool usage < 80 %)."""
    results = []
    for app, size in sorted(pools.items()):
        used = facts.app_connections.get(app, 0)
        ratio = used / size
        results.append(
            CheckResult(
                f"pool:{app}",
                judge(ratio, t.connections_warn, t.connections_crit, Bad.HIGH),
                f"pool {app} {used}/{size} ({percent(ratio)})",
                ratio,
                "ratio",
                t.connections_warn,
                t.connections_crit,
                detail=(
                    "no session with this application_name"
                    if used == 0
                    else "sessions with this application_name against the profile's app_pools size"
                ),
            )
        )
    return results


def query_time_check(sample: StatementSample, t: Thresholds) -> CheckResult:
    """Mean execution time over every call pg_stat_statements recorded in this database."""
    limits = (t.query_warn_ms, t.query_crit_ms)
    if not sample.availability.available:
        fix = sample.availability.fix or ""
        return CheckResult(
            "query_time",
            Level.UNKNOWN,
            f"query time unknown: {sample.availability.reason}",
            None,
            "ms",
            *limits,
            detail=fix,
        )
    calls = sum(s.calls for s in sample.statements)
    if calls == 0:
        return CheckResult(
            "query_time", Level.OK, "no statements recorded yet", None, "ms", *limits
        )
    mean = sample.total_exec_ms / calls
    slowest = max(sample.statements, key=lambda s: s.mean_exec_ms)
    text = " ".join((slowest.query or "(text not visible)").split())[:70]
    return CheckResult(
        "query_time",
        judge(mean, *limits, Bad.HIGH),
        f"mean query time {mean:.1f} ms over {calls:,} calls",
        mean,
        "ms",
        *limits,
        detail=f"slowest statement {slowest.mean_exec_ms:.1f} ms mean: {text}",
    )


def cache_hit_check(facts: HealthFacts, t: Thresholds) -> CheckResult:
    requested = facts.blks_hit + facts.blks_read
    ratio = facts.blks_hit / requested if requested else None
    since = facts.counting_since.strftime("%Y-%m-%d %H:%M")
    if ratio is None:
        return CheckResult(
            "cache_hit",
            Level.OK,
            "no block requested yet",
            None,
            "ratio",
            t.cache_hit_warn,
            t.cache_hit_crit,
            Bad.LOW,
        )
    return CheckResult(
        "cache_hit",
        judge(ratio, t.cache_hit_warn, t.cache_hit_crit, Bad.LOW),
        f"buffer cache hit {percent(ratio)}",
        ratio,
        "ratio",
        t.cache_hit_warn,
        t.cache_hit_crit,
        Bad.LOW,
        detail=f"database {facts.database}, since {since} UTC",
    )


def deadlocks_check(rate: Rate | None, database: str, t: Thresholds) -> CheckResult:
    limits = (t.deadlocks_warn_per_hour, t.deadlocks_crit_per_hour)
    if rate is None:
        return CheckResult(
            "deadlocks",
            Level.OK,
            "deadlock counter just started",
            None,
            "per_hour",
            *limits,
            strict=True,
        )
    return CheckResult(
        "deadlocks",
        judge(rate.per_hour, *limits, Bad.HIGH, strict=True),
        f"deadlocks {rate_phrase(rate)}",
        rate.per_hour,
        "per_hour",
        *limits,
        detail=f"database {database}",
        strict=True,
    )


def dead_tuples_check(report: TableHealthReport, t: Thresholds) -> CheckResult:
    """The worst dead/live ratio among tables autovacuum should already have vacuumed."""
    limits = (t.table_dead_ratio_warn, t.table_dead_ratio_crit)
    overdue = []
    for table in report.tables:
        outlook = autovacuum_outlook(table, report.settings)
        if table.dead_tuples > outlook.dead_threshold:
            ratio = table.dead_ratio
            overdue.append((float("inf") if ratio is None else ratio, table))
    if not overdue:
        return CheckResult(
            "dead_tuples",
            Level.OK,
            f"no table past autovacuum's threshold ({len(report.tables)} tables)",
            0.0,
            "ratio",
            *limits,
        )
    overdue.sort(key=lambda item: -item[0])
    ratio, table = overdue[0]
    shown = "no live tuples" if ratio == float("inf") else f"{percent(ratio)} of live"
    others = f"; {len(overdue) - 1} more past the threshold" if len(overdue) > 1 else ""
    return CheckResult(
        "dead_tuples",
        judge(ratio, *limits, Bad.HIGH),
        f"dead tuples {table.schema}.{table.name} {table.dead_tuples:,} ({shown})",
        None if ratio == float("inf") else ratio,
        "ratio",
        *limits,
        detail=f"past autovacuum's threshold{others}",
    )


def xid_age_check(facts: HealthFacts, t: Thresholds) -> CheckResult:
    share = facts.xid_age / facts.freeze_max_age
    return CheckResult(
        "xid_age",
        judge(facts.xid_age, facts.freeze_max_age, t.xid_crit_age, Bad.HIGH),
        f"xid age {facts.xid_age:,} ({percent(share)} of autovacuum_freeze_max_age)",
        facts.xid_age,
        "xids",
        facts.freeze_max_age,
        t.xid_crit_age,
        detail=f"oldest database {facts.oldest_xid_database}; wraparound at 2,147,483,647",
    )


def long_transaction_check(facts: HealthFacts, t: Thresholds) -> CheckResult:
    age = facts.oldest_xact_s or 0.0
    who = f" (pid {facts.oldest_xact_pid})" if facts.oldest_xact_pid is not None else ""
    return CheckResult(
        "long_transactions",
        judge(age, t.transaction_warn_s, t.transaction_crit_s, Bad.HIGH),
        f"oldest transaction {duration(age)}{who}" if who else "no open transaction",
        age,
        "s",
        t.transaction_warn_s,
        t.transaction_crit_s,
        detail="holds back VACUUM's horizon and may hold locks" if who else "",
    )


def idle_in_transaction_check(facts: HealthFacts, t: Thresholds) -> CheckResult:
    age = facts.oldest_idle_s or 0.0
    limits = (t.idle_in_transaction_warn_s, t.idle_in_transaction_crit_s)
    if facts.idle_in_transaction == 0:
        return CheckResult(
            "idle_in_transaction", Level.OK, "no session idle in transaction", 0.0, "s", *limits
        )
    return CheckResult(
        "idle_in_transaction",
        judge(age, *limits, Bad.HIGH),
        f"{facts.idle_in_transaction} idle in transaction, oldest {duration(age)} "
        f"(pid {facts.oldest_idle_pid})",
        age,
        "s",
        *limits,
        detail="an idle open transaction keeps its locks and blocks VACUUM cleanup",
    )


def locked_users_check(summary: UsersSummary, t: Thresholds) -> CheckResult:
    limits = (t.locked_users_warn, t.locked_users_crit)
    if not summary.table_present:
        return CheckResult(
            "locked_users", Level.OK, "", None, "count", *limits, skipped=summary.reason
        )
    if not summary.available or summary.counts is None:
        return CheckResult(
            "locked_users",
            Level.UNKNOWN,
            f"locked users unknown: {summary.reason}",
            None,
            "count",
            *limits,
            detail=summary.fix or "",
        )
    counts = summary.counts
    return CheckResult(
        "locked_users",
        judge(counts.locked, *limits, Bad.HIGH),
        f"{counts.locked} accounts locked out",
        counts.locked,
        "count",
        *limits,
        detail=f"{counts.at_risk} more at risk of {counts.total:,} accounts",
    )


def redis_checks(
    status: RedisStatus | None, evictions: Rate | None, t: Thresholds
) -> list[CheckResult]:
    memory_limits = (t.redis_memory_warn, t.redis_memory_crit)
    hit_limits = (t.redis_hit_warn, t.redis_hit_crit)
    eviction_limits = (t.redis_evictions_warn_per_hour, t.redis_evictions_crit_per_hour)
    if status is None:
        why = "no Redis configured (--redis-url, REDIS_URL or REDIS_HOST)"
        return [
            CheckResult("redis_memory", Level.OK, "", None, "ratio", *memory_limits, skipped=why),
            CheckResult(
                "redis_hit", Level.OK, "", None, "ratio", *hit_limits, Bad.LOW, skipped=why
            ),
            CheckResult(
                "redis_evictions",
                Level.OK,
                "",
                None,
                "per_hour",
                *eviction_limits,
                skipped=why,
                strict=True,
            ),
        ]
    sample = status.sample
    if sample is None:
        down = f"Redis unreachable: {status.reason}"
        return [CheckResult("redis", Level.CRITICAL, down, None, "ratio", None, None)]
    results = []
    ratio = sample.memory_ratio
    if ratio is None:
        results.append(
            CheckResult(
                "redis_memory",
                Level.WARNING,
                "Redis has no maxmemory: it can grow until the host runs out",
                None,
                "ratio",
                *memory_limits,
                detail="set maxmemory and a maxmemory-policy (allkeys-lru for a cache)",
            )
        )
    else:
        results.append(
            CheckResult(
                "redis_memory",
                judge(ratio, *memory_limits, Bad.HIGH),
                f"Redis memory {percent(ratio)} of maxmemory",
                ratio,
                "ratio",
                *memory_limits,
            )
        )
    lookups = sample.keyspace_hits + sample.keyspace_misses
    hit = sample.keyspace_hits / lookups if lookups else None
    results.append(
        CheckResult(
            "redis_hit",
            judge(hit, *hit_limits, Bad.LOW) if hit is not None else Level.OK,
            f"Redis hit rate {percent(hit)}" if hit is not None else "no Redis lookups yet",
            hit,
            "ratio",
            *hit_limits,
            Bad.LOW,
            detail=f"{lookups:,} lookups since Redis started",
        )
    )
    if evictions is None:
        level, summary, per_hour = Level.OK, "evictions: counter just started", None
    else:
        per_hour = evictions.per_hour
        level = judge(per_hour, *eviction_limits, Bad.HIGH, strict=True)
        summary = f"Redis evictions {rate_phrase(evictions)}"
    results.append(
        CheckResult(
            "redis_evictions", level, summary, per_hour, "per_hour", *eviction_limits, strict=True
        )
    )
    return results


def privileges_check(missing: Sequence[str]) -> CheckResult:
    """Informational: a deliberately restricted role is not a health problem; the checks it
    blinds report themselves as unknown."""
    return CheckResult(
        "privileges",
        Level.OK,
        f"{len(missing)} features limited by privileges or settings"
        if missing
        else "every panel and action available",
        len(missing),
        "count",
        None,
        None,
        detail="see the privilege report" if missing else "",
    )
