"""VACUUM end to end on PostgreSQL 15 and 18: through the action runner and the CLI, live
progress, a lock held elsewhere, cancellation, read-only mode and privileges."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import OutcomeStatus, Risk
from psadmin.models.audit import AuditEvent
from psadmin.models.errors import BackendError
from psadmin.models.vacuum import VacuumComparison, VacuumOptions, VacuumProgress, vacuum_request
from tests.integration.helpers import clean_env
from tests.integration.tables_data import (
    backend_with_audit,
    churned_tables,
    poll,
    slow_full_table,
    slow_vacuum_table,
)

NewDb = Callable[[PostgresCluster, str], str]
PLAIN_VACUUM_PHASES = {
    "initializing",
    "scanning heap",
    "vacuuming indexes",
    "vacuuming heap",
    "cleaning up indexes",
    "truncating heap",
    "performing final cleanup",
}


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def relid_of(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT %s::regclass::oid", (table,)).fetchone()
    assert row is not None
    return int(row[0])


def counters(dsn: str, table: str) -> tuple[int, object, int]:
    """(n_dead_tup, last_vacuum, vacuum_count) as the server reports them now."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT n_dead_tup, last_vacuum, vacuum_count FROM pg_stat_user_tables "
            "WHERE relid = %s::regclass",
            (table,),
        ).fetchone()
    assert row is not None
    return int(row[0]), row[1], int(row[2])


def audit_events(path: Path) -> list[str]:
    return [json.loads(line)["event"] for line in path.read_text().splitlines()]


async def session_timeouts(backend: LiveBackend) -> tuple[str, str]:
    async with backend.admin_connection() as conn:
        return (
            await conn.fetchval("SHOW statement_timeout"),
            await conn.fetchval("SHOW lock_timeout"),
        )


async def test_vacuum_lowers_dead_tuples_keeps_free_space_and_is_audited(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "vac")
    churned_tables(dsn)
    relid = relid_of(dsn, "script_versions")
    dead_before, _, count_before = counters(dsn, "script_versions")
    assert dead_before > 50_000
    backend = backend_with_audit(dsn, tmp_path)
    request = vacuum_request(
        "public", "script_versions", relid, VacuumOptions(verbose=True), reason="ticket 7"
    )
    assert request.risk is Risk.LOW and request.statement.startswith("VACUUM (VERBOSE, ANALYZE)")
    try:
        await backend.connect()
        outcome = await ActionRunner(backend).run(request)
        measured = await backend.measure_table(relid, exact=True)
        timeouts = await session_timeouts(backend)
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.OK, outcome.message
    comparison = VacuumComparison.from_details(outcome.details)
    assert comparison is not None and comparison.relid == relid
    assert comparison.before.dead_tuples == dead_before
    assert comparison.after.dead_tuples <= 10  # ~0: nothing else holds old snapshots
    assert comparison.after.last_vacuum is not None
    assert any(n.startswith("INFO:") for n in comparison.notices)  # VERBOSE output surfaced
    dead_after, last_vacuum, count_after = counters(dsn, "script_versions")
    assert dead_after <= 10 and last_vacuum is not None and count_after == count_before + 1
    # dead tuples are gone but the space stays in the table (only a rewrite returns it)
    assert measured.dead_tuple_count == 0 and measured.free_space > measured.table_len / 2
    assert timeouts == ("5s", "1s")  # the session's own timeouts are back
    assert audit_events(tmp_path / "audit.jsonl") == ["requested", "ok"]


async def test_progress_is_observed_while_a_slow_vacuum_runs(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "progress")
    slow_vacuum_table(dsn)
    relid = relid_of(dsn, "big")
    backend = backend_with_audit(dsn, tmp_path)
    seen: list[VacuumProgress] = []

    async def own_progress() -> bool:
        rows = [p for p in await backend.vacuum_progress() if p.own]
        seen.extend(rows)
        return any(p.phase == "scanning heap" and (p.heap_blks_scanned or 0) > 0 for p in rows)

    try:
        await backend.connect()
        request = vacuum_request("public", "big", relid, VacuumOptions(analyze=False))
        task = asyncio.create_task(ActionRunner(backend).run(request))
        await poll(own_progress, what="own VACUUM in pg_stat_progress_vacuum")
        outcome = await task
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.OK, outcome.message
    row = next(p for p in seen if (p.heap_blks_scanned or 0) > 0)
    assert row.command == "VACUUM" and row.table == "public.big" and row.relid == relid
    assert row.heap_blks_total and 0 < (row.fraction or 0) <= 1
    assert "heap" in row.counts()
    if cluster.version_num >= 170000:
        assert row.max_dead_item_bytes and row.dead_item_bytes is not None  # 17+ columns
    else:
        assert row.max_dead_items


