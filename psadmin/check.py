"""``psadmin check``: read the facts once, judge every check, remember counters for rates.

Each source is read on its own, so one failing read (a statement_timeout, a missing GRANT)
turns only the checks it feeds into "unknown" with the reason; only failing to connect at all
raises (the CLI exits 3).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from psadmin.backend import LiveBackend
from psadmin.config import Settings
from psadmin.models.check_rules import (
    cache_hit_check,
    connections_check,
    dead_tuples_check,
    deadlocks_check,
    idle_in_transaction_check,
    locked_users_check,
    long_transaction_check,
    pool_checks,
    privileges_check,
    query_time_check,
    redis_checks,
    xid_age_check,
)
from psadmin.models.checks import (
    CheckReport,
    CheckResult,
    CounterReading,
    HealthFacts,
    Rate,
    rate_per_hour,
)
from psadmin.models.errors import BackendError
from psadmin.models.health import Level
from psadmin.models.redis import RedisStatus
from psadmin.models.statements import StatementSample
from psadmin.models.tables import TableHealthReport, health_report
from psadmin.models.users import UsersSummary
from psadmin.models.vacuum import quote_ident
from psadmin.models.vectors import VectorHealth

T = TypeVar("T")

FACT_CHECKS = (
    "connections",
    "cache_hit",
    "deadlocks",
    "xid_age",
    "long_transactions",
    "idle_in_transaction",
)
"""The checks fed by the one health_facts statement: unknown together when it fails."""


class CheckSetupError(ValueError):
    """The state file cannot be written or skip_checks names an unknown check (exit 2)."""


def _unknown(names: tuple[str, ...], error: BackendError, unit: str = "") -> list[CheckResult]:
    return [
        CheckResult(name, Level.UNKNOWN, f"{name} unknown: {error.message}", None, unit, None, None)
        for name in names
    ]


async def _read(work: Callable[[], Awaitable[T]]) -> T | BackendError:
    try:
        return await work()
    except BackendError as exc:
        return exc


# -- counters remembered between runs ------------------------------------------------------------


def _load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # first run, or a damaged file: rates fall back to lifetime averages
    return data if isinstance(data, dict) else {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    """Atomically: a check killed half-way must not leave a truncated file behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".check-state-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
        os.replace(tmp, path)
    except OSError as exc:
        raise CheckSetupError(f"cannot write check state {path}: {exc.strerror}") from None


