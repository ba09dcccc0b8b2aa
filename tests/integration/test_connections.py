"""The Connections panel against real PostgreSQL 15 and 18: sessions, a real lock chain,
cancel/terminate end to end through the audited action path, and their safety rules."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import ActionRequest, OutcomeStatus, Risk
from psadmin.models.activity import SIGNAL_STATEMENTS, ConnectionActivity, Session
from tests.integration.helpers import clean_env, settings_for, wait_until

NewDb = Callable[[PostgresCluster, str], str]


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return Profile(audit_file=tmp_path / "audit.jsonl")


def observe(dsn: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True, application_name="observer") as conn:
        return conn.execute(sql, args).fetchall()


def session_row(dsn: str, pid: int) -> tuple[Any, ...] | None:
    rows = observe(
        dsn, "SELECT pid, backend_start, state FROM pg_stat_activity WHERE pid = %s", pid
    )
    return rows[0] if rows else None


def is_waiting(dsn: str, pid: int) -> bool:
    rows = observe(dsn, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", pid)
    return bool(rows) and rows[0][0] == "Lock"


@dataclass
class Background:
    """A statement running in a thread on its own connection; ``error`` once it failed."""

    conn: psycopg.Connection[Any]
    thread: threading.Thread | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    pid: int = 0

    def __post_init__(self) -> None:
        self.pid = self.conn.info.backend_pid

    def run(self, sql: str) -> None:
        def work() -> None:
            try:
                self.conn.execute(sql)
            except psycopg.Error as exc:
                self.error = exc
            finally:
                self.done.set()

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()


@contextmanager
def lock_chain(dsn: str, tag: str) -> Iterator[tuple[Background, Background, Background]]:
    """A updates a row and stays idle in its transaction; B waits on A; C waits on B."""
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, n int)")
        setup.execute("INSERT INTO accounts VALUES (1, 0) ON CONFLICT DO NOTHING")
    a = Background(psycopg.connect(dsn, application_name=f"{tag}-a"))
    b = Background(psycopg.connect(dsn, application_name=f"{tag}-b", autocommit=True))
    c = Background(psycopg.connect(dsn, application_name=f"{tag}-c", autocommit=True))
    try:
        a.conn.execute("UPDATE accounts SET n = n + 1 WHERE id = 1")
        b.run("UPDATE accounts SET n = n + 10 WHERE id = 1")
        wait_until(lambda: is_waiting(dsn, b.pid), what="B waiting on A")
        c.run("UPDATE accounts SET n = n + 100 WHERE id = 1")
        wait_until(lambda: is_waiting(dsn, c.pid), what="C waiting on B")
        yield a, b, c
    finally:
        with suppress(psycopg.Error):
            a.conn.rollback()  # releases B, then C
        for held in (b, c):
            if held.thread is not None:
                held.thread.join(timeout=30)
        for held in (a, b, c):
            held.conn.close()


async def activity_of(backend: LiveBackend) -> ConnectionActivity:
    try:
        await backend.connect()
        return await backend.connection_activity()
    finally:
        await backend.close()


def by_pid(activity: ConnectionActivity) -> dict[int, Session]:
    return {s.pid: s for s in activity.sessions}


def signal_request(kind: str, *sessions: tuple[int, datetime]) -> ActionRequest:
    return ActionRequest(
        kind=kind,
        target=", ".join(f"pid {pid}" for pid, _ in sessions),
        effect="test",
        statement=SIGNAL_STATEMENTS[kind],
        params={"sessions": [{"pid": p, "backend_start": s.isoformat()} for p, s in sessions]},
        risk=Risk.HIGH if kind == "terminate_backend" else Risk.LOW,
    )


def identity(dsn: str, pid: int) -> tuple[int, datetime]:
    row = session_row(dsn, pid)
    assert row is not None
    return row[0], row[1]


async def run_action(dsn: str, profile: Profile, request: ActionRequest) -> Any:
    backend = LiveBackend(settings_for(dsn, profile=profile))
    try:
        await backend.connect()
        return await ActionRunner(backend).run(request)
    finally:
        await backend.close()


# -- reading -------------------------------------------------------------------------------


async def test_lock_chain_and_idle_in_transaction_are_found(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "chain")
    tag = f"chain{uuid.uuid4().hex[:6]}"
    with lock_chain(dsn, tag) as (a, b, c):
        backend = LiveBackend(settings_for(dsn, profile=profile))
        activity = await activity_of(backend)
    sessions = by_pid(activity)
    assert sessions[a.pid].state == "idle in transaction"
    assert sessions[a.pid].xact_age_s is not None and sessions[a.pid].xact_age_s > 0
    assert sessions[b.pid].blocked_by == (a.pid,) and sessions[c.pid].blocked_by == (b.pid,)
    assert sessions[b.pid].lock_mode == "ShareLock"
    assert sessions[b.pid].lock_target == "transactionid"
    assert sessions[c.pid].lock_mode == "ExclusiveLock"
    assert sessions[c.pid].lock_target == "tuple accounts"
    assert sessions[b.pid].lock_wait_s is not None and sessions[b.pid].lock_wait_s >= 0
    assert activity.by_state.idle_in_transaction >= 1 and activity.by_state.active >= 2
    [root] = [r for r in activity.blocking if r.pid == a.pid]
    assert [n.pid for n in root.blocked] == [b.pid]
    assert [n.pid for n in root.blocked[0].blocked] == [c.pid]
    assert (root.frees, root.blocked[0].frees, root.released) == (
        2,
        1,
        tuple(sorted((b.pid, c.pid))),
    )
    # psadmin's own sessions count against the slots but are not listed
    assert activity.psadmin_sessions >= 1
    assert all(s.application != "psadmin" for s in activity.sessions)
    assert activity.connections == len(activity.sessions) + activity.psadmin_sessions
    assert activity.usable_connections == activity.max_connections - 3  # reserved slots
    pools = {(p.application_name, p.client_addr): p for p in activity.pools}
    waiting_b = pools[(f"{tag}-b", "127.0.0.1")]
    assert (waiting_b.waiting, waiting_b.active) == (1, 1) and waiting_b.size is None
    assert pools[(f"{tag}-a", "127.0.0.1")].idle_in_transaction == 1
    assert pools[("psadmin", "127.0.0.1")].size == 3


def test_snapshot_json_pool_shows_the_chain(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "snap")
    tag = f"snap{uuid.uuid4().hex[:6]}"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[defaults]\naudit_file = "{tmp_path / "audit.jsonl"}"\n'
        '[defaults.app_pools]\n"psscript-api" = 10\n'
        f'"{tag}-b" = 4\n'
    )
    with lock_chain(dsn, tag) as (a, b, c):
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
    pool = json.loads(result.stdout)["pool"]
    assert pool["available"] is True and pool["max_connections"] == 100
    assert pool["usable_connections"] == pool["max_connections"] - 3
    assert pool["by_state"]["idle_in_transaction"] >= 1
    assert pool["psadmin"] >= 1 and pool["waiting_on_locks"] >= 2
    [root] = [r for r in pool["blocking"] if r["pid"] == a.pid]
    assert root["application_name"] == f"{tag}-a" and root["frees"] == 2
    [waiter] = root["blocked"]
    assert (waiter["pid"], waiter["mode"], waiter["frees"]) == (b.pid, "ShareLock", 1)
    assert waiter["wait_s"] >= 0 and "UPDATE accounts" in waiter["query"]
    assert [w["pid"] for w in waiter["blocked"]] == [c.pid]
    pools = {p["application_name"]: p for p in pool["pools"]}
    assert pools[f"{tag}-b"]["size"] == 4 and pools[f"{tag}-b"]["waiting"] == 1
    assert pools[f"{tag}-b"]["longest_wait_s"] >= 0
    assert pools[f"{tag}-a"]["idle_in_transaction"] == 1 and pools[f"{tag}-a"]["size"] is None
    assert set(pools[f"{tag}-a"]) >= {"client_addr", "active", "idle"}
    assert pool["pgbouncer"]["available"] is False
    assert all(s["application_name"] != "psadmin" for s in pool["sessions"])


# -- actions, end to end through the audited path -------------------------------------------


async def test_cancel_stops_the_query_and_keeps_the_session(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "cancel")
    sleeper = Background(psycopg.connect(dsn, autocommit=True, application_name="sleeper"))
    try:
        sleeper.run("SELECT pg_sleep(60)")
        wait_until(
            lambda: (session_row(dsn, sleeper.pid) or (0, 0, ""))[2] == "active",
            what="the sleeper running",
        )
        outcome = await run_action(
            dsn, profile, signal_request("cancel_backend", identity(dsn, sleeper.pid))
        )
        assert outcome.status is OutcomeStatus.OK, outcome.message
        assert outcome.details["signalled"] == [sleeper.pid]
        assert sleeper.done.wait(10)
        assert isinstance(sleeper.error, psycopg.errors.QueryCanceled)
        wait_until(
            lambda: (session_row(dsn, sleeper.pid) or (0, 0, ""))[2] == "idle",
            what="the session idle again",
        )
    finally:
        sleeper.conn.close()
    events = [json.loads(line)["event"] for line in profile.audit_path.read_text().splitlines()]
    assert events == ["requested", "ok"]


async def test_terminate_root_blocker_frees_the_chain(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "kill")
    with lock_chain(dsn, f"kill{uuid.uuid4().hex[:6]}") as (a, b, c):
        root = identity(dsn, a.pid)
        outcome = await run_action(dsn, profile, signal_request("terminate_backend", root))
        assert outcome.status is OutcomeStatus.OK, outcome.message
        # pg_terminate_backend waited for the exit: it is gone at once, not eventually
        assert session_row(dsn, a.pid) is None
        assert b.done.wait(10) and c.done.wait(10)
        assert b.error is None and c.error is None  # both updates went through
        again = await run_action(dsn, profile, signal_request("terminate_backend", root))
        assert again.status is OutcomeStatus.NO_OP and "already gone" in again.message
    assert observe(dsn, "SELECT n FROM accounts WHERE id = 1") == [(110,)]


async def test_a_reused_pid_is_not_signalled(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "reuse")
    with psycopg.connect(dsn, application_name="victim") as victim:
        victim.execute("SELECT 1")  # idle in transaction: terminating it would be visible
        pid, started = identity(dsn, victim.info.backend_pid)
        # what the screen saw was an earlier session that had the same pid
        earlier = (pid, started - timedelta(seconds=5))
        for kind in ("cancel_backend", "terminate_backend"):
            outcome = await run_action(dsn, profile, signal_request(kind, earlier))
            assert outcome.status is OutcomeStatus.NO_OP
            assert "newer session" in outcome.message
        row = session_row(dsn, pid)
        assert row is not None and row[1] == started and row[2] == "idle in transaction"
        assert victim.execute("SELECT 2").fetchone() == (2,)


async def test_psadmin_sessions_are_never_signalled(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "own")
    # another psadmin instance, and this backend's own pool
    with psycopg.connect(dsn, application_name="psadmin", autocommit=True) as other:
        backend = LiveBackend(settings_for(dsn, profile=profile))
        try:
            await backend.connect()
            own_pid = await backend._run(lambda conn: conn.fetchval("SELECT pg_backend_pid()"))
            targets = [identity(dsn, other.info.backend_pid), identity(dsn, own_pid)]
            outcome = await ActionRunner(backend).run(signal_request("terminate_backend", *targets))
            assert outcome.status is OutcomeStatus.NO_OP
            assert outcome.message.count("is a psadmin session: never signalled") == 2
            assert await backend._run(lambda conn: conn.fetchval("SELECT 1")) == 1
        finally:
            await backend.close()
        assert other.execute("SELECT 1").fetchone() == (1,)


async def test_a_role_without_pg_signal_backend_gets_a_clear_error(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "weak")
    db = dsn.rsplit("/", 1)[1]
    role = f"weak_{uuid.uuid4().hex[:6]}"
    app_role = f"app_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE pg_read_all_stats")
        admin.execute(f"CREATE ROLE {app_role} LOGIN")
    weak_dsn = cluster.dsn(db, user=role)
    theirs = psycopg.connect(cluster.dsn(db, user=app_role), application_name="api")
    mine = psycopg.connect(weak_dsn, application_name="mine")
    try:
        theirs.execute("SELECT 1")
        mine.execute("SELECT 1")
        activity = await activity_of(LiveBackend(settings_for(weak_dsn, profile=profile)))
        seen = by_pid(activity)
        assert seen[theirs.info.backend_pid].can_signal is False
        assert seen[mine.info.backend_pid].can_signal is True  # its own role's session
        outcome = await run_action(
            weak_dsn,
            profile,
            signal_request(
                "terminate_backend",
                identity(dsn, theirs.info.backend_pid),
                identity(dsn, mine.info.backend_pid),
            ),
        )
        assert outcome.status is OutcomeStatus.ERROR
        assert f"pid {theirs.info.backend_pid}: permission denied" in outcome.message
        assert f"GRANT pg_signal_backend TO {role}" in outcome.message
        assert outcome.details["signalled"] == [mine.info.backend_pid]
        assert theirs.execute("SELECT 1").fetchone() == (1,)  # untouched
        assert session_row(dsn, mine.info.backend_pid) is None
    finally:
        theirs.close()
        mine.close()


async def test_pg_signal_backend_cannot_signal_a_superuser_session(
    cluster: PostgresCluster, fresh_database: NewDb, profile: Profile
) -> None:
    dsn = fresh_database(cluster, "sig")
    db = dsn.rsplit("/", 1)[1]
    role = f"sig_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE pg_signal_backend, pg_read_all_stats")
    signaller = cluster.dsn(db, user=role)
    with psycopg.connect(dsn, application_name="dba") as superuser_session:
        superuser_session.execute("SELECT 1")
        pid = superuser_session.info.backend_pid
        activity = await activity_of(LiveBackend(settings_for(signaller, profile=profile)))
        assert by_pid(activity)[pid].can_signal is False
        outcome = await run_action(
            signaller, profile, signal_request("cancel_backend", identity(dsn, pid))
        )
        assert outcome.status is OutcomeStatus.ERROR
        assert "superuser sessions need a superuser" in outcome.message
        assert superuser_session.execute("SELECT 1").fetchone() == (1,)