async def test_vacuum_full_progress_and_typed_confirmation_risk(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "full")
    slow_full_table(dsn)
    relid = relid_of(dsn, "slowfull")
    backend = backend_with_audit(dsn, tmp_path)
    request = vacuum_request("public", "slowfull", relid, VacuumOptions(full=True, analyze=False))
    assert request.risk is Risk.HIGH and request.challenge == "public.slowfull"
    assert "ACCESS EXCLUSIVE" in request.effect
    phases: set[str] = set()

    async def rebuilding() -> bool:
        rows = [p for p in await backend.vacuum_progress() if p.own]
        phases.update(p.phase for p in rows)
        return any(p.command == "VACUUM FULL" for p in rows)

    try:
        await backend.connect()
        task = asyncio.create_task(ActionRunner(backend).run(request))
        await poll(rebuilding, what="VACUUM FULL in pg_stat_progress_cluster")
        outcome = await task
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.OK, outcome.message
    assert phases  # e.g. "rebuilding index"


async def test_vacuum_blocked_by_a_lock_ends_at_lock_timeout(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "locked")
    churned_tables(dsn)
    relid = relid_of(dsn, "execution_logs")
    backend = backend_with_audit(dsn, tmp_path)
    holder = psycopg.connect(dsn, application_name="holder")
    holder_pid = holder.info.backend_pid
    try:
        holder.execute("LOCK TABLE execution_logs IN SHARE UPDATE EXCLUSIVE MODE")
        await backend.connect()
        runner = ActionRunner(backend)
        plain = vacuum_request(
            "public", "execution_logs", relid, VacuumOptions(lock_timeout_ms=300)
        )
        outcome = await runner.run(plain)
        holder.rollback()
        holder.execute("SELECT count(*) FROM execution_logs")  # ACCESS SHARE, held
        full = vacuum_request(
            "public", "execution_logs", relid, VacuumOptions(full=True, lock_timeout_ms=300)
        )
        full_outcome = await runner.run(full)
        holder.rollback()
        holder.execute("LOCK TABLE execution_logs IN ACCESS EXCLUSIVE MODE")
        exclusive_outcome = await runner.run(plain)
        timeouts = await session_timeouts(backend)
    finally:
        holder.close()
        await backend.close()
    assert outcome.status is OutcomeStatus.ERROR
    assert "gave up after waiting 0.3 s (lock_timeout)" in outcome.message
    assert f"pid {holder_pid} (holder" in outcome.message
    assert "ShareUpdateExclusiveLock" in outcome.message
    assert "Nothing was vacuumed" in outcome.message
    assert 300 <= outcome.duration_ms < 5000
    assert full_outcome.status is OutcomeStatus.ERROR
    assert "AccessShareLock" in full_outcome.message
    # an ACCESS EXCLUSIVE holder blocks even reading the size first: same clear message
    assert exclusive_outcome.status is OutcomeStatus.ERROR
    assert "not started" in exclusive_outcome.message
    assert f"pid {holder_pid} (holder" in exclusive_outcome.message
    assert "AccessExclusiveLock" in exclusive_outcome.message
    assert counters(dsn, "execution_logs")[2] == 0  # never vacuumed
    assert timeouts == ("5s", "1s")
    assert audit_events(tmp_path / "audit.jsonl") == ["requested", "error"] * 3


