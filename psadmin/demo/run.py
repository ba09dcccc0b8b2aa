"""``psadmin demo``: start the stack, seed it, run the workload, open the TUI (or serve).

Everything lives in one temporary directory that is removed on exit, Ctrl-C, SIGTERM/SIGHUP
or a crash; the servers also die with this process (parent-death signal) if it is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from psadmin.demo.servers import PostgresCluster, RedisServer, ServerError, embedded_bin_dir
from psadmin.demo.workload import Workload

DATABASE = "psscript"


@dataclass(frozen=True)
class DemoOptions:
    scripts: int = 3000
    users: int = 500
    workload: bool = True
    serve: bool = False
    read_only: bool = False
    refresh: float = 2.0


class DemoStopped(Exception):
    """Raised from a signal handler to unwind through the cleanup code."""


def say(message: str) -> None:
    print(f"psadmin demo: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stopping_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception so ``finally`` blocks run."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise DemoStopped(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def demo_stack(base: Path) -> Iterator[tuple[PostgresCluster, RedisServer]]:
    (base / "pg").mkdir()
    (base / "redis").mkdir()
    postgres = PostgresCluster(
        embedded_bin_dir(),
        base / "pg",
        settings={"maintenance_work_mem": "256MB", "track_io_timing": "on"},
    )
    redis = RedisServer(
        base / "redis", config={"maxmemory": "256mb", "maxmemory-policy": "allkeys-lru"}
    )
    try:
        say("starting PostgreSQL 18 and Redis")
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.stop()


class WorkloadThread(threading.Thread):
    """The workload runs on its own event loop so it never competes with the TUI's loop."""

    def __init__(self, dsn: str, redis_url: str) -> None:
        super().__init__(name="psadmin-demo-workload", daemon=True)
        self.workload = Workload(dsn, redis_url)
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self.workload.run())
        except Exception as exc:  # the demo keeps running without traffic
            say(f"workload stopped: {exc}")
        finally:
            self.loop.close()

    def stop(self) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.workload.stop)
        self.join(timeout=15)


def run_demo(options: DemoOptions) -> int:
    from psadmin.demo.seed import seed_database

    base = Path(tempfile.mkdtemp(prefix="psadmin-demo-"))
    started = time.monotonic()
    try:
        with stopping_signals(), demo_stack(base) as (postgres, redis):
            dsn = postgres.create_database(DATABASE)
            summary = asyncio.run(
                seed_database(
                    dsn,
                    scripts=options.scripts,
                    users=options.users,
                    redis_url=redis.url,
                    progress=say,
                )
            )
            say(
                f"ready in {time.monotonic() - started:.1f} s: {summary.scripts} scripts, "
                f"{summary.users} users, {summary.versions} versions"
            )
            workload = WorkloadThread(dsn, redis.url) if options.workload else None
            if workload is not None:
                workload.start()
            try:
                if options.serve:
                    print(f"DATABASE_URL={dsn}", flush=True)
                    print(f"REDIS_URL={redis.url}", flush=True)
                    wait_for_interrupt()
                else:
                    open_console(dsn, redis.url, options)
            finally:
                # before the servers go away, or its connections fail noisily
                if workload is not None:
                    workload.stop()
    except (KeyboardInterrupt, DemoStopped):
        pass
    except ServerError as exc:
        say(f"cannot start the demo servers: {exc}")
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def wait_for_interrupt() -> None:
    """Block until SIGINT/SIGTERM/SIGHUP (delivered as exceptions by the handlers)."""
    while True:
        signal.pause() if hasattr(signal, "pause") else time.sleep(3600)


def open_console(dsn: str, redis_url: str, options: DemoOptions) -> None:
    from psadmin.cli import run_tui
    from psadmin.config import Overrides, Profile, resolve_settings

    settings = resolve_settings(
        Overrides(
            dsn=dsn, redis_url=redis_url, read_only=options.read_only, refresh=options.refresh
        ),
        {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DB_", "REDIS_"))},
        Profile(name="demo"),
    )
    run_tui(settings)
