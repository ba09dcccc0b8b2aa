"""psadmin's terminal driver on a real pseudo-terminal: keys (a lone Escape too) reach the app,
the input thread does not wake while nothing is typed, the app leaves at once, and a terminal
that hangs up (an SSH drop) ends the process."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import termios
import textwrap
import threading
import time
from pathlib import Path

import pytest

from psadmin.app import PsadminApp, quiet_driver_class
from psadmin.quiet_driver import QuietDriver
from tests.ui.fakes import FakeBackend

KEY_APP = textwrap.dedent(
    """
    import asyncio
    import signal
    import sys
    import threading
    from textual.app import App
    from textual.widgets import Static
    from psadmin.quiet_driver import QuietDriver

    log = open(sys.argv[1], "w", buffering=1)

    class Keys(App[None]):
        def compose(self):
            yield Static("keys")

        def on_ready(self) -> None:
            # as psadmin's console does: SIGHUP (the terminal hung up) leaves the app
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit)
            log.write(f"ready {self._driver.wakeups}\\n")

        def on_key(self, event) -> None:
            log.write(f"key {event.key} {self._driver.wakeups}\\n")
            if event.key == "t":
                inputs = [t for t in threading.enumerate() if t.name == "textual-input"]
                log.write(f"input-threads {len(inputs)}\\n")
            if event.key == "q":
                self.exit()

    Keys(driver_class=QuietDriver).run()
    log.write("exited\\n")
    """
)
TIMEOUT_S = 30.0


class Terminal:
    """A pseudo-terminal with the key app on it; the app writes what it saw to a log file."""

    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "keys.log"
        script = tmp_path / "keys.py"
        script.write_text(KEY_APP)
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.log)],
            stdin=follower,
            stdout=follower,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "xterm-256color"},
            # its own session with this terminal as the controlling one, as over SSH: closing
            # the terminal then sends it SIGHUP and SIGCONT
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(follower)
        self.hanging_up = threading.Event()
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()

    def _drain(self) -> None:  # the app's output must be read or it blocks writing
        # A read in progress would hold the terminal open past hang_up's close: wait for
        # output with a timeout, and stop when asked.
        while not self.hanging_up.is_set():
            try:
                ready, _, _ = select.select([self.leader], [], [], 0.05)
                if ready and not os.read(self.leader, 65536):
                    return
            except OSError:
                return

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def wait_for(self, prefix: str) -> str:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.lines():
                if line.startswith(prefix):
                    return line
            select.select([], [], [], 0.02)
        raise AssertionError(f"the app never logged {prefix!r}: {self.lines()}")

    def type(self, data: bytes) -> None:
        os.write(self.leader, data)

    def hang_up(self) -> None:
        self.hanging_up.set()
        self.drainer.join(timeout=TIMEOUT_S)
        os.close(self.leader)
        self.leader = -1

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=TIMEOUT_S)
        if self.leader >= 0:
            os.close(self.leader)


def wakeups(line: str) -> int:
    return int(line.rsplit(" ", 1)[1])


@pytest.fixture
def terminal(tmp_path: Path) -> Terminal:
    term = Terminal(tmp_path)
    yield term
    term.close()


def test_keys_arrive_a_lone_escape_too_and_the_app_leaves(terminal: Terminal) -> None:
    terminal.wait_for("ready")
    terminal.type(b"a")
    terminal.wait_for("key a")
    terminal.type(b"\x1b")  # nothing follows: only the escape delay's timeout can deliver it
    terminal.wait_for("key escape")
    terminal.type(b"\x1b[A")
    terminal.wait_for("key up")
    terminal.type(b"q")
    terminal.wait_for("exited")
    assert terminal.process.wait(timeout=TIMEOUT_S) == 0
    keys = [line.split()[1] for line in terminal.lines() if line.startswith("key")]
    assert keys == ["a", "escape", "up", "q"]


def test_the_input_thread_sleeps_while_nothing_is_typed(terminal: Terminal) -> None:
    ready = wakeups(terminal.wait_for("ready"))
    # Textual's own driver wakes ten times a second; over this quiet second this one may wake
    # only for the input that ends it.
    time.sleep(1.0)  # an observation window, not a synchronization
    terminal.type(b"a")
    seen = wakeups(terminal.wait_for("key a"))
    assert seen - ready <= 1


def test_the_console_uses_it_unless_textual_driver_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert quiet_driver_class() is QuietDriver
    assert PsadminApp(FakeBackend()).driver_class is QuietDriver
    monkeypatch.setattr("textual.constants.DRIVER", "textual.drivers.linux_driver:LinuxDriver")
    assert quiet_driver_class() is None


def test_a_stray_sigcont_starts_no_second_input_thread(terminal: Terminal) -> None:
    terminal.wait_for("ready")
    terminal.process.send_signal(signal.SIGCONT)  # not after a Ctrl+Z: nothing to resume
    terminal.type(b"a")  # handled after the signal (the driver's handler runs at once)
    terminal.wait_for("key a")
    terminal.type(b"t")
    assert terminal.wait_for("input-threads") == "input-threads 1"


def test_a_terminal_that_hangs_up_ends_the_process(terminal: Terminal) -> None:
    terminal.wait_for("ready")
    terminal.hang_up()  # the kernel sends SIGHUP and SIGCONT; the app leaves on SIGHUP
    assert terminal.process.wait(timeout=TIMEOUT_S) == 0
    assert "exited" in terminal.lines()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (tests/run.sh installs it)")
def test_closing_its_tmux_window_ends_the_process(tmp_path: Path) -> None:
    # tmux hangs the terminal up its own way (SIGHUP, then SIGCONT while the app is leaving);
    # before the fix the process outlived its window every time, its input thread asleep.
    log, script = tmp_path / "keys.log", tmp_path / "keys.py"
    script.write_text(KEY_APP)
    session = f"psadmin-hangup-{os.getpid()}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
         "env", "TERM=xterm-256color", sys.executable, str(script), str(log)],
        check=True,
    )  # fmt: skip
    try:
        pane = subprocess.run(
            ["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        pid = int(pane.stdout.split()[0])
        deadline = time.monotonic() + TIMEOUT_S
        while not (log.exists() and "ready" in log.read_text()):
            assert time.monotonic() < deadline, "the app never became ready"
            select.select([], [], [], 0.02)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError("the app outlived its terminal")
        select.select([], [], [], 0.02)
    assert "exited" in log.read_text().splitlines()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