def _reading(entry: object) -> CounterReading | None:
    if not isinstance(entry, dict):
        return None
    try:
        return CounterReading(
            int(entry["value"]),
            datetime.fromisoformat(entry["at"]),
            datetime.fromisoformat(entry["since"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _remember(state: dict[str, Any], key: str, reading: CounterReading) -> Rate | None:
    rate = rate_per_hour(reading, _reading(state.get(key)))
    state[key] = {
        "value": reading.value,
        "at": reading.at.isoformat(),
        "since": reading.since.isoformat(),
    }
    return rate


def _redis_evictions(
    state: dict[str, Any], key: str, status: RedisStatus | None, now: datetime
) -> Rate | None:
    if status is None or status.sample is None:
        return None
    sample = status.sample
    # Redis has no "started at"; whole seconds of uptime give it, stable between runs.
    started = datetime.fromtimestamp(int(now.timestamp()) - sample.uptime_s, UTC)
    return _remember(state, key, CounterReading(sample.evicted_keys, now, started))


# -- the privilege report -------------------------------------------------------------------------


def privilege_notes(
    backend: LiveBackend,
    sample: StatementSample | BackendError,
    tables: TableHealthReport | BackendError,
    users: UsersSummary | BackendError,
    vectors: VectorHealth | BackendError,
) -> list[str]:
    caps = backend.capabilities
    role = quote_ident(caps.role)
    notes = list(caps.missing())
    if isinstance(sample, StatementSample):
        notes.extend(sample.availability.notes)
    if "pgstattuple" not in caps.extensions:
        notes.append("exact table measurement needs: CREATE EXTENSION pgstattuple")
    if isinstance(tables, TableHealthReport):
        blocked = sum(1 for t in tables.tables if not t.can_vacuum)
        if blocked:
            grant = (
                f"GRANT pg_maintain TO {role}"
                if caps.major >= 17
                else "table ownership (or superuser)"
            )
            notes.append(f"VACUUM refused on {blocked} of {len(tables.tables)} tables: {grant}")
    if isinstance(users, UsersSummary) and users.table_present:
        if not users.available:
            notes.append(f"Users screen: {users.reason}: {users.fix}")
        elif not users.can_update:
            notes.append(
                "unlocking accounts needs: GRANT UPDATE (login_attempts, locked_until) "
                f"ON users TO {role}"
            )
    if isinstance(vectors, VectorHealth) and not vectors.available:
        notes.append(f"Scripts screen: {vectors.reason}: {vectors.fix}")
    if backend.read_only:
        notes.append("read-only mode: every admin action is refused")
    return notes


# -- the run ---------------------------------------------------------------------------------------


async def run_checks(settings: Settings) -> CheckReport:
    """Connect, read, judge; raises BackendError only when PostgreSQL cannot be reached."""
    backend = LiveBackend(settings)
    try:
        caps = await backend.connect()
        t = settings.profile.thresholds
        facts = await _read(backend.health_facts)
        sample = await _read(backend.statement_sample)
        tables = await _read(_table_health(backend))
        users = await _read(backend.users_summary)
        vectors = await _read(backend.vector_health)
        redis = None if settings.redis is None else await backend.redis_status()
        now = datetime.now(UTC)

        state_path = settings.profile.check_state_path
        state = _load_state(state_path)
        results: list[CheckResult] = []
        if isinstance(facts, HealthFacts):
            deadlocks = _remember(
                state,
                f"deadlocks {backend.target_display} {facts.database}",
                CounterReading(facts.deadlocks, facts.taken_at, facts.counting_since),
            )
            results += [
                connections_check(facts, caps.usable_connections, t),
                *pool_checks(facts, settings.profile.app_pools, t),
                cache_hit_check(facts, t),
                deadlocks_check(deadlocks, facts.database, t),
                xid_age_check(facts, t),
                long_transaction_check(facts, t),
                idle_in_transaction_check(facts, t),
            ]
        else:
            results += _unknown(FACT_CHECKS, facts)
        results.append(
            query_time_check(sample, t)
            if isinstance(sample, StatementSample)
            else _unknown(("query_time",), sample, "ms")[0]
        )
        results.append(
            dead_tuples_check(tables, t)
            if isinstance(tables, TableHealthReport)
            else _unknown(("dead_tuples",), tables, "ratio")[0]
        )
        results.append(
            locked_users_check(users, t)
            if isinstance(users, UsersSummary)
            else _unknown(("locked_users",), users, "count")[0]
        )
        redis_key = f"evictions {settings.redis.display()}" if settings.redis else ""
        results += redis_checks(redis, _redis_evictions(state, redis_key, redis, now), t)
        notes = privilege_notes(backend, sample, tables, users, vectors)
        results.append(privileges_check(notes))
        _save_state(state_path, state)
        return CheckReport(
            backend.target_display, now, _apply_skips(results, settings), tuple(notes)
        )
    finally:
        await backend.close()


def _apply_skips(results: list[CheckResult], settings: Settings) -> tuple[CheckResult, ...]:
    skip = set(settings.profile.skip_checks)
    unknown = skip - {r.name for r in results}
    if unknown:
        names = ", ".join(r.name for r in results)
        raise CheckSetupError(f"skip_checks: no check named {sorted(unknown)[0]!r} ({names})")
    why = "skipped by the profile (skip_checks)"
    return tuple(replace(r, skipped=why) if r.name in skip else r for r in results)


def _table_health(backend: LiveBackend) -> Callable[[], Awaitable[TableHealthReport]]:
    async def read() -> TableHealthReport:
        catalog = await backend.table_catalog()
        return health_report(catalog, await backend.table_stats(catalog.relids))

    return read
