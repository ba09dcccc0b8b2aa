"""The backend as screens see it. Screens import this, never the implementation or drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: importing the protocol loads no model
    from psadmin.models.actions import ActionOutcome, ActionRequest
    from psadmin.models.activity import ConnectionActivity, PgBouncerStatus
    from psadmin.models.audit import AuditRecord
    from psadmin.models.bloat import BloatReport, TableMeasurement
    from psadmin.models.cache import FamilyScan
    from psadmin.models.cache_health import CacheStatus
    from psadmin.models.capabilities import Capabilities
    from psadmin.models.indexes import IndexAudit, IndexBloat, IndexUsage
    from psadmin.models.overview import ActivitySample, DatabaseSize
    from psadmin.models.redis import RedisStatus
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


class Backend(Protocol):
    """Async data access for every screen; each method raises BackendError on failure."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def target_display(self) -> str:
        """Where psadmin is connected, without the password."""
        ...

    @property
    def read_only(self) -> bool: ...

    async def activity_sample(self) -> ActivitySample: ...

    async def database_size(self) -> DatabaseSize: ...

    async def redis_status(self) -> RedisStatus: ...

    async def cache_health(self) -> CacheStatus:
        """INFO and SLOWLOG LEN for the Cache screen, or why not (not configured, down, ACL);
        never raises."""
        ...

    def scan_key_families(self) -> AsyncIterator[FamilyScan]:
        """The keyspace by family in bounded SCAN steps: partial results while it runs, then
        the final one (``done``); never raises: a failure ends the stream with ``error``."""
        ...

    async def connection_activity(self) -> ConnectionActivity:
        """Client sessions by state, per application pool, and the blocking tree."""
        ...

    async def pgbouncer_status(self) -> PgBouncerStatus:
        """SHOW POOLS / SHOW STATS, or why not (not configured, unreachable); never raises."""
        ...

    async def users_summary(self) -> UsersSummary:
        """The lockout policy (from the profile) and counts of locked and at-risk accounts."""
        ...

    async def users_page(self, query: UserQuery) -> UserPage:
        """One keyset page of accounts (filter, search, sort, cursor in ``query``)."""
        ...

    async def users_by_name(self, names: Sequence[str]) -> list[UserRow]:
        """The accounts with exactly these usernames; unknown names are simply absent."""
        ...

    async def table_catalog(self) -> TableCatalog:
        """The user tables with relpages sizes, reloptions, privileges, xid age (every minute)."""
        ...

    async def table_stats(self, relids: Sequence[int]) -> TableStats:
        """Cumulative statistics counters of these tables: the cheap read of every refresh."""
        ...

    async def table_bloat(self) -> BloatReport:
        """The statistical bloat estimate of every table (catalog only; on open, on demand)."""
        ...

    async def measure_table(self, relid: int, exact: bool) -> TableMeasurement:
        """pgstattuple (``exact``) or pgstattuple_approx of one table: reads its pages."""
        ...

    async def vacuum_progress(self) -> list[VacuumProgress]:
        """VACUUMs running in this database (psadmin's own marked), from the progress views."""
        ...

    async def cancel_vacuum(self) -> bool:
        """Cancel the VACUUM running on the admin connection; False when none is running."""
        ...

    async def statement_sample(self) -> StatementSample:
        """pg_stat_statements of this database (psadmin's own left out), or why it cannot be
        read and what fixes it (``availability``)."""
        ...

    async def long_running_queries(self, threshold_ms: float) -> LongRunningQueries:
        """Client sessions whose current query has run at least ``threshold_ms``."""
        ...

    async def statement_parameters(self, key: StatementKey) -> tuple[str, ...]:
        """The server's type names of the statement's ``$n`` parameters."""
        ...

    async def explain_statement(
        self, key: StatementKey, parameters: Sequence[str] | None = None
    ) -> ExplainResult:
        """EXPLAIN of the recorded statement (generic plan on 16+ without ``parameters``)."""
        ...

    # -- scripts and their embeddings (screen 7) ----------------------------------------------

    async def scripts_page(self, query: ScriptQuery) -> ScriptPage:
        """One keyset page of scripts (filters, text search, sort, cursor in ``query``)."""
        ...

    async def script_detail(self, script_id: int) -> ScriptDetail | None:
        """Metadata, analysis, versions, execution stats and content; None if no such id."""
        ...

    async def similar_scripts(self, query: SimilarQuery) -> SimilarResult:
        """Top-k by cosine distance, computed in SQL; never the script itself."""
        ...

    async def vector_health(self) -> VectorHealth:
        """Embedding coverage, models, ANN indexes and builds (or why not available)."""
        ...

    async def index_builds(self) -> tuple[IndexBuild, ...]:
        """CREATE INDEX / REINDEX progress in this database (cheap enough for every tick)."""
        ...

    # -- indexes and the schema audit (screen 4); build progress is index_builds() ----------

    async def index_usage(self, known: IndexUsage | None = None) -> IndexUsage:
        """Every index's counters and size, and the tables read mostly by sequential scans.

        With an earlier result as ``known``, only the counters are read (shared memory, cheap)
        and its list of indexes and sizes are kept, as of its ``catalog_taken_at``; without,
        the catalog and every index's size are read too (costly on thousands of indexes).
        """
        ...

    async def index_audit(self) -> IndexAudit:
        """The schema audit (generic checks, plus PSScript drift and orphans when its tables
        are present), without the findings the profile suppresses."""
        ...

    async def index_bloat(self) -> list[IndexBloat]:
        """Estimated btree bloat from statistics (on demand; reads no index page)."""
        ...

    # -- admin actions (DESIGN.md §5); the dispatcher in psadmin.actions drives these --------

    async def connect(self) -> Capabilities:
        """Connect if not yet connected (idempotent); raises BackendError when that fails."""
        ...

    @property
    def actor(self) -> tuple[str, str]:
        """(operating-system user, database role) recorded in the audit trail."""
        ...

    async def execute_action(self, request: ActionRequest) -> ActionOutcome:
        """Run the executor registered for ``request.kind`` on the reserved admin connection."""
        ...

    async def write_audit(self, record: AuditRecord) -> None:
        """Append to every audit sink; raises BackendError if any sink fails (blocks the action)."""
        ...

    async def audit_records(self, limit: int = 1000) -> list[AuditRecord]:
        """Newest first, from the psadmin_audit table when present, else the local file."""
        ...

    async def close(self) -> None: ...
