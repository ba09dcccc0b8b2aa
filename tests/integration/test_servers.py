"""The throwaway server launchers that every other integration test stands on."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from psadmin.demo.servers import (
    DEBIAN_PG15_BIN,
    PostgresCluster,
    RedisServer,
    ServerError,
    embedded_bin_dir,
    processes,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PR_SET_CHILD_SUBREAPER = 36


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """tmp_path, emptied afterwards: clusters weigh ~40 MB each and pytest keeps old tmp dirs."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture
def subreaper() -> Iterator[None]:
    """Adopt orphaned descendants so that we, not a possibly non-reaping PID 1, reap them."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    assert prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, os.strerror(ctypes.get_errno())
    try:
        yield
    finally:
        prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def scalar(dsn: str, sql: str) -> object:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def reaped(pid: int) -> bool:
    """True once `pid`, adopted by our subreaper, has exited (and is then reaped)."""
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return process_gone(pid)
    return done == pid


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_pg18_is_postgresql_18(pg18: PostgresCluster) -> None:
    version = scalar(pg18.dsn(), "SELECT current_setting('server_version_num')::int")
    assert isinstance(version, int)
    assert version >= 180000
    assert pg18.version_num == version
    assert pg18.host == "127.0.0.1"


def test_pg15_is_debian_postgresql_15(pg15: PostgresCluster) -> None:
    version = scalar(pg15.dsn(), "SELECT current_setting('server_version_num')::int")
    assert isinstance(version, int)
    assert 150000 <= version <= 159999
    assert pg15.version_num == version
    assert pg15.bin_dir == DEBIAN_PG15_BIN


@pytest.mark.parametrize("cluster_name", ["pg18", "pg15"])
def test_pg_stat_statements_is_preloaded(cluster_name: str, request: pytest.FixtureRequest) -> None:
    cluster: PostgresCluster = request.getfixturevalue(cluster_name)
    dsn = cluster.dsn()
    count = scalar(dsn, "SELECT count(*) FROM pg_settings WHERE name LIKE 'pg_stat_statements.%'")
    assert isinstance(count, int)
    assert count > 0
    assert "pg_stat_statements" in str(scalar(dsn, "SHOW shared_preload_libraries"))


def test_pg18_has_the_extensions_psadmin_needs(
    pg18: PostgresCluster, fresh_database: Callable[[PostgresCluster, str], str]
) -> None:
    dsn = fresh_database(pg18, "ext")
    with psycopg.connect(dsn, autocommit=True) as conn:
        for ext in ("vector", "pgstattuple", "pg_trgm", "pg_stat_statements"):
            conn.execute(f"CREATE EXTENSION {ext}")  # type: ignore[arg-type]
        row = conn.execute("SELECT '[1,0,0]'::vector <=> '[0,1,0]'::vector").fetchone()
        assert row is not None and row[0] == pytest.approx(1.0)
        row = conn.execute("SELECT similarity('Get-Process', 'Get-Proces')").fetchone()
        assert row is not None and row[0] > 0.5
        row = conn.execute("SELECT tuple_count FROM pgstattuple('pg_class')").fetchone()
        assert row is not None and row[0] > 0
        row = conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()
        assert row is not None and row[0] > 0


def test_fresh_databases_are_distinct_and_empty(
    pg15: PostgresCluster, fresh_database: Callable[[PostgresCluster, str], str]
) -> None:
    first, second = fresh_database(pg15, "Same-Prefix"), fresh_database(pg15, "Same-Prefix")
    assert first != second
    with psycopg.connect(first, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (id int)")
    tables = scalar(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'")
    assert tables == 0


def test_create_database_rejects_non_identifiers(pg15: PostgresCluster) -> None:
    for bad in ("Upper", "1abc", 'x"; DROP DATABASE postgres; --', "", "a" * 64):
        with pytest.raises(ValueError):
            pg15.create_database(bad)


def test_psql_helper_returns_rows_and_raises_on_error(pg15: PostgresCluster) -> None:
    assert pg15.psql("SELECT 1; SELECT 'a', 'b'") == "1\na|b"
    with pytest.raises(ServerError, match="no_such_table"):
        pg15.psql("SELECT * FROM no_such_table")


def test_restart_keeps_port_and_data_with_a_long_base_dir(scratch: Path) -> None:
    # Deep enough that <data>/.s.PGSQL.<port> would exceed the 107-byte unix socket limit.
    base = scratch.joinpath(*(["deep-directory-name"] * 6))
    cluster = PostgresCluster(embedded_bin_dir(), base)
    try:
        cluster.start()
        socket_dir = Path(cluster.psql("SHOW unix_socket_directories"))
        assert socket_dir != cluster.data_dir
        port, old_pid = cluster.port, cluster.pid
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('survives restarts')")
            cluster.restart()
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
        assert cluster.port == port
        assert cluster.pid not in (None, old_pid)
        assert scalar(cluster.dsn(), "SELECT v FROM kept") == "survives restarts"
    finally:
        cluster.stop()
    assert not socket_dir.exists()


def test_stop_is_idempotent(scratch: Path) -> None:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, scratch / "pg")
    cluster.stop()  # never started
    with cluster:
        pid = cluster.pid
        assert pid is not None
        assert scalar(cluster.dsn(), "SELECT 1") == 1
    assert cluster.pid is None
    assert process_gone(pid)
    cluster.stop()
    cluster.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.dsn(), connect_timeout=2)


def test_password_cluster_requires_the_password(scratch: Path) -> None:
    with PostgresCluster(embedded_bin_dir(), scratch / "pg", password="s3cr3t p@ss") as cluster:
        assert scalar(cluster.dsn(), "SELECT current_user") == "postgres"
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(cluster.dsn(password="wrong"), connect_timeout=5)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(cluster.dsn(user="postgres"), connect_timeout=5)
        assert cluster.psql("SELECT 42") == "42"


def test_start_failure_reports_the_server_log(scratch: Path) -> None:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, scratch / "pg", settings={"work_mem": "lots"})
    with pytest.raises(ServerError, match="work_mem"):
        cluster.start(timeout=30)
    assert cluster.pid is None
    cluster.stop()


def test_redis_ping_set_get(redis_server: RedisServer) -> None:
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    try:
        assert client.ping() is True
        client.set("psadmin:test", "value", ex=60)
        assert client.get("psadmin:test") == b"value"
        assert 0 < int(client.ttl("psadmin:test")) <= 60
    finally:
        client.close()


def test_redis_restart_keeps_port_and_stop_is_idempotent(scratch: Path) -> None:
    server = RedisServer(scratch / "redis")
    server.stop()
    with server:
        port = server.port
        client = redis.Redis.from_url(server.url, socket_timeout=5)
        try:
            client.set("k", "v")
            server.restart()
            assert server.port == port
            # Nothing is persisted: a restart is an empty cache.
            assert client.get("k") is None
        finally:
            client.close()
    assert server.pid is None
    server.stop()
    assert list((scratch / "redis").glob("*.rdb")) == []


_ORPHAN_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from psadmin.demo.servers import PostgresCluster, RedisServer, embedded_bin_dir

    base = Path(sys.argv[1])
    cluster = PostgresCluster(embedded_bin_dir(), base / "pg")
    cluster.start()
    server = RedisServer(base / "redis")
    server.start()
    print(json.dumps({"postgres": cluster.pid, "redis": server.pid}), flush=True)
    sys.stdin.read()  # hold the servers until killed
    """
)


