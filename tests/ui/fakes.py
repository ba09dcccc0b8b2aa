"""A scripted backend for fast screen tests (queries are tested against real servers)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.audit import AuditRecord
from psadmin.models.capabilities import Capabilities
from psadmin.models.errors import BackendError, FailureKind
from psadmin.models.overview import ActivitySample, DatabaseSize
from psadmin.models.redis import RedisSample, RedisStatus

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)


class FakeBackend:
    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self.calls: list[str] = []
        self.fail_with: BackendError | None = None
        self.connections = 12
        self.tick = 0
        self.closed = False
        self.executed: list[ActionRequest] = []
        self.audited: list[AuditRecord] = []
        self.audit_fails = False
        self.outcome = ActionOutcome(OutcomeStatus.OK, "done")
        self.capabilities = Capabilities(
            server_version_num=180006,
            server_version="18.6",
            database="psscript",
            role="psadmin",
            is_superuser=False,
            pg_monitor=True,
            pg_read_all_stats=True,
            pg_signal_backend=True,
            max_connections=100,
            superuser_reserved_connections=3,
            reserved_connections=0,
            pg_stat_statements_preloaded=True,
            extensions={"vector": "0.8.1"},
        )

    @property
    def target_display(self) -> str:
        return "postgresql://psadmin@fake:5432/psscript"

    async def activity_sample(self) -> ActivitySample:
        self.calls.append("activity_sample")
        if self.fail_with is not None:
            raise self.fail_with
        self.tick += 1
        return ActivitySample(
            taken_at=T0 + timedelta(seconds=2 * self.tick),
            started_at=T0 - timedelta(days=1),
            connections=self.connections,
            active=3,
            idle_in_transaction=1,
            waiting_on_locks=0,
            longest_transaction_s=4.0,
            xact_total=1000 + 100 * self.tick,
            blks_hit=10000 + 950 * self.tick,
            blks_read=1000 + 50 * self.tick,
            deadlocks=0,
        )

    async def database_size(self) -> DatabaseSize:
        self.calls.append("database_size")
        return DatabaseSize(bytes=123 * 1024 * 1024, measured_at=T0)

    async def redis_status(self) -> RedisStatus:
        self.calls.append("redis_status")
        base = RedisSample(
            taken_at=float(self.tick * 2),
            version="7.0.15",
            uptime_s=100 + 2 * self.tick,
            used_memory=50 * 1024 * 1024,
            used_memory_peak=60 * 1024 * 1024,
            maxmemory=256 * 1024 * 1024,
            keyspace_hits=900 * self.tick,
            keyspace_misses=100 * self.tick,
            evicted_keys=0,
            expired_keys=3,
            connected_clients=11,
            ops_per_sec=40,
            keys=420,
        )
        return RedisStatus(dataclasses.replace(base))

    async def close(self) -> None:
        self.closed = True

    @property
    def actor(self) -> tuple[str, str]:
        return "tester", "psadmin"

    async def execute_action(self, request: ActionRequest) -> ActionOutcome:
        self.executed.append(request)
        return self.outcome

    async def write_audit(self, record: AuditRecord) -> None:
        if self.audit_fails:
            raise BackendError("cannot write the audit trail /nowhere: Permission denied")
        self.audited.append(record)

    async def audit_records(self, limit: int = 1000) -> list[AuditRecord]:
        return list(reversed(self.audited))[:limit]


def disconnected() -> BackendError:
    return BackendError(
        "cannot reach postgresql://psadmin@fake:5432/psscript: refused", FailureKind.DISCONNECTED
    )
