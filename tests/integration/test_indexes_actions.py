"""CREATE INDEX CONCURRENTLY through the admin-action path on PostgreSQL 15 and 18: progress
while an older transaction holds it up, the audit trail, a no-op on an existing index, refusals
of bad requests, cleanup after a failed build, hostile names and read-only mode."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import OutcomeStatus
from psadmin.models.audit import AuditEvent
from psadmin.models.errors import BackendError
from psadmin.models.indexes import Finding, FindingLevel, IndexSpec
from screens.indexes_cells import create_index_request
from tests.integration.helpers import settings_for
from tests.integration.index_schema import (
    ODD_FK,
    NewDb,
    backend_with_audit,
    build_schema,
)


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    """Each test runs on Debian's PostgreSQL 15 and on the embedded 18."""
    found: PostgresCluster = request.getfixturevalue(request.param)
    return found


async def run_action(backend: LiveBackend, finding: Finding) -> tuple[OutcomeStatus, str]:
    request = create_index_request(finding)
    assert request is not None
    outcome = await ActionRunner(backend).run(request)
    return outcome.status, outcome.message


async def wait_for_build(backend: LiveBackend, table: str) -> str:
    """Poll pg_stat_progress_create_index (via the backend) until a build on ``table`` shows."""
    deadline = asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        for build in await backend.index_builds():
            if table in build.table:
                return build.phase
        await asyncio.sleep(0.05)
    raise AssertionError(f"no index build on {table} showed up")


async def test_create_index_concurrently_through_the_action_path_with_progress(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "idx_cic")
    build_schema(dsn)
    backend = backend_with_audit(dsn, tmp_path)
    try:
        finding = {f.key: f for f in (await backend.index_audit()).findings}[ODD_FK]
        with psycopg.connect(dsn) as writer:  # an open write transaction holds the build up
            writer.execute('INSERT INTO "Odd ""Name""" VALUES (1, NULL)')
            task = asyncio.create_task(run_action(backend, finding))
            phase = await wait_for_build(backend, 'Odd ""Name""')
            assert phase.startswith("waiting for writers")
            writer.commit()
        status, message = await task
        assert status is OutcomeStatus.OK, message
        with psycopg.connect(dsn) as conn:
            valid = conn.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                """WHERE c.relname = 'Odd "Name"_Parent Ref_idx'"""
            ).fetchone()
        assert valid == (True,)
        keys = {f.key for f in (await backend.index_audit()).findings}
        assert ODD_FK not in keys
        assert await run_action(backend, finding) == (
            OutcomeStatus.NO_OP,
            'index Odd "Name"_Parent Ref_idx already exists in public',
        )
    finally:
        await backend.close()
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in lines]
    assert events[:2] == [AuditEvent.REQUESTED.value, AuditEvent.OK.value]
    assert events[2:] == [AuditEvent.REQUESTED.value, AuditEvent.NO_OP.value]


async def test_create_index_refuses_bad_requests_and_cleans_up_a_failed_build(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "idx_cic_bad")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE parent (id int PRIMARY KEY)")
        conn.execute("CREATE TABLE big (id int PRIMARY KEY, body text)")
        # too wide for a btree entry, and incompressible: the build fails while scanning
        conn.execute(
            "INSERT INTO big SELECT 1, string_agg(md5(g::text || random()::text), '') "
            "FROM generate_series(1, 400) g"
        )
    base = Finding(
        key="test",
        kind="fk_without_index",
        level=FindingLevel.WARNING,
        schema="public",
        table="big",
        object="x",
        detail="",
        remediation="",
    )

    def asking(**spec: object) -> Finding:
        fields = {"schema": "public", "table": "big", "name": "big_body_idx", "columns": ("body",)}
        return dataclasses.replace(base, fix=IndexSpec(**{**fields, **spec}))  # type: ignore[arg-type]

    backend = backend_with_audit(dsn, tmp_path)
    try:
        await backend.connect()
        status, message = await run_action(backend, asking(columns=("nope",)))
        assert (status, message) == (OutcomeStatus.ERROR, "no column nope in public.big")
        status, message = await run_action(backend, asking(table="missing"))
        assert (status, message) == (OutcomeStatus.ERROR, "table public.missing does not exist")
        status, message = await run_action(backend, asking(method="nosuch"))
        assert "unknown index method" in message
        status, message = await run_action(backend, asking(opclasses=("nosuch_ops",)))
        assert "no operator class nosuch_ops for btree" in message
        status, message = await run_action(backend, asking())
        assert status is OutcomeStatus.ERROR and "the invalid index it left was dropped" in message
        # a name is only ever a name: quoted by the server, it cannot end the statement
        hostile = 'x"; DROP TABLE parent; --'
        status, message = await run_action(backend, asking(name=hostile, columns=("id",)))
        assert status is OutcomeStatus.OK, message
    finally:
        await backend.close()
    with psycopg.connect(dsn) as conn:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid IN ('big'::regclass, 'parent'::regclass)"
            )
        }
        assert names == {"parent_pkey", "big_pkey", '"x""; DROP TABLE parent; --"'}
        assert conn.execute("SELECT to_regclass('public.parent')").fetchone() == ("parent",)

    profile = Profile(audit_file=tmp_path / "ro.jsonl")
    read_only = LiveBackend(settings_for(dsn, read_only=True, profile=profile))
    try:
        await read_only.connect()
        with pytest.raises(BackendError, match="read-only"):
            await run_action(read_only, asking(name="never_built", columns=("id",)))
    finally:
        await read_only.close()
