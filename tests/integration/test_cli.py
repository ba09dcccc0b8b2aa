"""The command line as a user runs it: exit codes, one-line errors, snapshot JSON, signals."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from psadmin.demo.servers import PostgresCluster, RedisServer
from tests.integration.helpers import clean_env, wait_until

NewDb = Callable[[PostgresCluster, str], str]


def psadmin(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psadmin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env or clean_env(),
    )


def test_snapshot_json_overview(pg18: PostgresCluster, redis_server: RedisServer) -> None:
    result = psadmin(
        "snapshot",
        "--json",
        "overview",
        "--dsn",
        pg18.dsn(),
        "--redis-url",
        redis_server.url,
        "--interval",
        "0.2",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    overview = document["overview"]
    assert overview["available"] is True
    assert overview["server_version_num"] >= 180000
    assert overview["max_connections"] == 100
    assert 0 < overview["connection_ratio"] < 1
    assert overview["database_size_bytes"] > 0
    assert overview["redis"]["available"] is True
    assert set(overview["status"]) >= {"connections", "cache_hit", "redis_memory"}
    assert document["meta"]["target"] == pg18.dsn()
    assert not any(key.startswith("_") for key in overview)


def test_options_before_and_after_the_subcommand(pg15: PostgresCluster) -> None:
    before = psadmin("--dsn", pg15.dsn(), "snapshot", "--json", "overview", "--interval", "0.1")
    after = psadmin("snapshot", "--json", "overview", "--interval", "0.1", "--dsn", pg15.dsn())
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout)["overview"]["server_version_num"] // 10000 == 15
    assert json.loads(after.stdout)["meta"]["target"] == pg15.dsn()


def test_environment_is_used_when_no_flag(pg15: PostgresCluster) -> None:
    env = clean_env() | {"DATABASE_URL": pg15.dsn()}
    result = psadmin("snapshot", "--json", "overview", "--interval", "0.1", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meta"]["target"] == pg15.dsn()


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["snapshot", "--dsn", "postgresql://u:Hunter2Pw@127.0.0.1:1/db"], 3, "cannot reach"),
        (["snapshot", "nonsense"], 2, "unknown panel 'nonsense'"),
        (["snapshot", "--dsn", "mysql://x@h/db"], 2, "--dsn must start with"),
        (["snapshot", "--refresh", "-5"], 2, "--refresh"),
        (["--no-such-flag"], 2, "No such option"),
        (["snapshot", "--dsn", "postgresql://h/db\x01'; DROP TABLE users; --"], 3, ""),
        (["--profile", "prod"], 2, "profile 'prod'"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    args: list[str], code: int, fragment: str, tmp_path: Path
) -> None:
    env = clean_env() | {"XDG_CONFIG_HOME": str(tmp_path)}
    result = psadmin(*args, env=env)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("psadmin: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr and "Hunter2Pw" not in result.stderr


def test_bad_config_file_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[profiles.prod]\nrefersh = 2\n")
    result = psadmin("--config", str(config), "--profile", "prod", "snapshot")
    assert result.returncode == 2
    assert str(config) in result.stderr and "refersh" in result.stderr


def test_server_older_than_15_is_refused_in_one_line() -> None:
    import asyncio

    from queries.capabilities import UnsupportedServer, detect_capabilities

    class Old:
        async def fetchrow(self, *_args: object, **_kw: object) -> dict[str, object]:
            return {
                "server_version_num": 140011,
                "server_version": "14.11",
                "database": "d",
                "role": "r",
                "is_superuser": True,
                "pg_monitor": True,
                "pg_read_all_stats": True,
                "pg_signal_backend": True,
                "max_connections": 100,
                "superuser_reserved_connections": 3,
                "reserved_connections": 0,
                "pg_stat_statements_preloaded": False,
                "extensions": "{}",
            }

    with pytest.raises(
        UnsupportedServer, match=re.escape("needs PostgreSQL 15 or newer; this server is 14.11")
    ):
        asyncio.run(detect_capabilities(Old()))  # type: ignore[arg-type]


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_tui_closes_its_sessions_on_hangup_and_terminate(
    pg18: PostgresCluster, fresh_database: NewDb, sig: signal.Signals
) -> None:
    dsn = fresh_database(pg18, "tui_signal")

    def sessions() -> int:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psadmin'"
                " AND datname = current_database()"
            ).fetchone()
        return int(row[0]) if row else 0

    leader, follower = pty.openpty()
    env = clean_env() | {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "psadmin", "--dsn", dsn, "--refresh", "0.5"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    # keep reading the terminal, or the app blocks writing its screen to a full pty
    drain = threading.Thread(target=_drain, args=(leader,), daemon=True)
    drain.start()
    try:
        wait_until(lambda: sessions() >= 1, what="the TUI to connect")
        proc.send_signal(sig)
        # exit status 0, not death by signal: the app handled it and closed its pool
        assert proc.wait(timeout=30) == 0
        wait_until(lambda: sessions() == 0, what="psadmin's sessions to close")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
