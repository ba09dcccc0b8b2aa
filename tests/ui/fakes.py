"""A scripted backend for fast screen tests (queries are tested against real servers)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.activity import ConnectionActivity, PgBouncerStatus
from psadmin.models.audit import AuditRecord
from psadmin.models.bloat import BloatReport, TableMeasurement
from psadmin.models.cache import FamilyScan
from psadmin.models.cache_health import CacheStatus
from psadmin.models.capabilities import Capabilities
from psadmin.models.errors import BackendError, FailureKind
from psadmin.models.indexes import IndexAudit, IndexBloat, IndexUsage
from psadmin.models.overview import ActivitySample, DatabaseSize
from psadmin.models.redis import RedisSample, RedisStatus
from psadmin.models.scripts import ScriptDetail, ScriptPage, ScriptQuery
from psadmin.models.statements import (
    ExplainResult,
    LongRunningQueries,
    StatementKey,
    StatementSample,
)
from psadmin.models.tables import TableCatalog, TableStats
from psadmin.models.users import UserPage, UserQuery, UserRow, UsersSummary
from psadmin.models.vacuum import VacuumProgress
from psadmin.models.vectors import IndexBuild, SimilarQuery, SimilarResult, VectorHealth
from tests.ui.fake_activity import NOT_CONFIGURED, demo_sessions, fake_activity
from tests.ui.fake_cache import FakeCache
from tests.ui.fake_indexes import FakeIndexes
from tests.ui.fake_scripts import FakeScripts
from tests.ui.fake_statements import FakeStatements
from tests.ui.fake_tables import FakeTables
from tests.ui.fake_users import FakeUsers

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
        self.sessions = demo_sessions()
        self.pgbouncer: PgBouncerStatus = NOT_CONFIGURED
        self.accounts = FakeUsers()
        self.statements = FakeStatements()
        self.cache = FakeCache()
        self.tables = FakeTables()
        self.indexes = FakeIndexes()
        self.scripts = FakeScripts()
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

    async def connection_activity(self) -> ConnectionActivity:
        self.calls.append("connection_activity")
        if self.fail_with is not None:
            raise self.fail_with
        self.tick += 1
        return fake_activity(self.sessions, self.tick, self.capabilities)

    async def pgbouncer_status(self) -> PgBouncerStatus:
        self.calls.append("pgbouncer_status")
        return self.pgbouncer

    async def users_summary(self) -> UsersSummary:
        self.calls.append("users_summary")
        if self.fail_with is not None:
            raise self.fail_with
        return self.accounts.summary()

    async def users_page(self, query: UserQuery) -> UserPage:
        self.calls.append("users_page")
        return self.accounts.page(query)

    async def statement_sample(self) -> StatementSample:
        self.calls.append("statement_sample")
        if self.fail_with is not None:
            raise self.fail_with
        return self.statements.sample()

    async def long_running_queries(self, threshold_ms: float) -> LongRunningQueries:
        return self.statements.long_running(threshold_ms)

    async def statement_parameters(self, key: StatementKey) -> tuple[str, ...]:
        return self.statements.parameters(key)

    async def explain_statement(
        self, key: StatementKey, parameters: Sequence[str] | None = None
    ) -> ExplainResult:
        return self.statements.explain(key, parameters)

    async def users_by_name(self, names: Sequence[str]) -> list[UserRow]:
        return self.accounts.by_name(names)

    async def cache_health(self) -> CacheStatus:
        self.calls.append("cache_health")
        self.tick += 1
        return self.cache.health(self.tick)

    def scan_key_families(self) -> AsyncIterator[FamilyScan]:
        self.calls.append("scan_key_families")
        return self.cache.scan()

    async def table_catalog(self) -> TableCatalog:
        self.calls.append("table_catalog")
        if self.fail_with is not None:
            raise self.fail_with
        return self.tables.catalog()

    async def table_stats(self, relids: Sequence[int]) -> TableStats:
        self.calls.append("table_stats")
        if self.fail_with is not None:
            raise self.fail_with
        return self.tables.stats(relids)

    async def table_bloat(self) -> BloatReport:
        self.calls.append("table_bloat")
        return self.tables.bloat()

    async def measure_table(self, relid: int, exact: bool) -> TableMeasurement:
        self.calls.append("measure_table")
        return self.tables.measure(relid, exact)

    async def index_usage(self, known: IndexUsage | None = None) -> IndexUsage:
        self.calls.append("index_usage" if known is None else "index_counters")
        if self.fail_with is not None:
            raise self.fail_with
        return self.indexes.usage(known)

    async def index_audit(self) -> IndexAudit:
        self.calls.append("index_audit")
        return self.indexes.audit()

    async def index_bloat(self) -> list[IndexBloat]:
        self.calls.append("index_bloat")
        return self.indexes.bloat()

    async def scripts_page(self, query: ScriptQuery) -> ScriptPage:
        self.calls.append("scripts_page")
        if self.fail_with is not None:
            raise self.fail_with
        return self.scripts.page(query)

    async def script_detail(self, script_id: int) -> ScriptDetail | None:
        self.calls.append("script_detail")
        return self.scripts.detail(script_id)

    async def similar_scripts(self, query: SimilarQuery) -> SimilarResult:
        self.calls.append("similar_scripts")
        return self.scripts.similar(query)

    async def vector_health(self) -> VectorHealth:
        self.calls.append("vector_health")
        return self.scripts.health()

    async def index_builds(self) -> tuple[IndexBuild, ...]:
        self.calls.append("index_builds")
        return self.indexes.builds

    async def vacuum_progress(self) -> list[VacuumProgress]:
        self.calls.append("vacuum_progress")
        return list(self.tables.progress)

    async def cancel_vacuum(self) -> bool:
        self.calls.append("cancel_vacuum")
        return self.tables.cancel()

    async def close(self) -> None:
        self.closed = True

    async def connect(self) -> Capabilities:
        return self.capabilities

    @property
    def actor(self) -> tuple[str, str]:
        return "tester", "psadmin"

    async def execute_action(self, request: ActionRequest) -> ActionOutcome:
        self.executed.append(request)
        if request.kind == "create_index":
            return await self.indexes.run_create_index(request)
        if request.kind == "vacuum":
            return await self.tables.run_vacuum(request)
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
