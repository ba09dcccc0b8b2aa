"""The admin-action path end to end on real servers: audit sinks, policy, execution."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.connect import describe_url
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.audit import AuditEvent
from psadmin.models.errors import BackendError
from queries.actions import EXECUTORS, ActionContext
from tests.integration.helpers import clean_env, settings_for

NewDb = Callable[[PostgresCluster, str], str]

TOUCH = ActionRequest(
    kind="test_touch",
    target="row 1 of touched",
    effect="Increments touched.n",
    statement="UPDATE touched SET n = n + 1 WHERE id = $1",
    params={"id": 1},
    reason="integration test",
)


@pytest.fixture
def touch_executor() -> Iterator[list[Mapping[str, Any]]]:
    calls: list[Mapping[str, Any]] = []

    async def touch(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
        calls.append(params)
        status = await ctx.conn.execute("UPDATE touched SET n = n + 1 WHERE id = $1", params["id"])
        changed = int(status.split()[-1])
        return ActionOutcome(OutcomeStatus.OK if changed else OutcomeStatus.NO_OP, status)

    EXECUTORS["test_touch"] = touch
    try:
        yield calls
    finally:
        del EXECUTORS["test_touch"]


def make_db(cluster: PostgresCluster, fresh_database: NewDb) -> str:
    dsn = fresh_database(cluster, "audit")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE touched (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO touched (id) VALUES (1)")
    return dsn


def backend_with_audit(dsn: str, audit_file: Path, *, read_only: bool = False) -> LiveBackend:
    profile = dataclasses.replace(Profile(), audit_file=audit_file)
    return LiveBackend(settings_for(dsn, read_only=read_only, profile=profile))


def file_events(path: Path) -> list[str]:
    return [json.loads(line)["event"] for line in path.read_text().splitlines()]


async def test_action_is_audited_in_file_and_table_before_and_after(
    pg15: PostgresCluster,
    fresh_database: NewDb,
    tmp_path: Path,
    touch_executor: list[Mapping[str, Any]],
) -> None:
    dsn = make_db(pg15, fresh_database)
    audit = tmp_path / "audit.jsonl"
    backend = backend_with_audit(dsn, audit)
    try:
        await backend.connect()
        outcome = await ActionRunner(backend).run(TOUCH)
        records = await backend.audit_records()
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.OK
    assert touch_executor == [{"id": 1}]
    assert file_events(audit) == ["requested", "ok"]
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert lines[0]["reason"] == "integration test" and lines[0]["db_role"] == "postgres"
    assert lines[0]["action_id"] == lines[1]["action_id"]
    assert lines[0]["server"] == describe_url(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT n FROM touched").fetchone() == (1,)
        rows = conn.execute("SELECT event FROM psadmin_audit ORDER BY id").fetchall()
        assert rows == [("requested",), ("ok",)]
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM psadmin_audit")
    assert [r.event for r in records] == [AuditEvent.OK, AuditEvent.REQUESTED]  # newest first


async def test_role_that_cannot_create_the_table_still_audits_to_the_file(
    pg15: PostgresCluster,
    fresh_database: NewDb,
    tmp_path: Path,
    touch_executor: list[Mapping[str, Any]],
) -> None:
    dsn = make_db(pg15, fresh_database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS operator_only")
        conn.execute("CREATE ROLE operator_only LOGIN")
        conn.execute("GRANT SELECT, UPDATE ON touched TO operator_only")
    audit = tmp_path / "audit.jsonl"
    backend = backend_with_audit(pg15.dsn(dsn.rsplit("/", 1)[1], user="operator_only"), audit)
    try:
        await backend.connect()
        outcome = await ActionRunner(backend).run(TOUCH)
        records = await backend.audit_records()
        note = backend.audit_table_note
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.OK
    assert file_events(audit) == ["requested", "ok"]
    assert note is not None and "permission denied" in note
    assert [r.event for r in records] == [AuditEvent.OK, AuditEvent.REQUESTED]  # from the file


async def test_unwritable_audit_trail_blocks_the_action(
    pg15: PostgresCluster,
    fresh_database: NewDb,
    tmp_path: Path,
    touch_executor: list[Mapping[str, Any]],
) -> None:
    dsn = make_db(pg15, fresh_database)
    (tmp_path / "not-a-dir").write_text("")
    backend = backend_with_audit(dsn, tmp_path / "not-a-dir" / "audit.jsonl")
    try:
        await backend.connect()
        with pytest.raises(BackendError, match="cannot write the audit trail"):
            await ActionRunner(backend).run(TOUCH)
    finally:
        await backend.close()
    assert touch_executor == []
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT n FROM touched").fetchone() == (0,)


async def test_read_only_refuses_and_records_the_refusal(
    pg15: PostgresCluster,
    fresh_database: NewDb,
    tmp_path: Path,
    touch_executor: list[Mapping[str, Any]],
) -> None:
    dsn = make_db(pg15, fresh_database)
    audit = tmp_path / "audit.jsonl"
    backend = backend_with_audit(dsn, audit, read_only=True)
    try:
        await backend.connect()
        with pytest.raises(BackendError, match="read-only"):
            await ActionRunner(backend).run(TOUCH)
    finally:
        await backend.close()
    assert touch_executor == []
    assert file_events(audit) == ["refused"]


async def test_executor_failure_is_an_error_outcome_with_the_reason(
    pg15: PostgresCluster,
    fresh_database: NewDb,
    tmp_path: Path,
) -> None:
    dsn = make_db(pg15, fresh_database)

    async def broken(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
        await ctx.conn.execute("UPDATE no_such_table SET x = 1")
        raise AssertionError("unreachable")

    EXECUTORS["test_broken"] = broken
    audit = tmp_path / "audit.jsonl"
    backend = backend_with_audit(dsn, audit)
    try:
        await backend.connect()
        outcome = await ActionRunner(backend).run(dataclasses.replace(TOUCH, kind="test_broken"))
    finally:
        await backend.close()
        del EXECUTORS["test_broken"]
    assert outcome.status is OutcomeStatus.ERROR
    assert "no_such_table" in outcome.message
    assert file_events(audit) == ["requested", "error"]


def test_snapshot_audit_panel_lists_records(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg15, fresh_database)
    config = tmp_path / "config.toml"
    audit = tmp_path / "audit.jsonl"
    config.write_text(f'[defaults]\naudit_file = "{audit}"\n')
    audit.write_text(
        json.dumps(
            {
                "action_id": "a1",
                "at": "2026-11-22T01:00:00+00:00",
                "event": "declined",
                "action": "unlock_user",
                "target": "user bob",
                "os_user": "ops",
                "db_role": "psadmin",
                "server": "postgresql://x@h/db",
                "params": {},
            }
        )
        + "\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "psadmin",
            "snapshot",
            "--json",
            "audit",
            "--dsn",
            dsn,
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)["audit"]
    assert panel["available"] and panel["file"] == str(audit)
    assert [r["event"] for r in panel["records"]] == ["declined"]
    assert panel["records"][0]["at"] == "2026-11-22T01:00:00Z"