async def test_cancel_stops_a_running_vacuum(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "cancel")
    slow_vacuum_table(dsn)
    relid = relid_of(dsn, "big")
    backend = backend_with_audit(dsn, tmp_path)

    async def running() -> bool:
        return any(p.own for p in await backend.vacuum_progress())

    try:
        await backend.connect()
        assert await backend.cancel_vacuum() is False  # nothing of psadmin's running
        request = vacuum_request("public", "big", relid, VacuumOptions())
        task = asyncio.create_task(ActionRunner(backend).run(request))
        await poll(running, what="VACUUM running")
        assert await backend.cancel_vacuum() is True
        outcome = await task
        timeouts = await session_timeouts(backend)
    finally:
        await backend.close()
    assert outcome.status is OutcomeStatus.ERROR
    assert "was cancelled" in outcome.message and "public.big" in outcome.message
    assert counters(dsn, "big")[2] == 0  # not counted as a completed VACUUM
    assert timeouts == ("5s", "1s")
    assert audit_events(tmp_path / "audit.jsonl") == ["requested", "error"]


async def test_read_only_refuses_and_nothing_runs(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "readonly")
    churned_tables(dsn)
    relid = relid_of(dsn, "script_versions")
    backend = backend_with_audit(dsn, tmp_path, read_only=True)
    try:
        await backend.connect()
        with pytest.raises(BackendError, match="read-only mode: vacuum refused"):
            await ActionRunner(backend).run(
                vacuum_request("public", "script_versions", relid, VacuumOptions())
            )
    finally:
        await backend.close()
    assert counters(dsn, "script_versions")[2] == 0
    assert audit_events(tmp_path / "audit.jsonl") == [AuditEvent.REFUSED.value]


async def test_privilege_is_checked_before_vacuum(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "maint")
    churned_tables(dsn)
    role = f"maint_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    relid = relid_of(dsn, "script_versions")
    database = dsn.rsplit("/", 1)[1]
    request = vacuum_request("public", "script_versions", relid, VacuumOptions())
    backend = backend_with_audit(cluster.dsn(database, user=role), tmp_path)
    try:
        await backend.connect()
        refused = await ActionRunner(backend).run(request)
        grant = "GRANT pg_maintain TO" if cluster.version_num >= 170000 else "ALTER TABLE"
        with psycopg.connect(dsn, autocommit=True) as conn:
            if cluster.version_num >= 170000:
                conn.execute(f"GRANT pg_maintain TO {role}")
            else:
                conn.execute(f"ALTER TABLE script_versions OWNER TO {role}")
        await backend.close()  # new sessions see the new membership
        allowed = await ActionRunner(backend).run(request)
    finally:
        await backend.close()
    assert refused.status is OutcomeStatus.ERROR, grant
    assert f"permission denied: {role} may not VACUUM public.script_versions" in refused.message
    if cluster.version_num >= 170000:
        assert f"GRANT pg_maintain TO {role}" in refused.message
    assert allowed.status is OutcomeStatus.OK, allowed.message
    assert counters(dsn, "script_versions")[2] == 1


def psadmin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psadmin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        input=stdin,
    )


def test_cli_vacuum(cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path) -> None:
    dsn = fresh_database(cluster, "clivac")
    churned_tables(dsn)
    config = tmp_path / "config.toml"
    audit = tmp_path / "audit.jsonl"
    config.write_text(f'[defaults]\naudit_file = "{audit}"\n')
    common = ("--dsn", dsn, "--config", str(config))

    no_tty = psadmin("vacuum", "public.script_versions", *common, stdin="y\n")
    assert no_tty.returncode == 2
    assert no_tty.stderr.strip().splitlines() == [
        "psadmin: confirmation needed but stdin is not a terminal: re-run with --yes"
    ]
    unknown = psadmin("vacuum", "public.nope", "--yes", *common)
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip()
        == "psadmin: no table named 'public.nope' (as the server resolves it)"
    )
    hostile = psadmin("vacuum", 'x"; DROP TABLE script_versions; --', "--yes", *common)
    assert hostile.returncode == 1 and len(hostile.stderr.strip().splitlines()) == 1
    read_only = psadmin("vacuum", "script_versions", "--yes", "--read-only", *common)
    assert read_only.returncode == 1 and "read-only mode" in read_only.stderr
    assert counters(dsn, "script_versions")[2] == 0

    done = psadmin("vacuum", "script_versions", "--analyze", "--yes", *common)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vacuumed public.script_versions in ")
    assert "dead tuples" in done.stdout and "→ 0" in done.stdout
    dead, last_vacuum, count = counters(dsn, "script_versions")
    assert dead <= 10 and last_vacuum is not None and count == 1
    events = audit_events(audit)
    assert events == ["refused", "requested", "ok"]


