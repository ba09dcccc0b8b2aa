"""A throwaway PgBouncer (Debian's /usr/sbin/pgbouncer) in front of a test cluster.

It runs in the foreground as a child of the test process; as root it drops to the same
unprivileged user as the PostgreSQL clusters (PgBouncer refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

from psadmin.demo.servers import PG_SYSTEM_USER, PostgresCluster
from psadmin.demo.servers.processes import (
    Backoff,
    BindError,
    ChildServer,
    ServerError,
    ensure_system_user,
    log_tail,
    make_traversable,
    pdeathsig_preexec,
    spawn_server,
)

PGBOUNCER = Path(shutil.which("pgbouncer") or "/usr/sbin/pgbouncer")


class PgBouncer(ChildServer):
    NAME = "pgbouncer"
    STOP_SIGNAL = signal.SIGTERM

    def __init__(
        self, base_dir: Path, cluster: PostgresCluster, databases: dict[str, str], pool_size: int
    ) -> None:
        super().__init__(base_dir)
        self.cluster = cluster
        self.databases = databases
        """Name seen by clients -> database on the cluster."""
        self.pool_size = pool_size
        self.log_path = self.base_dir / "pgbouncer.log"
        self.ini = self.base_dir / "pgbouncer.ini"

    def dsn(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    @property
    def admin_dsn(self) -> str:
        return self.dsn("pgbouncer")

    def _prepare(self) -> None:
        if not PGBOUNCER.is_file():
            raise ServerError(
                f"pgbouncer is not installed ({PGBOUNCER}); apt-get install pgbouncer"
            )

    def _write_config(self) -> None:
        users = self.base_dir / "users.txt"
        users.write_text('"postgres" ""\n')
        databases = "\n".join(
            f"{alias} = host={self.cluster.host} port={self.cluster.port} dbname={real}"
            for alias, real in self.databases.items()
        )
        lines = [
            "[databases]",
            databases,
            "[pgbouncer]",
            f"listen_addr = {self.host}",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {users}",
            "admin_users = postgres",
            "stats_users = postgres",
            "pool_mode = transaction",
            f"default_pool_size = {self.pool_size}",
            "ignore_startup_parameters = extra_float_digits",
            "logfile =",
            "pidfile =",
        ]
        if os.geteuid() == 0:
            account = ensure_system_user(PG_SYSTEM_USER)
            lines.append(f"user = {account.pw_name}")
            make_traversable(self.base_dir)
            for path in (self.base_dir, users):
                os.chown(path, account.pw_uid, account.pw_gid)
        self.ini.write_text("\n".join(lines) + "\n")

    def _launch(self, timeout: float) -> None:
        self._write_config()
        log = self.log_path.open("ab")
        offset = log.tell()
        try:
            proc = spawn_server(
                lambda: subprocess.Popen(
                    [str(PGBOUNCER), str(self.ini)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.base_dir,
                    start_new_session=True,
                    preexec_fn=pdeathsig_preexec(signal.SIGTERM),
                )
            )
        except BaseException:
            log.close()
            raise
        self._proc, self._log = proc, log
        for _ in Backoff(timeout):
            if proc.poll() is not None:
                tail = log_tail(self.log_path, offset)
                if "Address already in use" in tail:
                    self.stop()
                    raise BindError(tail)
                self.stop()
                raise ServerError(f"pgbouncer exited with {proc.returncode}: {tail}")
            if "process up" in log_tail(self.log_path, offset, lines=20) and self._accepts():
                return
        self.stop()
        raise ServerError(f"pgbouncer did not start: {log_tail(self.log_path, offset)}")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False
