"""``psadmin check`` as monitoring runs it, against real servers: exit codes, every check's value
and thresholds, rates between runs, and what a least-privilege role sees."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from psadmin.demo.seed import seed_database
from psadmin.demo.servers import PostgresCluster, RedisServer
from tests.conftest import new_database
from tests.integration.helpers import clean_env, wait_until
from tests.integration.users_data import Account, add_accounts, create_users_table

NewDb = Callable[[PostgresCluster, str], str]
STATUS_EXIT = {"ok": 0, "warning": 1, "unknown": 1, "critical": 2}


def psadmin(
    *args: str, state: Path, config: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with its state (check-state.json, audit) under ``state``."""
    environment = {**(env or clean_env()), "XDG_STATE_HOME": str(state)}
    extra: list[str] = []
    if config is not None:
        path = state / f"config-{uuid.uuid4().hex[:6]}.toml"
        path.write_text(config)
        extra = ["--config", str(path)]
    return subprocess.run(
        [sys.executable, "-m", "psadmin", *args, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


def check_json(*args: str, state: Path, config: str | None = None, **kw: Any) -> tuple[int, Any]:
    result = psadmin("check", "--json", *args, state=state, config=config, **kw)
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in document["checks"]}


@pytest.fixture(scope="module")
def psscript_dsn(pg18: PostgresCluster) -> str:
    """A small PSScript database with the demo's data: locked accounts, bloat, embeddings."""
    dsn = new_database(pg18, "check_demo")
    asyncio.run(seed_database(dsn, scripts=200, users=60, redis_url=None))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return dsn


@pytest.fixture
def idle_in_transaction(psscript_dsn: str) -> Iterator[int]:
    """A real session left idle inside an open transaction; yields its pid."""
    with psycopg.connect(psscript_dsn) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        yield row[0]
        conn.rollback()


def test_check_json_lists_every_check_with_value_and_thresholds(
    psscript_dsn: str, redis_server: RedisServer, idle_in_transaction: int, tmp_path: Path
) -> None:
    locked = [Account(f"locked_{uuid.uuid4().hex[:6]}_{i}", 5, 600.0) for i in range(3)]
    add_accounts(psscript_dsn, locked)
    config = (
        "[defaults]\n[defaults.thresholds]\nlocked_users_warn = 1\nlocked_users_crit = 1000\n"
        "idle_in_transaction_warn_s = 0\n"
    )
    code, document = check_json(
        "--dsn", psscript_dsn, "--redis-url", redis_server.url, state=tmp_path, config=config
    )
    checks = by_name(document)
    assert set(checks) == {
        "connections",
        "pool:psscript-api",
        "cache_hit",
        "deadlocks",
        "xid_age",
        "long_transactions",
        "idle_in_transaction",
        "query_time",
        "dead_tuples",
        "locked_users",
        "redis_memory",
        "redis_hit",
        "redis_evictions",
        "privileges",
    }
    for name, entry in checks.items():
        assert entry["status"] in STATUS_EXIT, entry
        if name != "privileges":
            assert entry["warn"] is not None and entry["crit"] is not None, entry
        assert entry["value"] is not None or entry["summary"], entry
    # The profile's thresholds are the ones applied, and the real conditions are found.
    assert checks["locked_users"]["status"] == "warning"
    assert checks["locked_users"]["warn"] == 1 and checks["locked_users"]["value"] >= 3
    idle = checks["idle_in_transaction"]
    assert idle["status"] == "warning" and str(idle_in_transaction) in idle["summary"]
    # The demo's churn replay leaves far more dead than live rows with autovacuum off there.
    assert checks["dead_tuples"]["status"] == "critical" and checks["dead_tuples"]["value"] > 1
    assert checks["query_time"]["value"] > 0 and checks["query_time"]["unit"] == "ms"
    assert 0 < checks["connections"]["value"] < 1
    assert checks["xid_age"]["warn"] == 200_000_000  # autovacuum_freeze_max_age of the server
    # The exit code is the worst check's, and the JSON says the same.
    worst = max(STATUS_EXIT[c["status"]] for c in checks.values())
    assert code == worst == document["exit_code"] == 2
    assert document["status"] == "critical"


def test_nagios_line_and_exit_codes(psscript_dsn: str, tmp_path: Path) -> None:
    # Loosen every threshold the demo data trips, and leave out what is not installed here.
    config = (
        "[defaults]\nskip_checks = ['dead_tuples', 'locked_users']\n"
        "[defaults.thresholds]\nidle_in_transaction_warn_s = 600\n"
    )
    result = psadmin("check", "--dsn", psscript_dsn, state=tmp_path, config=config)
    first, *rest = result.stdout.splitlines()
    assert first.startswith(("PSADMIN OK - ", "PSADMIN WARNING - ")), result.stdout
    assert " | 'connections'=" in first and "'query_time'=" in first
    assert "[SKIP] dead_tuples: skipped by the profile (skip_checks)" in rest
    assert result.returncode == (0 if first.startswith("PSADMIN OK") else 1)

    config = "[defaults]\n[defaults.thresholds]\nconnections_warn = 0\nconnections_crit = 0\n"
    result = psadmin("check", "--dsn", psscript_dsn, state=tmp_path, config=config)
    assert result.returncode == 2 and result.stdout.startswith("PSADMIN CRITICAL - ")
    assert "CRITICAL connections " in result.stdout.splitlines()[0]

    bad = psadmin(
        "check", "--dsn", psscript_dsn, state=tmp_path, config="[defaults]\nskip_checks=['nope']\n"
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("psadmin: skip_checks: no check named 'nope'")
    assert len(bad.stderr.splitlines()) == 1

    down = psadmin("check", "--dsn", "postgresql://nobody@127.0.0.1:1/x", state=tmp_path)
    assert down.returncode == 3 and down.stdout == ""
    assert down.stderr.startswith("psadmin: ") and len(down.stderr.splitlines()) == 1


def _deadlock(dsn: str) -> None:
    """Two sessions that wait for each other: the server breaks the cycle with one error."""
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS pair (id int PRIMARY KEY, n int)")
        setup.execute("INSERT INTO pair VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING")
    first, second = psycopg.connect(dsn), psycopg.connect(dsn)
    errors: list[BaseException] = []
    both_locked = threading.Barrier(2)

    def cross(conn: psycopg.Connection[Any], mine: int, theirs: int) -> None:
        try:
            conn.execute("SET deadlock_timeout = '100ms'")
            conn.execute("UPDATE pair SET n = n + 1 WHERE id = %s", (mine,))
            both_locked.wait(timeout=30)
            conn.execute("UPDATE pair SET n = n + 1 WHERE id = %s", (theirs,))
            conn.commit()
        except psycopg.errors.DeadlockDetected as exc:
            errors.append(exc)
            conn.rollback()

    threads = [
        threading.Thread(target=cross, args=(first, 1, 2)),
        threading.Thread(target=cross, args=(second, 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first.close()
    second.close()
    assert len(errors) == 1, errors


def test_deadlocks_are_a_rate_between_runs(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "check_deadlocks")
    code, document = check_json("--dsn", dsn, state=tmp_path)
    assert by_name(document)["deadlocks"]["value"] == 0
    assert by_name(document)["deadlocks"]["status"] == "ok"

    _deadlock(dsn)

    def counted() -> bool:
        with psycopg.connect(dsn) as conn:
            row = conn.execute(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            return row is not None and row[0] >= 1

    wait_until(counted, what="the deadlock in pg_stat_database")
    code, document = check_json("--dsn", dsn, state=tmp_path)
    deadlocks = by_name(document)["deadlocks"]
    # one deadlock in a window of seconds extrapolates to many an hour: critical, most likely
    assert deadlocks["status"] in ("warning", "critical") and deadlocks["value"] > 0, deadlocks
    assert "since the previous check" in deadlocks["summary"]
    assert code >= 1

    code, document = check_json("--dsn", dsn, state=tmp_path)
    again = by_name(document)["deadlocks"]
    assert again["status"] == "ok" and again["value"] == 0, again  # none since the last run


def test_pg15_without_extensions_redis_or_psscript_tables(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "check_plain")
    code, document = check_json("--dsn", dsn, state=tmp_path)
    checks = by_name(document)
    query_time = checks["query_time"]
    assert query_time["status"] == "unknown" and query_time["value"] is None
    assert "CREATE EXTENSION pg_stat_statements" in query_time["detail"]
    assert checks["locked_users"]["status"] == "skipped"
    assert checks["redis_memory"]["status"] == "skipped"
    assert code == 1  # a blind check is a warning, never "ok"


def test_redis_down_is_critical_and_postgres_checks_still_run(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "check_redis_down")
    code, document = check_json(
        "--dsn", dsn, "--redis-url", "redis://127.0.0.1:1/0", state=tmp_path
    )
    checks = by_name(document)
    assert checks["redis"]["status"] == "critical" and "unreachable" in checks["redis"]["summary"]
    assert checks["connections"]["status"] == "ok" and checks["cache_hit"]["value"] is not None
    assert code == 2


# -- least privilege: a role with pg_monitor only (plus UPDATE on users) -------------------------


def monitor_role(dsn: str, cluster: PostgresCluster) -> tuple[str, dict[str, str]]:
    """Create a pg_monitor-only role; returns its dsn (no password) and an env with PGPASSWORD."""
    name = f"mon_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        conn.execute(f"GRANT pg_monitor TO {name}")
        conn.execute(f"GRANT UPDATE (login_attempts, locked_until) ON users TO {name}")
    database = dsn.rsplit("/", 1)[1]
    return cluster.dsn(database, user=name), {**clean_env(), "PGPASSWORD": password}


@pytest.mark.parametrize("server", ["pg15", "pg18"])
def test_pg_monitor_role_every_panel_works_or_names_its_grant(
    server: str,
    request: pytest.FixtureRequest,
    fresh_database: NewDb,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    cluster: PostgresCluster = request.getfixturevalue(server)
    if server == "pg18":
        dsn = new_database(cluster, "check_least_priv")
        asyncio.run(seed_database(dsn, scripts=60, users=20, redis_url=None))
    else:  # no pgvector on Debian's 15: the users table is the PSScript part here
        dsn = fresh_database(cluster, "check_least_priv")
        create_users_table(dsn)
        add_accounts(dsn, [Account("alice", 5, 600.0)])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    role_dsn, env = monitor_role(dsn, cluster)

    snapshot = psadmin(
        "snapshot",
        "--json",
        "--interval",
        "0.2",
        "--dsn",
        role_dsn,
        "--redis-url",
        redis_server.url,
        state=tmp_path,
        env=env,
    )
    assert snapshot.stderr == "", snapshot.stderr
    document = json.loads(snapshot.stdout)
    panels = {k: v for k, v in document.items() if k != "meta"}
    assert len(panels) == 9
    for name, panel in panels.items():
        assert "error" not in panel, (name, panel)  # a raw permission error is not an answer
        if not panel["available"]:
            assert panel["reason"] and panel.get("fix"), (name, panel)
    assert snapshot.returncode == 0
    users = panels["users"]
    assert not users["available"] and "GRANT SELECT" in users["fix"]
    if server == "pg18":
        scripts = panels["scripts"]
        assert not scripts["available"] and scripts["fix"].startswith("GRANT SELECT ON ")
    # pg_monitor sees every session's query text (pg_read_all_stats is part of it)
    assert panels["slow-queries"]["available"]

    code, report = check_json("--dsn", role_dsn, state=tmp_path, env=env)
    notes = report["privileges"]
    assert any("GRANT pg_signal_backend" in n for n in notes)
    assert any(n.startswith("Users screen: ") and "GRANT SELECT" in n for n in notes)
    assert any(n.startswith("VACUUM refused on ") for n in notes)
    locked = by_name(report)["locked_users"]
    assert locked["status"] == "unknown" and "GRANT SELECT" in locked["detail"]
    assert code == max(STATUS_EXIT.get(c["status"], 0) for c in report["checks"])
