"""Textual's terminal driver, with an input thread that sleeps until there is input.

Textual's Linux driver waits for keys in a thread that wakes ten times a second to see whether
the app is leaving and to time out a lone Escape. Those wake-ups alone cost an idle console
0.17 % of a core, most of what pg_activity spends in all (measured side by side at a 2 s
refresh). This thread waits without a timeout: a pipe wakes it when the app leaves, and it
polls only for the escape delay after input, which is as long as a lone Escape can be pending.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual import constants
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

READ_CHUNK = 4096


class _WakingEvent(threading.Event):
    """The driver's exit event: setting it also wakes every input thread that waits."""

    def __init__(self) -> None:
        super().__init__()
        self.wake_fds: set[int] = set()

    def set(self) -> None:
        super().set()
        for fd in list(self.wake_fds):
            # closed meanwhile: that thread is already leaving
            with contextlib.suppress(OSError):
                os.write(fd, b"x")


class QuietDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exit_event: _WakingEvent = _WakingEvent()
        self.wakeups = 0
        """How many times the input thread's wait returned (for tests of its idleness)."""

    def _sigcont_application(self, *args: Any) -> None:
        # The kernel sends SIGCONT along with SIGHUP when the terminal hangs up (an SSH drop),
        # and `kill -CONT` can come at any time. Textual resumes on any SIGCONT, starting a
        # second input thread beside the first; here that one was never woken, and it kept
        # the process alive after the app had left. Resume only from our own Ctrl+Z.
        if self._must_signal_resume:
            super()._sigcont_application(*args)

    def run_input_thread(self) -> None:
        # A pipe per thread: the app may suspend (stopping this thread) and resume.
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        self.exit_event.wake_fds.add(wake_write)
        selector = selectors.DefaultSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(wake_read, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        # A little over the escape delay: one quiet wait of this length after the last byte
        # means any sequence the parser was holding has timed out by the tick that follows.
        settle = constants.ESCAPE_DELAY * 1.2 + 0.01
        pending = False
        reading = True

        def read_terminal() -> bool:
            nonlocal reading
            data = os.read(self.fileno, READ_CHUNK)
            if not data:  # end of input (stdin closed): stop watching it
                reading = False
                selector.unregister(self.fileno)
            for event in parser.feed(decode(data, final=not data)):
                self.process_message(event)
            return bool(data)

        try:
            while not self.exit_event.is_set():
                ready = selector.select(settle if pending else None)
                self.wakeups += 1
                pending = False
                for key, _mask in ready:
                    if key.fd == wake_read:
                        os.read(wake_read, READ_CHUNK)
                    elif reading:
                        pending = read_terminal() or pending
                for event in parser.tick():
                    self.process_message(event)
            selector.unregister(wake_read)
            if reading and selector.select(0):
                read_terminal()
        finally:
            self.exit_event.wake_fds.discard(wake_write)
            selector.close()
            os.close(wake_read)
            os.close(wake_write)
