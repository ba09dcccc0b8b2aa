"""What psadmin and pg_activity are compared on: the ``bench`` pgbench database of the stack,
a rate-limited pgbench load (8 clients), and the command line of each monitor — both at a 2 s
refresh in tmux windows of the same size, each as its own superuser role so
pg_stat_statements tells their server time apart (bench.connections_refresh's setup)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import connections_refresh as cr
from bench.stack import BenchStack, say

CLIENTS = 8
RATE = 200
"""pgbench transactions per second: a steady load that leaves the 2 cores room to measure."""
TMUX_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}


def pg_activity_binary() -> str:
    beside = Path(sys.executable).parent / "pg_activity"
    found = str(beside) if beside.exists() else shutil.which("pg_activity")
    if shutil.which("tmux") is None or found is None:
        raise RuntimeError(
            "needs tmux and pg_activity (apt-get install tmux; pip install pg_activity)"
        )
    return found


def bench_dsn(stack: BenchStack, scale: int) -> str:
    """The pgbench database, created once per stack (its name and roles are fixed)."""
    existing = getattr(stack, "_pgbench_dsn", None)
    if existing is None:
        say(f"pgbench -i -s {scale} for the side-by-side runs")
        existing = cr.prepare(stack.cluster, stack.pgbench, scale)
        stack._pgbench_dsn = existing  # type: ignore[attr-defined]
    return str(existing)


@contextlib.contextmanager
def pgbench_load(stack: BenchStack) -> Iterator[None]:
    """pgbench at RATE tps with CLIENTS clients until the block ends."""
    cluster = stack.cluster
    load = subprocess.Popen(
        [str(stack.pgbench), "-n", "-c", str(CLIENTS), "-j", "2", "-R", str(RATE),
         "-T", "36000", "-h", cluster.host, "-p", str(cluster.port), "-U", "postgres", "bench"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PGAPPNAME": "pgbench"},
    )  # fmt: skip
    try:
        yield
    finally:
        if load.poll() is None:
            load.send_signal(signal.SIGINT)
            try:
                load.wait(timeout=30)
            except subprocess.TimeoutExpired:
                load.kill()
                load.wait()


def pg_activity_command(stack: BenchStack) -> list[str]:
    cluster = stack.cluster
    return [pg_activity_binary(), "-h", cluster.host, "-p", str(cluster.port),
            "-U", cr.ROLES["pg_activity"], "-d", "bench", "--refresh", "2"]  # fmt: skip


def psadmin_command(stack: BenchStack) -> list[str]:
    dsn = stack.cluster.dsn("bench", user=cr.ROLES["psadmin"])
    return [sys.executable, "-m", "psadmin", "--dsn", dsn, "--redis-url", stack.redis.url,
            "--refresh", f"{cr.REFRESH_S:g}"]  # fmt: skip


def kill_session(name: str) -> None:
    subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def end_session(name: str, pid: int | None, timeout: float = 3.0) -> None:
    """Kill the tmux session, then make sure its process is gone: a TUI still starting up
    can outlive the pane's SIGHUP and keep polling (and skewing the next runs) as an orphan."""
    kill_session(name)
    if pid is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not alive(pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the exit of a process that is not our child
