"""Cold start to the first data painted: psadmin's Overview and Connections screens vs
pg_activity's first screen, same server, same pgbench load, runs interleaved.

Each run launches the monitor as a tmux pane's process and polls the pane's text until a
marker that only real data draws is there — never the skeleton:

- Overview: the Connections tile's ``used/usable · percent`` (drawn from the first sample);
- Connections: ``pgbench`` in the pools or the session list (psadmin is switched with ``2``
  as soon as its first frame is up; the key is sent again until the title says Connections);
- pg_activity: the ``Sessions: n/max total`` header line together with its process-list
  header (both drawn with its first query results).

The clock starts just before ``tmux new-session``, so interpreter start-up and imports count.
A minimal Textual app painting one line is timed alongside: the floor no Textual console can
go below on this machine, so the table shows how much of psadmin's start is its own.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import connections_refresh as cr
from bench.peer_load import (
    TMUX_ENV,
    bench_dsn,
    end_session,
    pg_activity_command,
    pgbench_load,
    psadmin_command,
)
from bench.runner import Row, Target, measured
from bench.stack import BenchStack, say

POLL_S = 0.025
"""Pane polling interval: the resolution of the measurement (both tools alike)."""
TIMEOUT_S = 60.0
TARGET = Target(1.0)


@dataclass(frozen=True)
class Marker:
    """What the pane must show for the data to count as painted."""

    patterns: tuple[re.Pattern[str], ...]
    switch_key: str | None = None
    switched: re.Pattern[str] | None = None
    """Once the first frame is up (``frame_up``), send the key until this shows."""
    frame_up: re.Pattern[str] | None = None

    def painted(self, screen: str) -> bool:
        return all(p.search(screen) for p in self.patterns)

    def wants_key(self, screen: str) -> bool:
        if self.switch_key is None or self.switched is None or self.frame_up is None:
            return False
        return bool(self.frame_up.search(screen)) and not self.switched.search(screen)


CONNECTIONS_DIRECT = Marker((re.compile(r"psadmin — Connections"), re.compile(r"\bpgbench\b")))
PSADMIN_FRAME = re.compile(r"psadmin — \w+")
OVERVIEW = Marker((re.compile(r"psadmin — Overview"), re.compile(r"\d+/\d+ · \d+(\.\d+)? %")))
CONNECTIONS = Marker(
    (re.compile(r"psadmin — Connections"), re.compile(r"\bpgbench\b")),
    switch_key="2",
    switched=re.compile(r"psadmin — Connections"),
    frame_up=PSADMIN_FRAME,
)
PG_ACTIVITY = Marker((re.compile(r"Sessions: \d+/\d+ total"), re.compile(r"PID\s+.*DATABASE")))
TEXTUAL_FLOOR = Marker((re.compile(r"textual floor painted"),))

FLOOR_APP = """
from textual.app import App
from textual.widgets import Static

class Floor(App[None]):
    def compose(self):
        yield Static("textual floor painted")

Floor().run()
"""
"""The least any Textual app takes to paint one line here: what psadmin cannot go below."""


def time_to_marker(session: str, command: list[str], marker: Marker) -> float:
    """Seconds from launching ``command`` in a tmux pane until ``marker`` is painted."""
    started = time.perf_counter()
    pid = cr.start_in_tmux(session, command, TMUX_ENV)
    try:
        while True:
            screen = cr.tmux("capture-pane", "-t", session, "-p")
            if marker.painted(screen):
                return time.perf_counter() - started
            if marker.wants_key(screen):
                cr.tmux("send-keys", "-t", session, marker.switch_key or "")
            if time.perf_counter() - started > TIMEOUT_S:
                raise TimeoutError(f"{session}: no data painted in {TIMEOUT_S:g} s:\n{screen}")
            time.sleep(POLL_S)  # polling a pane: this is the sampling interval
    finally:
        end_session(session, pid)


def interleaved(
    runs: int, contestants: dict[str, Callable[[str], float]]
) -> dict[str, list[float]]:
    """Each run launches every contestant once, the order rotated run to run, so drifts of the
    machine's load hit all of them alike."""
    names = list(contestants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(contestants[name](f"bench-cold-{os.getpid()}-{run}-{name}"))
        say(
            f"cold start run {run + 1}/{runs}: "
            + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names)
        )
    return times


def cold_start(stack: BenchStack, runs: int, scale: int) -> list[Row]:
    bench_dsn(stack, scale)
    psadmin, pga = psadmin_command(stack), pg_activity_command(stack)
    direct = [*psadmin, "--screen", "connections"]
    floor = [sys.executable, "-c", FLOOR_APP]
    with pgbench_load(stack):
        time.sleep(2)  # let pgbench's clients connect before the first launch
        times = interleaved(
            runs,
            {
                "overview": lambda s: time_to_marker(s, psadmin, OVERVIEW),
                "connections": lambda s: time_to_marker(s, psadmin, CONNECTIONS),
                "connections_direct": lambda s: time_to_marker(s, direct, CONNECTIONS_DIRECT),
                "pg_activity": lambda s: time_to_marker(s, pga, PG_ACTIVITY),
                "textual_floor": lambda s: time_to_marker(s, floor, TEXTUAL_FLOOR),
            },
        )
    note = "launch to first data painted, tmux 140x40, pgbench 8 clients at 200 tps"
    return [
        measured("cold start: pg_activity first screen", "s", times["pg_activity"], note=note),
        measured(
            "cold start: minimal Textual app (floor)",
            "s",
            times["textual_floor"],
            peer="pg_activity",
            peer_values=times["pg_activity"],
            note="one Static painted: Python + Textual's own start, no database",
        ),
        measured(
            "cold start: Overview data",
            "s",
            times["overview"],
            peer="pg_activity",
            peer_values=times["pg_activity"],
            target=TARGET,
        ),
        measured(
            "cold start: Connections data (key 2)",
            "s",
            times["connections"],
            peer="pg_activity",
            peer_values=times["pg_activity"],
            target=TARGET,
            note="opened on the Overview, 2 pressed as soon as its frame is up",
        ),
        measured(
            "cold start: Connections data (--screen)",
            "s",
            times["connections_direct"],
            peer="pg_activity",
            peer_values=times["pg_activity"],
            target=TARGET,
            note="psadmin --screen connections",
        ),
    ]
