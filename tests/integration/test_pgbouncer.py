"""PgBouncer's SHOW POOLS / SHOW STATS read through the backend and the snapshot, with
Debian's pgbouncer running in front of the test PostgreSQL 15."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster
from psadmin.models.activity import PgBouncerPool, PgBouncerStatus
from tests.integration.helpers import clean_env, settings_for, wait_until
from tests.integration.pgbouncer_server import PgBouncer

NewDb = Callable[[PostgresCluster, str], str]


@pytest.fixture
def bouncer(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PgBouncer]:
    """A PgBouncer with a pool of one server connection for database ``appdb``."""
    real = fresh_database(pg15, "bouncer").rsplit("/", 1)[1]
    base = tmp_path_factory.mktemp("pgbouncer")
    server = PgBouncer(base, pg15, {"appdb": real}, pool_size=1)
    try:
        server.start(timeout=30)
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


async def status_of(dsn: str, bouncer_dsn: str | None, tmp_path: Path) -> PgBouncerStatus:
    profile = Profile(pgbouncer_dsn=bouncer_dsn, audit_file=tmp_path / "audit.jsonl")
    backend = LiveBackend(settings_for(dsn, profile=profile))
    try:
        return await backend.pgbouncer_status()
    finally:
        await backend.close()


def appdb_pool(status: PgBouncerStatus) -> PgBouncerPool:
    assert status.pools is not None, status.reason
    [pool] = [p for p in status.pools if p.database == "appdb"]
    return pool


async def test_show_pools_counts_a_waiting_client(
    bouncer: PgBouncer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    holder = psycopg.connect(bouncer.dsn("appdb"), application_name="holder")
    waiter = psycopg.connect(bouncer.dsn("appdb"), autocommit=True, application_name="waiter")
    done = threading.Event()
    try:
        holder.execute("SELECT 1")  # in a transaction: holds the only server connection
        thread = threading.Thread(
            target=lambda: (waiter.execute("SELECT 2"), done.set()), daemon=True
        )
        thread.start()

        def waiting() -> bool:
            with psycopg.connect(
                bouncer.admin_dsn, autocommit=True, cursor_factory=psycopg.ClientCursor
            ) as admin:
                rows = admin.execute("SHOW POOLS").fetchall()
                names = [c.name for c in admin.execute("SHOW POOLS").description or ()]
            return any(
                dict(zip(names, r, strict=True))["database"] == "appdb"
                and dict(zip(names, r, strict=True))["cl_waiting"] == 1
                for r in rows
            )

        wait_until(waiting, what="a client waiting in PgBouncer")
        status = await status_of(pg15.dsn(), bouncer.admin_dsn, tmp_path)
        pool = appdb_pool(status)
        assert (pool.cl_active, pool.cl_waiting, pool.sv_active, pool.sv_idle) == (1, 1, 1, 0)
        assert pool.maxwait_s >= 0 and pool.pool_mode == "transaction"
        assert any(st.database == "appdb" for st in status.stats)

        json_result = snapshot(pg15.dsn(), bouncer.admin_dsn, tmp_path)
        pgbouncer = json_result["pool"]["pgbouncer"]
        assert pgbouncer["available"] is True
        [row] = [p for p in pgbouncer["pools"] if p["database"] == "appdb"]
        assert (row["cl_active"], row["cl_waiting"], row["sv_active"]) == (1, 1, 1)
        assert row["maxwait_s"] >= 0 and set(row) >= {"sv_idle", "sv_used", "user"}
        assert any(s["database"] == "appdb" for s in pgbouncer["stats"])

        holder.commit()  # the server connection goes back to the pool, the waiter runs
        assert done.wait(10)
        wait_until(lambda: waiting() is False, what="nobody waiting")
        pool = appdb_pool(await status_of(pg15.dsn(), bouncer.admin_dsn, tmp_path))
        assert pool.cl_waiting == 0 and pool.sv_active == 0
        assert pool.sv_idle + pool.sv_used == 1  # the one server connection, now unused
        stats = {
            st.database: st
            for st in (await status_of(pg15.dsn(), bouncer.admin_dsn, tmp_path)).stats
        }
        assert stats["appdb"].total_query_count >= 2
    finally:
        holder.close()
        waiter.close()


def snapshot(dsn: str, bouncer_dsn: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    config = tmp_path / "config.toml"
    config.write_text(
        f'[defaults]\npgbouncer_dsn = "{bouncer_dsn}"\naudit_file = "{tmp_path / "a.jsonl"}"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "psadmin",
            "snapshot",
            "--json",
            "pool",
            "--dsn",
            dsn,
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


async def test_unreachable_or_unconfigured_pgbouncer_is_a_reason_not_an_error(
    pg15: PostgresCluster, tmp_path: Path
) -> None:
    status = await status_of(pg15.dsn(), None, tmp_path)
    assert status.available is False and "not configured" in (status.reason or "")
    status = await status_of(pg15.dsn(), "postgresql://postgres@127.0.0.1:1/pgbouncer", tmp_path)
    assert status.available is False and "PgBouncer unreachable" in (status.reason or "")


def test_profile_field_is_used(tmp_path: Path) -> None:
    assert dataclasses.replace(Profile(), pgbouncer_dsn="x").pgbouncer_dsn == "x"
