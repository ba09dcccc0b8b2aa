"""The servers ``python -m bench`` runs its measurements on: one embedded PostgreSQL 18 (with
pg_stat_statements tracking planning time) and one Redis, in a temporary directory that is
removed afterwards. Each measurement gets a database of its own."""

from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from psadmin.demo.servers import PostgresCluster, RedisServer, embedded_bin_dir


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchStack:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="psadmin-bench-all-"))
        (self.base / "pg").mkdir()
        (self.base / "redis").mkdir()
        self.bin_dir = embedded_bin_dir()
        self.cluster = PostgresCluster(
            self.bin_dir,
            self.base / "pg",
            preload=("pg_stat_statements",),
            settings={
                "pg_stat_statements.track_planning": "on",
                "maintenance_work_mem": "256MB",
                "max_connections": "100",
            },
        )
        self.redis = RedisServer(
            self.base / "redis", config={"maxmemory": "256mb", "maxmemory-policy": "allkeys-lru"}
        )
        self._names = itertools.count(1)

    def __enter__(self) -> BenchStack:
        say("starting the embedded PostgreSQL 18 and Redis")
        try:
            self.cluster.start()
            self.redis.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.redis.stop()
        self.cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def database(self, prefix: str) -> str:
        """A new empty database (``prefix`` is a plain identifier) and its dsn."""
        return self.cluster.create_database(f"{prefix}_{next(self._names)}")

    @property
    def pgbench(self) -> Path:
        return self.bin_dir / "pgbench"

    def version(self) -> str:
        return self.cluster.psql("SHOW server_version").strip()
