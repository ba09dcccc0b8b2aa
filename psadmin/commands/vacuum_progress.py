"""Live progress of ``psadmin vacuum`` on stderr, from pg_stat_progress_vacuum / _cluster.

stdout keeps only the result, so scripts that read it see nothing new. On a terminal the
progress is one line rewritten in place (and erased when the VACUUM ends, the result says the
rest); otherwise one line per phase, so a log shows how far a cancelled or failed VACUUM got.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import TYPE_CHECKING, TextIO

from psadmin.models.errors import BackendError
from psadmin.models.vacuum import VacuumProgress

if TYPE_CHECKING:
    from psadmin.backend import LiveBackend

PROGRESS_EVERY_S = 0.5
"""As often as the Tables screen polls: the view is shared memory, the query costs ~1 ms."""

_ERASE_LINE = "\r\x1b[K"


def _printable(text: str) -> str:
    # a quoted identifier may hold newlines or escape sequences: keep the line one line
    return "".join(c if c.isprintable() else "?" for c in text)


def progress_line(p: VacuumProgress) -> str:
    """``VACUUM public.big: scanning heap 42% · heap 1,200/2,858 blocks scanned, …``."""
    fraction = p.fraction
    share = f" {fraction:.0%}" if fraction is not None else ""
    if p.command == "VACUUM" and p.heap_blks_total is not None:
        total = p.heap_blks_total
        counts = (
            f"heap {p.heap_blks_scanned or 0:,}/{total:,} blocks scanned, "
            f"{p.heap_blks_vacuumed or 0:,}/{total:,} vacuumed · "
            f"index passes {p.index_vacuum_count or 0}"
        )
        if p.indexes_total:
            counts += f" · indexes {p.indexes_processed or 0}/{p.indexes_total}"
    else:  # VACUUM FULL: pg_stat_progress_cluster's figures
        counts = p.counts()
    line = f"{p.command} {p.table}: {p.phase}{share}"
    return _printable(f"{line} · {counts}" if counts else line)


class ProgressPrinter:
    """Writes progress rows to ``stream``: in place on a terminal, else once per phase."""

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._phase: tuple[str, str] | None = None
        self._on_screen = False

    def show(self, progress: VacuumProgress) -> None:
        line = progress_line(progress)
        phase = (progress.command, progress.phase)
        if self._tty:
            width = shutil.get_terminal_size().columns
            # never wrap: a wrapped line cannot be rewritten with a carriage return
            self._stream.write(_ERASE_LINE + line[: max(width - 1, 1)])
            self._on_screen = True
        elif phase != self._phase:
            self._stream.write(line + "\n")
        self._phase = phase
        self._stream.flush()

    def close(self) -> None:
        """Erase the in-place line so the result starts on a clean line."""
        if self._on_screen:
            self._stream.write(_ERASE_LINE)
            self._stream.flush()
            self._on_screen = False


async def watch(backend: LiveBackend, printer: ProgressPrinter) -> None:
    """Show psadmin's own VACUUM until cancelled (on the monitoring pool, as the TUI does)."""
    while True:
        try:
            rows = await backend.vacuum_progress()
        except BackendError:
            rows = []  # a missed sample is harmless; the VACUUM reports its own errors
        own = next((p for p in rows if p.own), None)
        if own is not None:
            printer.show(own)
        await asyncio.sleep(PROGRESS_EVERY_S)