@pytest.mark.usefixtures("subreaper")
def test_servers_shut_down_when_their_owner_is_killed(scratch: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    owner = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT, str(scratch)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    pids: dict[str, int] = {}
    try:
        assert owner.stdout is not None
        line = owner.stdout.readline()
        assert line, owner.stderr.read() if owner.stderr else "owner printed nothing"
        pids = json.loads(line)
        assert not any(process_gone(pid) for pid in pids.values())

        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)

        for name, pid in pids.items():
            assert wait_until(lambda pid=pid: reaped(pid), timeout=30), (
                f"{name} (pid {pid}) outlived its SIGKILLed owner"
            )
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        for pid in pids.values():
            if not reaped(pid):
                os.kill(pid, signal.SIGKILL)
                wait_until(lambda pid=pid: reaped(pid), timeout=10)
        for stream in (owner.stdin, owner.stdout, owner.stderr):
            if stream is not None:
                stream.close()


def test_server_started_from_a_short_lived_thread_outlives_it(scratch: Path) -> None:
    # The kernel sends the parent-death signal when the forking *thread* exits, so a naive
    # launcher would lose servers started from worker threads (Textual thread workers do that).
    server = RedisServer(scratch / "redis")
    worker = threading.Thread(target=server.start)
    worker.start()
    worker.join()
    try:
        assert server.running
        tid = worker.native_id
        assert wait_until(lambda: not Path(f"/proc/self/task/{tid}").exists(), timeout=10)
        # Once the thread is fully gone any pdeathsig has been sent; a PONG after that means
        # redis has run its SIGTERM handler (which logs synchronously) if it got one.
        client = redis.Redis.from_url(server.url, socket_timeout=5)
        try:
            assert client.ping() is True
        finally:
            client.close()
        assert "SIGTERM" not in server.log_path.read_text()
        assert server.running
    finally:
        server.stop()


def test_a_port_taken_after_the_probe_is_retried_once(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        # Simulate losing the race between picking a free port and the server binding it.
        ports = iter([taken])
        real_free_port = processes.free_port
        monkeypatch.setattr(processes, "free_port", lambda: next(ports, None) or real_free_port())
        with PostgresCluster(DEBIAN_PG15_BIN, scratch / "pg") as cluster:
            assert cluster.port != taken
            assert cluster.psql("SELECT 1") == "1"
        ports = iter([taken])
        with RedisServer(scratch / "redis") as server:
            assert server.port != taken
            assert server._ping()