def test_cli_vacuum_prints_progress_on_stderr_only(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "cliprogress")
    slow_vacuum_table(dsn)  # seconds of cost-delayed VACUUM: several 0.5 s progress polls
    config = tmp_path / "config.toml"
    audit = tmp_path / "audit.jsonl"
    config.write_text(f'[defaults]\naudit_file = "{audit}"\n')
    done = psadmin("vacuum", "big", "--yes", "--dsn", dsn, "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vacuumed public.big in ")
    assert "VACUUM" not in done.stdout and "scanning heap" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.startswith("VACUUM public.big: ")]
    assert lines, done.stderr
    phases = [line.split(": ", 1)[1].split(" · ", 1)[0].rstrip("0123456789% ") for line in lines]
    assert set(phases) <= PLAIN_VACUUM_PHASES and len(phases) == len(set(phases))  # per phase
    assert all("blocks scanned" in line and "index passes" in line for line in lines)
    assert "\r" not in done.stderr  # not a terminal: no in-place rewriting
    assert counters(dsn, "big")[2] == 1


def test_cli_vacuum_progress_on_a_terminal_is_one_line_rewritten(
    pg18: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg18, "clittyprogress")
    slow_vacuum_table(dsn)
    config = tmp_path / "config.toml"
    audit = tmp_path / "audit.jsonl"
    config.write_text(f'[defaults]\naudit_file = "{audit}"\n')
    leader, follower = pty.openpty()  # stderr is a terminal; stdout a pipe, as in `| tee`
    chunks: list[bytes] = []

    def drain() -> None:  # keep the terminal's buffer from filling up and blocking psadmin
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the follower side closed: psadmin has exited
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        command = ["vacuum", "big", "--yes", "--dsn", dsn, "--config", str(config)]
        done = subprocess.run(
            [sys.executable, "-m", "psadmin", *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
            env=clean_env(),
        )
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    shown = b"".join(chunks).decode()
    assert done.returncode == 0, shown
    assert done.stdout.startswith("vacuumed public.big in ")
    assert "\r\x1b[KVACUUM public.big: " in shown and "blocks scanned" in shown
    assert "\n" not in shown.replace("\r\n", "\n").rstrip("\n")  # never a new line
    assert shown.endswith("\r\x1b[K")  # erased before the result


def on_a_terminal(answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run psadmin with a pseudo-terminal as stdin that already holds ``answer``."""
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")  # held until the prompt reads it
        return subprocess.run(
            [sys.executable, "-m", "psadmin", *args],
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_env(),
        )
    finally:
        os.close(leader)
        os.close(follower)


def test_cli_asks_on_a_terminal_default_no_and_full_needs_the_name(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "clitty")
    churned_tables(dsn)
    config = tmp_path / "config.toml"
    audit = tmp_path / "audit.jsonl"
    config.write_text(f'[defaults]\naudit_file = "{audit}"\n')
    common = ("--dsn", dsn, "--config", str(config))
    declined = on_a_terminal("", "vacuum", "script_versions", *common)
    assert declined.returncode == 1 and "Go ahead? [y/N]" in declined.stderr
    assert declined.stderr.endswith("psadmin: declined; nothing changed\n")
    wrong = on_a_terminal("script_versions", "vacuum", "script_versions", "--full", *common)
    assert wrong.returncode == 1 and "Type public.script_versions to confirm" in wrong.stderr
    assert "ACCESS EXCLUSIVE" in wrong.stderr
    assert counters(dsn, "script_versions")[2] == 0
    typed = on_a_terminal("public.script_versions", "vacuum", "script_versions", "--full", *common)
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout.startswith("VACUUM FULL public.script_versions in ")
    assert "does not update the dead-tuple counters" in typed.stdout  # no --analyze
    assert audit_events(audit) == ["declined", "declined", "requested", "ok"]
