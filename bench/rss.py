"""Resident memory of a process and everything it started, from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def vmrss_kib(status_text: str) -> int:
    """The VmRSS line of /proc/PID/status, in KiB (0 for a zombie, which has none)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(pid: int, proc: Path = PROC) -> list[int]:
    """``pid`` and its children, grandchildren... (every thread's children file)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for children in (proc / str(current) / "task").glob("*/children"):
            try:
                queue.extend(int(child) for child in children.read_text().split())
            except OSError:  # the thread ended meanwhile
                continue
    return found


def tree_rss_mib(pid: int, proc: Path = PROC) -> float:
    """VmRSS summed over the process tree (shared pages count once per process, like ps)."""
    total = 0
    for member in descendants(pid, proc):
        try:
            total += vmrss_kib((proc / str(member) / "status").read_text())
        except OSError:  # exited between the listing and the read
            continue
    return total / 1024
