"""The live backend and the overview queries against real PostgreSQL 15/18 and Redis."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, resolve_settings
from psadmin.demo.servers import DEBIAN_PG15_BIN, PostgresCluster, RedisServer
from psadmin.models.errors import BackendError, FailureKind
from psadmin.models.overview import activity_rates
from psadmin.models.redis import redis_rates
from tests.integration.helpers import backend_for, settings_for

NewDb = Callable[[PostgresCluster, str], str]


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


async def test_capabilities_of_a_superuser(cluster: PostgresCluster, fresh_database: NewDb) -> None:
    dsn = fresh_database(cluster, "caps")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION pg_trgm")
    backend = backend_for(dsn)
    try:
        caps = await backend.connect()
    finally:
        await backend.close()
    assert caps.server_version_num // 10000 == cluster.version_num // 10000
    assert caps.is_superuser and caps.pg_stat_statements_preloaded
    assert set(caps.extensions) >= {"plpgsql", "pg_stat_statements", "pg_trgm"}
    assert caps.max_connections == 100
    assert (
        caps.usable_connections
        == 100 - caps.superuser_reserved_connections - caps.reserved_connections
    )
    assert caps.missing() == []


async def test_capabilities_of_a_least_privilege_role(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "roles")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS watcher")
        conn.execute("DROP ROLE IF EXISTS nobody")
        conn.execute("CREATE ROLE watcher LOGIN IN ROLE pg_monitor")
        conn.execute("CREATE ROLE nobody LOGIN")
    db = dsn.rsplit("/", 1)[1]
    watcher = backend_for(cluster.dsn(db, user="watcher"))
    nobody = backend_for(cluster.dsn(db, user="nobody"))
    try:
        w = await watcher.connect()
        n = await nobody.connect()
    finally:
        await watcher.close()
        await nobody.close()
    assert (w.is_superuser, w.pg_monitor, w.pg_read_all_stats, w.pg_signal_backend) == (
        False,
        True,
        True,
        False,
    )
    assert w.privilege_summary() == "pg_monitor"
    assert (n.pg_monitor, n.pg_read_all_stats) == (False, False)
    assert any("GRANT pg_monitor TO nobody" in note for note in n.missing())


async def test_sessions_carry_application_name_timeouts_and_read_only(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "session")
    profile = dataclasses.replace(Profile(), statement_timeout_ms=4321, lock_timeout_ms=777)
    backend = LiveBackend(settings_for(dsn, read_only=True, profile=profile))
    try:
        await backend.connect()
        async with backend.admin_connection() as admin:
            shown = await admin.fetchrow(
                "SELECT current_setting('application_name') AS app,"
                " current_setting('statement_timeout') AS st,"
                " current_setting('lock_timeout') AS lt,"
                " current_setting('default_transaction_read_only') AS ro"
            )
            admin_pid = await admin.fetchval("SELECT pg_backend_pid()")
        pool_pids = await backend._run(lambda c: c.fetchval("SELECT pg_backend_pid()"))
        with psycopg.connect(dsn, autocommit=True) as conn:
            count = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psadmin'"
            ).fetchone()
        assert shown is not None
        assert dict(shown) == {"app": "psadmin", "st": "4321ms", "lt": "777ms", "ro": "on"}
        assert admin_pid != pool_pids  # the admin connection is not one of the pool's
        assert count is not None and 2 <= count[0] <= 3  # a small footprint: pool + admin
    finally:
        await backend.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psadmin'"
        ).fetchone()
    assert left is not None and left[0] == 0  # close() really closes every session


async def test_statement_timeout_is_reported_as_timeout(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "timeout")
    profile = dataclasses.replace(Profile(), statement_timeout_ms=100)
    backend = LiveBackend(settings_for(dsn, profile=profile))
    try:
        await backend.connect()
        with pytest.raises(BackendError) as info:
            await backend._run(lambda c: c.execute("SELECT pg_sleep(2)"))
        assert info.value.kind is FailureKind.TIMEOUT
        assert "statement timeout" in info.value.message
        await backend.activity_sample()  # the pool is still usable afterwards
    finally:
        await backend.close()


async def test_activity_sample_sees_idle_in_transaction_and_counts_transactions(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "activity")
    backend = backend_for(dsn)
    idle = psycopg.connect(dsn)  # autocommit off: the SELECT opens a transaction
    try:
        await backend.connect()
        idle.execute("SELECT 1")
        first = await backend.activity_sample()
        with psycopg.connect(dsn, autocommit=True) as worker:
            for _ in range(40):
                worker.execute("SELECT 1")
            # make this backend's pending statistics visible before the next sample
            worker.execute("SELECT pg_stat_force_next_flush()")
            worker.execute("SELECT 1")
        second = await backend.activity_sample()
        with psycopg.connect(dsn, autocommit=True) as check:
            row = check.execute(
                "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%'),"
                " count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            ).fetchone()
        assert row is not None
        assert first.idle_in_transaction >= 1
        assert first.longest_transaction_s is not None and first.longest_transaction_s >= 0
        assert second.connections >= 2
        rates = activity_rates(first, second)
        assert rates is not None
        assert rates.tps * rates.interval_s >= 40
        size = await backend.database_size()
        assert size.bytes > 1_000_000
    finally:
        idle.close()
        await backend.close()


@pytest.fixture
def restartable_pg15(tmp_path: Path) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path, preload=())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_reconnects_with_backoff_after_a_server_restart(
    restartable_pg15: PostgresCluster,
) -> None:
    clock = FakeClock()
    backend = LiveBackend(settings_for(restartable_pg15.dsn()), clock=clock)
    try:
        await backend.activity_sample()
        restartable_pg15.stop()
        with pytest.raises(BackendError) as lost:
            await backend.activity_sample()
        assert lost.value.kind is FailureKind.DISCONNECTED
        with pytest.raises(BackendError, match="retrying in"):
            await backend.activity_sample()  # inside the backoff window: no new attempt
        clock.now += 1.0
        with pytest.raises(BackendError, match="cannot reach"):
            await backend.activity_sample()  # tried again, server still down: backoff grows
        assert backend._pg_backoff.delay == 1.0
        restartable_pg15.start()
        clock.now += 1.0
        sample = await backend.activity_sample()
        assert sample.connections >= 1
        assert not backend._pg_backoff.down
    finally:
        await backend.close()


async def test_wrong_password_never_shows_the_password(tmp_path: Path) -> None:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path, preload=(), password="right-pw")
    cluster.start()
    try:
        backend = backend_for(cluster.dsn(password="Wr0ng-S3cret"))
        with pytest.raises(BackendError) as info:
            await backend.connect()
        await backend.close()
        assert info.value.kind is FailureKind.DISCONNECTED
        assert "Wr0ng-S3cret" not in info.value.message
        assert "password authentication failed" in info.value.message
        assert "\n" not in info.value.message
    finally:
        cluster.stop()


async def test_password_from_pgpass_and_pg_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path / "pg", preload=(), password="from-pgpass")
    cluster.start()
    try:
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"127.0.0.1:{cluster.port}:*:postgres:from-pgpass\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        env = {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(cluster.port),
            "PGUSER": "postgres",
            "PGDATABASE": "postgres",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = resolve_settings(Overrides(), env, Profile())
        assert settings.postgres.dsn is None  # libpq-style: the driver reads PG* and the file
        backend = LiveBackend(settings)
        try:
            caps = await backend.connect()
        finally:
            await backend.close()
        assert caps.role == "postgres"
        assert settings.postgres.display() == f"postgres@127.0.0.1:{cluster.port}/postgres"
    finally:
        cluster.stop()


async def test_redis_status_and_interval_hit_rate(
    redis_server: RedisServer, pg18: PostgresCluster
) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.set("script:1", "x", ex=600)
    backend = backend_for(pg18.dsn(), redis_server.url)
    try:
        first = await backend.redis_status()
        for _ in range(9):
            client.get("script:1")
        client.get("script:missing")
        second = await backend.redis_status()
    finally:
        await backend.close()
        client.close()
    assert first.sample is not None and second.sample is not None
    assert first.sample.keys == 1
    assert first.sample.version.startswith(("6.", "7."))
    rates = redis_rates(first.sample, second.sample)
    assert rates is not None and rates.hit_rate == 0.9


async def test_redis_unreachable_is_a_status_not_an_error(pg18: PostgresCluster) -> None:
    clock = FakeClock()
    backend = LiveBackend(settings_for(pg18.dsn(), "redis://:pw-secret@127.0.0.1:1/0"), clock=clock)
    try:
        status = await backend.redis_status()
        assert not status.available
        assert status.reason is not None and "127.0.0.1:1" in status.reason
        assert "pw-secret" not in status.reason
        again = await backend.redis_status()  # within backoff: same answer, no new attempt
        assert again.reason == status.reason
        sample = await backend.activity_sample()  # PostgreSQL keeps working without Redis
        assert sample.connections >= 1
    finally:
        await backend.close()


async def test_redis_not_configured(pg18: PostgresCluster) -> None:
    backend = backend_for(pg18.dsn())
    try:
        status = await backend.redis_status()
    finally:
        await backend.close()
    assert not status.available and "not configured" in (status.reason or "")
