"""Scripted pg_stat_statements for the Queries screen tests: counters that grow every tick."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from psadmin.models.errors import BackendError
from psadmin.models.statement_availability import StatementsAvailability
from psadmin.models.statements import (
    ExplainMode,
    ExplainResult,
    LongRunningQueries,
    LongRunningQuery,
    StatementKey,
    StatementSample,
    StatementStats,
    parameter_count,
)

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
SLOW = StatementKey(10, 111)
FAST = StatementKey(10, 222)
UPDATE = StatementKey(10, 333)
BEGIN = StatementKey(10, 444)
TEXTS = {
    SLOW: "SELECT id, title FROM scripts WHERE title ILIKE $1 ORDER BY updated_at DESC",
    FAST: "SELECT id FROM users WHERE username = $1",
    UPDATE: "UPDATE users SET login_attempts = login_attempts + $1 WHERE id = $2",
    BEGIN: "BEGIN",
}
TYPES = {SLOW: ("text",), FAST: ("varchar",), UPDATE: ("int4", "int4"), BEGIN: ()}
# key -> (calls at tick 0, calls per tick, mean ms, rows per call)
PROFILE = {
    SLOW: (10, 2, 250.0, 20),
    FAST: (1000, 100, 0.5, 1),
    UPDATE: (50, 30, 2.0, 1),
    BEGIN: (5000, 10, 0.01, 0),
}
MISSING = StatementsAvailability(
    False,
    reason="the pg_stat_statements extension is not installed in database psscript",
    fix="CREATE EXTENSION pg_stat_statements; (as a superuser, in database psscript)",
)


def _stats(key: StatementKey, tick: int) -> StatementStats:
    start, per_tick, mean, rows = PROFILE[key]
    calls = start + per_tick * tick
    return StatementStats(
        key=key,
        query=TEXTS[key],
        calls=calls,
        total_exec_ms=calls * mean,
        min_exec_ms=mean / 2,
        max_exec_ms=mean * 3,
        mean_exec_ms=mean,
        stddev_exec_ms=mean / 4,
        rows=calls * rows,
        shared_blks_hit=calls * 10,
        shared_blks_read=calls * (5 if key == SLOW else 0),
        shared_blks_dirtied=0,
        shared_blks_written=0,
        temp_blks_read=0,
        temp_blks_written=calls * 3 if key == SLOW else 0,
        blk_read_ms=0.0,
        blk_write_ms=0.0,
        wal_bytes=calls * 120 if key == UPDATE else 0,
        stats_since=T0,
    )


class FakeStatements:
    def __init__(self) -> None:
        self.availability = StatementsAvailability(True, "1.12")
        self.tick = 0
        self.explained: list[tuple[StatementKey, tuple[str, ...] | None]] = []
        self.long: list[LongRunningQuery] = [
            LongRunningQuery(
                pid=4242,
                backend_start=T0 - timedelta(hours=1),
                user="psscript",
                application="psscript-api",
                client_addr="10.0.0.7",
                database="psscript",
                state="active",
                wait_event_type=None,
                wait_event=None,
                query_ms=2500.0,
                xact_age_s=95.0,
                query_id=111,
                query="SELECT id, title FROM scripts WHERE title ILIKE '%backup%'",
            )
        ]

    def sample(self) -> StatementSample:
        self.tick += 1
        if not self.availability.available:
            return StatementSample(None, self.availability)
        return StatementSample(
            taken_at=T0 + timedelta(seconds=2 * self.tick),
            availability=self.availability,
            statements=tuple(_stats(key, self.tick) for key in TEXTS),
            stats_reset=T0,
            own=3,
        )

    def long_running(self, threshold_ms: float) -> LongRunningQueries:
        return LongRunningQueries(
            threshold_ms, tuple(q for q in self.long if q.query_ms >= threshold_ms)
        )

    def parameters(self, key: StatementKey) -> tuple[str, ...]:
        return TYPES[key]

    def explain(self, key: StatementKey, values: Sequence[str] | None) -> ExplainResult:
        values = None if values is None else tuple(values)
        self.explained.append((key, values))
        text = TEXTS[key]
        if values is None and parameter_count(text):
            return ExplainResult(
                key, ExplainMode.GENERIC, f"EXPLAIN (GENERIC_PLAN) {text}", "Seq Scan on scripts"
            )
        if values is not None and len(values) != len(TYPES[key]):
            raise BackendError(f"the statement takes {len(TYPES[key])} parameters")
        mode = ExplainMode.PARAMETERS if values else ExplainMode.PLAIN
        return ExplainResult(
            key, mode, f"EXPLAIN {text}", "Index Scan using users_pkey", values or ()
        )
