"""The live backend: a small asyncpg pool, one reserved admin connection, a Redis client.

Every call goes through :meth:`LiveBackend._run`, which maps driver exceptions to one-line
:class:`BackendError` messages (passwords scrubbed) and applies exponential backoff while the
server is unreachable, so a dead server costs one failed attempt per backoff step, not one per
screen tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import importlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from psadmin.audit import AuditFile
from psadmin.connect import scrub
from psadmin.models.errors import BackendError, FailureKind
from queries.capabilities import UnsupportedServer, detect_capabilities
from queries.overview import activity_sample, database_size
from queries.session import reset_session

# Each screen's queries (and the Redis and PgBouncer drivers) are imported by the methods
# that use them: the console starts on the Overview and should not pay for the rest.
if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from asyncpg.pool import PoolConnectionProxy

    from psadmin.backend_cache import RedisCache
    from psadmin.config import Settings
    from psadmin.models.actions import ActionOutcome, ActionRequest
    from psadmin.models.activity import ConnectionActivity, PgBouncerStatus
    from psadmin.models.audit import AuditRecord
    from psadmin.models.bloat import BloatReport, TableMeasurement
    from psadmin.models.cache import FamilyScan
    from psadmin.models.cache_health import CacheStatus
    from psadmin.models.capabilities import Capabilities
    from psadmin.models.checks import HealthFacts
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
    from psadmin.models.users import LockoutPolicy, UserPage, UserQuery, UserRow, UsersSummary
    from psadmin.models.vacuum import VacuumProgress
    from psadmin.models.vectors import IndexBuild, SimilarQuery, SimilarResult, VectorHealth
    from queries.actions import Executor_
    from queries.pgbouncer import Console
    from queries.statements import StatementTexts

T = TypeVar("T")

APPLICATION_NAME = "psadmin"
POOL_SIZE = 2
"""Monitoring connections per server; the admin connection comes on top of these."""

_DISCONNECTS: tuple[type[Exception], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)

_CONNECT_FAILURES: tuple[type[Exception], ...] = (*_DISCONNECTS, asyncpg.PostgresError)

EXECUTOR_MODULES: dict[str, str] = {
    "cancel_backend": "queries.activity",
    "terminate_backend": "queries.activity",
    "create_index": "queries.indexes",
    "unlock_user": "queries.users",
    "unlock_users": "queries.users",
    "lock_user": "queries.users",
    "reset_attempts": "queries.users",
    "reset_statement_stats": "queries.statements",
    "explain_analyze": "queries.statement_explain",
    "vacuum": "queries.vacuum",
    "recall_check": "queries.vectors",
    "invalidate_key": "queries.redis_keys",
    "invalidate_family": "queries.redis_keys",
    "embed_missing": "psadmin.embedding",
}
"""Which module registers the executor of each action kind (imported at the first action)."""


def action_executor(kind: str) -> Executor_ | None:
    from queries.actions import EXECUTORS

    if kind not in EXECUTORS and kind in EXECUTOR_MODULES:
        importlib.import_module(EXECUTOR_MODULES[kind])
    return EXECUTORS.get(kind)


class Backoff:
    """Exponential backoff between reconnect attempts: 0.5 s doubling up to 8 s.

    The ceiling is low on purpose: on-call users expect the console back within seconds of
    the server, and one failed connect attempt every 8 s costs the server nothing.
    """

    def __init__(self, first: float = 0.5, ceiling: float = 8.0) -> None:
        self.first = first
        self.ceiling = ceiling
        self.delay = 0.0
        self.next_attempt = 0.0

    @property
    def down(self) -> bool:
        return self.delay > 0

    def wait_left(self, now: float) -> float:
        return max(self.next_attempt - now, 0.0)

    def failed(self, now: float) -> None:
        self.delay = min(self.delay * 2, self.ceiling) if self.delay else self.first
        self.next_attempt = now + self.delay

    def succeeded(self) -> None:
        self.delay = 0.0
        self.next_attempt = 0.0


class LiveBackend:
    """The Backend protocol against real servers."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._pool: asyncpg.Pool | None = None
        self._admin_conn: asyncpg.Connection | None = None
        self._admin_lock = asyncio.Lock()
        self._pool_lock = asyncio.Lock()
        self._caps: Capabilities | None = None
        self._redis: aioredis.Redis | None = None
        self._pg_backoff = Backoff()
        self._redis_backoff = Backoff()
        self._last_redis_error = ""
        self._cache: RedisCache | None = None
        self._pgbouncer: Console | None = None
        self._pgbouncer_backoff = Backoff()
        self._last_pgbouncer_error = ""
        self.audit_file = AuditFile(settings.profile.audit_path)
        self._statement_texts: StatementTexts | None = None
        self._audit_table: bool | None = None
        """Whether records also go to psadmin_audit; decided at the first audit write."""
        self.audit_table_note: str | None = None

    # -- connection management ------------------------------------------------------------

    def _session_settings(self) -> dict[str, str]:
        profile = self.settings.profile
        session = {
            "application_name": APPLICATION_NAME,
            "statement_timeout": str(profile.statement_timeout_ms),
            "lock_timeout": str(profile.lock_timeout_ms),
            "idle_in_transaction_session_timeout": "60000",
        }
        if self.settings.read_only:
            session["default_transaction_read_only"] = "on"
        return session

    def _connect_kwargs(self) -> dict[str, Any]:
        target = self.settings.postgres
        kwargs: dict[str, Any] = {
            "dsn": target.dsn,
            "server_settings": self._session_settings(),
            "timeout": 10,
        }
        if target.ssl_context is not None:
            kwargs["ssl"] = target.ssl_context
        return kwargs

    async def _init_connection(self, conn: asyncpg.Connection) -> None:
        # The vector codec lets the Scripts screen read embeddings when it needs to.
        if await conn.fetchval("SELECT to_regtype('vector') IS NOT NULL /* psadmin:init */"):
            from pgvector.asyncpg import register_vector

            await register_vector(conn)

    async def connect(self) -> Capabilities:
        """Open the pool and detect capabilities; raises BackendError when that fails."""
        await self._run(lambda conn: asyncio.sleep(0))
        return self.capabilities

    async def _ensure_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                pool = await asyncpg.create_pool(
                    min_size=1,
                    max_size=POOL_SIZE,
                    init=self._init_connection,
                    reset=reset_session,  # asyncpg's reset, tagged as psadmin's own
                    **self._connect_kwargs(),
                )
                try:
                    async with pool.acquire() as conn:
                        self._caps = await detect_capabilities(conn)
                except BaseException:
                    await pool.close()
                    raise
                self._pool = pool
            return self._pool

    async def _drop_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()

    @property
    def capabilities(self) -> Capabilities:
        if self._caps is None:
            raise BackendError("not connected yet", FailureKind.DISCONNECTED)
        return self._caps

    @property
    def target_display(self) -> str:
        return self.settings.postgres.display()

    @property
    def read_only(self) -> bool:
        return self.settings.read_only

    def _error(self, exc: BaseException) -> BackendError:
        secrets = self.settings.secrets
        text = scrub(str(exc) or type(exc).__name__, secrets).splitlines()[0]
        where = self.target_display
        if isinstance(exc, UnsupportedServer):
            return BackendError(text, FailureKind.UNSUPPORTED)
        if isinstance(exc, asyncpg.QueryCanceledError):
            return BackendError(f"query cancelled: {text}", FailureKind.TIMEOUT)
        if isinstance(exc, asyncpg.InsufficientPrivilegeError):
            return BackendError(f"permission denied: {text}", FailureKind.PERMISSION)
        if isinstance(
            exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
        ):
            return BackendError(f"cannot log in to {where}: {text}", FailureKind.DISCONNECTED)
        if isinstance(exc, _DISCONNECTS):
            return BackendError(f"cannot reach {where}: {text}", FailureKind.DISCONNECTED)
        return BackendError(text, FailureKind.ERROR)

    async def _run(self, work: Callable[[PoolConnectionProxy], Awaitable[T]]) -> T:
        now = self._clock()
        if self._pg_backoff.down and self._pg_backoff.wait_left(now) > 0:
            raise BackendError(
                f"disconnected from {self.target_display}; retrying in "
                f"{self._pg_backoff.wait_left(now):.0f} s",
                FailureKind.DISCONNECTED,
            )
        try:
            pool = await self._ensure_pool()
            async with pool.acquire() as conn:
                result = await work(conn)
        except UnsupportedServer as exc:
            raise self._error(exc) from None
        except _DISCONNECTS as exc:
            await self._drop_pool()
            self._pg_backoff.failed(self._clock())
            raise self._error(exc) from None
        except asyncpg.PostgresError as exc:
            raise self._error(exc) from None
        self._pg_backoff.succeeded()
        return result

    @contextlib.asynccontextmanager
    async def admin_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The connection reserved for admin actions, so they never queue behind a poll."""
        async with self._admin_lock:
            if self._admin_conn is None or self._admin_conn.is_closed():
                try:
                    self._admin_conn = await asyncpg.connect(**self._connect_kwargs())
                except _CONNECT_FAILURES as exc:
                    raise self._error(exc) from None
            yield self._admin_conn

    # -- data -----------------------------------------------------------------------------

    async def activity_sample(self) -> ActivitySample:
        version = self.capabilities.server_version_num if self._caps else 0
        return await self._run(lambda conn: activity_sample(conn, version))

    async def database_size(self) -> DatabaseSize:
        return await self._run(database_size)

    async def health_facts(self) -> HealthFacts:
        """The counters of ``psadmin check``, pools counted for the profile's app_pools."""
        from queries.health import health_facts

        apps = tuple(self.settings.profile.app_pools)
        return await self._run(lambda conn: health_facts(conn, apps))

    def _lockout_policy(self) -> LockoutPolicy:
        from psadmin.models.users import LockoutPolicy

        profile = self.settings.profile
        return LockoutPolicy(profile.lockout_attempts, profile.lockout_minutes)

    async def users_summary(self) -> UsersSummary:
        from queries.users import users_summary

        policy, keys = self._lockout_policy(), self.settings.profile.unlock_redis_keys
        return await self._run(lambda conn: users_summary(conn, policy, keys))

    async def users_page(self, query: UserQuery) -> UserPage:
        from queries.users import users_page

        policy = self._lockout_policy()
        return await self._run(lambda conn: users_page(conn, query, policy))

    async def users_by_name(self, names: Sequence[str]) -> list[UserRow]:
        from queries.users import users_by_name

        return await self._run(lambda conn: users_by_name(conn, names))

    async def statement_sample(self) -> StatementSample:
        from queries.statements import StatementTexts, statement_sample

        if self._statement_texts is None:
            self._statement_texts = StatementTexts()
        texts = self._statement_texts
        return await self._run(lambda conn: statement_sample(conn, texts))

    async def long_running_queries(self, threshold_ms: float) -> LongRunningQueries:
        from queries.statements import long_running_queries

        return await self._run(lambda conn: long_running_queries(conn, threshold_ms))

    async def statement_parameters(self, key: StatementKey) -> tuple[str, ...]:
        from queries.statement_explain import statement_parameters

        return await self._run(lambda conn: statement_parameters(conn, key))

    async def explain_statement(
        self, key: StatementKey, parameters: Sequence[str] | None = None
    ) -> ExplainResult:
        from queries.statement_explain import explain_statement

        version = self.capabilities.server_version_num
        return await self._run(lambda conn: explain_statement(conn, key, parameters, version))

    async def scripts_page(self, query: ScriptQuery) -> ScriptPage:
        from queries.scripts import scripts_page

        return await self._run(lambda conn: scripts_page(conn, query))

    async def script_detail(self, script_id: int) -> ScriptDetail | None:
        from queries.scripts import script_detail

        return await self._run(lambda conn: script_detail(conn, script_id))

    async def similar_scripts(self, query: SimilarQuery) -> SimilarResult:
        from psadmin.models.vectors import supports_iterative_scan
        from queries.vectors import similar_scripts

        def iterative() -> bool:
            return supports_iterative_scan(self.capabilities.extension_version("vector"))

        return await self._run(lambda conn: similar_scripts(conn, query, iterative()))

    async def vector_health(self) -> VectorHealth:
        from psadmin.embedding import LOCAL_MODEL
        from queries.vector_health import vector_health

        return await self._run(lambda conn: vector_health(conn, self.capabilities, LOCAL_MODEL))

    async def index_builds(self) -> tuple[IndexBuild, ...]:
        from queries.vector_health import index_builds

        return await self._run(index_builds)

    async def index_usage(self, known: IndexUsage | None = None) -> IndexUsage:
        from queries.indexes import index_usage

        return await self._run(
            lambda conn: index_usage(conn, self.capabilities.server_version_num, known)
        )

    async def index_audit(self) -> IndexAudit:
        # SQLAlchemy loads only when the audit first runs, not at every start of psadmin
        from psadmin.schema_expected import CORE_TABLES, expected_schema
        from queries.indexes import schema_audit

        expected, suppress = expected_schema(), self.settings.profile.suppress
        return await self._run(
            lambda conn: schema_audit(
                conn, expected=expected, core_tables=CORE_TABLES, suppress=suppress
            )
        )

    async def index_bloat(self) -> list[IndexBloat]:
        from queries.indexes import index_bloat

        return await self._run(index_bloat)

    async def connection_activity(self) -> ConnectionActivity:
        from queries.activity import connection_activity

        # psadmin's own pool: POOL_SIZE monitoring connections plus the admin connection
        sizes = {"psadmin": POOL_SIZE + 1, **self.settings.profile.app_pools}
        return await self._run(lambda conn: connection_activity(conn, self.capabilities, sizes))

    async def pgbouncer_status(self) -> PgBouncerStatus:
        from psadmin.models.activity import PgBouncerStatus

        dsn = self.settings.profile.pgbouncer_dsn
        if dsn is None:
            return PgBouncerStatus(None, reason="PgBouncer not configured (profile pgbouncer_dsn)")
        import psycopg

        from queries.pgbouncer import connect_console, pgbouncer_status

        backoff = self._pgbouncer_backoff
        if backoff.down and backoff.wait_left(self._clock()) > 0:
            return PgBouncerStatus(None, reason=self._last_pgbouncer_error)
        try:
            if self._pgbouncer is None or self._pgbouncer.closed:
                self._pgbouncer = await connect_console(dsn)
            status = await pgbouncer_status(self._pgbouncer)
        except (psycopg.Error, OSError) as exc:
            console, self._pgbouncer = self._pgbouncer, None
            if console is not None:
                with contextlib.suppress(Exception):
                    await console.close()
            backoff.failed(self._clock())
            detail = scrub(str(exc) or type(exc).__name__, self.settings.secrets).splitlines()[0]
            self._last_pgbouncer_error = f"PgBouncer unreachable: {detail}"
            return PgBouncerStatus(None, reason=self._last_pgbouncer_error)
        backoff.succeeded()
        return status

    async def table_catalog(self) -> TableCatalog:
        from queries.tables import table_catalog

        return await self._run(lambda conn: table_catalog(conn, self._version()))

    async def table_stats(self, relids: Sequence[int]) -> TableStats:
        from queries.tables import table_stats

        return await self._run(lambda conn: table_stats(conn, relids))

    async def table_bloat(self) -> BloatReport:
        from queries.tables import table_bloat

        def estimate(conn: PoolConnectionProxy) -> Awaitable[BloatReport]:
            caps = self.capabilities
            return table_bloat(conn, caps.server_version_num, caps.role, caps.is_superuser)

        return await self._run(estimate)

    async def measure_table(self, relid: int, exact: bool) -> TableMeasurement:
        from queries.tables import measure_table

        return await self._run(lambda conn: measure_table(conn, relid, exact))

    def _version(self) -> int:
        return self.capabilities.server_version_num

    def _admin_pid(self) -> int:
        conn = self._admin_conn
        return conn.get_server_pid() if conn is not None and not conn.is_closed() else 0

    async def vacuum_progress(self) -> list[VacuumProgress]:
        from queries.vacuum import vacuum_progress

        # on the monitoring pool: the admin connection is busy running the VACUUM
        pid = self._admin_pid()
        return await self._run(lambda conn: vacuum_progress(conn, self._version(), pid))

    async def cancel_vacuum(self) -> bool:
        from queries.vacuum import cancel_vacuum

        pid = self._admin_pid()
        return bool(pid) and await self._run(lambda conn: cancel_vacuum(conn, pid))

    async def resolve_table(self, name: str) -> tuple[int, str, str, str] | None:
        """(oid, schema, table, relkind) of a name as typed, resolved by the server."""
        from queries.vacuum import resolve_table

        row = await self._run(lambda conn: resolve_table(conn, name))
        if row is None:
            return None
        return row["relid"], row["schema_name"], row["table_name"], row["kind"]

    def _redis_client(self) -> aioredis.Redis | None:
        target = self.settings.redis
        if target is None:
            return None
        if self._redis is None:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(
                target.url,
                socket_timeout=3,
                socket_connect_timeout=3,
                client_name=APPLICATION_NAME,
                decode_responses=True,
            )
        return self._redis

    def _redis_cache(self) -> RedisCache:
        if self._cache is None:
            from psadmin.backend_cache import RedisCache

            self._cache = RedisCache(
                self.settings, self._redis_client, self._redis_backoff, self._clock
            )
        return self._cache

    async def redis_status(self) -> RedisStatus:
        from redis.exceptions import RedisError

        from psadmin.models.redis import RedisStatus

        target = self.settings.redis
        client = self._redis_client()
        if target is None or client is None:
            return RedisStatus(None, "Redis not configured (--redis-url or REDIS_URL)")
        now = self._clock()
        if self._redis_backoff.down and self._redis_backoff.wait_left(now) > 0:
            return RedisStatus(None, self._last_redis_error)
        try:
            sample = await self._redis_cache().sample(client)  # minus psadmin's own key lookups
        except (TimeoutError, RedisError, OSError) as exc:
            self._redis_backoff.failed(self._clock())
            detail = scrub(str(exc) or type(exc).__name__, self.settings.secrets).splitlines()[0]
            self._last_redis_error = f"Redis unreachable at {target.display()}: {detail}"
            return RedisStatus(None, self._last_redis_error)
        self._redis_backoff.succeeded()
        return RedisStatus(sample)

    async def cache_health(self) -> CacheStatus:
        return await self._redis_cache().health()

    def scan_key_families(self) -> AsyncIterator[FamilyScan]:
        return self._redis_cache().scan()

    # -- admin actions ------------------------------------------------------------------------

    @property
    def actor(self) -> tuple[str, str]:
        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):
            os_user = "unknown"
        return os_user, self._caps.role if self._caps else ""

    async def execute_action(self, request: ActionRequest) -> ActionOutcome:
        from redis.exceptions import RedisError

        from queries.actions import ActionContext

        run = action_executor(request.kind)
        failures: tuple[type[Exception], ...] = (*_CONNECT_FAILURES, RedisError)
        if run is None:
            raise BackendError(f"no executor for action {request.kind!r}")
        profile = self.settings.profile
        async with self.admin_connection() as conn:
            context = ActionContext(
                conn=conn,
                capabilities=self.capabilities,
                redis=self._redis_client(),
                unlock_redis_keys=profile.unlock_redis_keys,
                settings={
                    "lockout_attempts": profile.lockout_attempts,
                    "lockout_minutes": profile.lockout_minutes,
                },
            )
            try:
                return await run(context, request.params)
            except failures as exc:
                raise self._error(exc) from None

    async def write_audit(self, record: AuditRecord) -> None:
        from queries.audit import insert_audit

        try:
            self.audit_file.append(record)
        except OSError as exc:
            raise BackendError(
                f"cannot write the audit trail {self.audit_file.path}: {exc.strerror or exc}"
            ) from None
        if self._audit_table is None:
            await self._decide_audit_table()
        if self._audit_table:
            async with self.admin_connection() as conn:
                try:
                    await insert_audit(conn, record)
                except _CONNECT_FAILURES as exc:
                    raise self._error(exc) from None

    async def _decide_audit_table(self) -> None:
        from queries.audit import ensure_audit_table

        if self.read_only:
            self._audit_table = False
            self.audit_table_note = "read-only mode: audit goes to the local file only"
            return
        async with self.admin_connection() as conn:
            try:
                why_not = await ensure_audit_table(conn)
            except _CONNECT_FAILURES as exc:
                raise self._error(exc) from None
        self._audit_table = why_not is None
        self.audit_table_note = (
            None if why_not is None else f"psadmin_audit not available ({why_not})"
        )

    async def audit_records(self, limit: int = 1000) -> list[AuditRecord]:
        from queries.audit import audit_table_exists, recent_audit

        async def from_table(conn: PoolConnectionProxy) -> list[AuditRecord] | None:
            if not await audit_table_exists(conn):
                return None
            return await recent_audit(conn, limit)

        records = await self._run(from_table)
        return records if records is not None else self.audit_file.recent(limit)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), timeout=5)
            pool.terminate()
        conn, self._admin_conn = self._admin_conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
        client, self._redis = self._redis, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        console, self._pgbouncer = self._pgbouncer, None
        if console is not None:
            with contextlib.suppress(Exception):
                await console.close()
