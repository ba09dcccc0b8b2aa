"""Demo seeding throughput and time to a ready demo.

- Seeding: psadmin's own ``seed_database`` into a fresh database of the bench stack, its
  progress messages timestamped: the load phase (generate the scripts, embed them with the
  local embedder, COPY every table) gives scripts with embeddings per second; the whole seed
  (schema, load, HNSW build, churn replay, Redis warm-up) is timed too.
- Ready: ``psadmin demo --serve`` end to end, its own servers included, until it prints its
  URLs (bench.demo_startup's run), against its 60 s target.
"""

from __future__ import annotations

import asyncio
import time

from bench import demo_startup
from bench.runner import Row, Target, measured
from bench.stack import BenchStack, say
from psadmin.demo.seed import seed_database

LOAD_STARTS, LOAD_ENDS = "generating, embedding and loading", "building the HNSW index"


def phase_seconds(marks: list[tuple[float, str]], starts: str, ends: str) -> float:
    """Time between the progress message starting with ``starts`` and the one with ``ends``."""
    begin = next(at for at, message in marks if message.startswith(starts))
    end = next(at for at, message in marks if message.startswith(ends))
    return end - begin


def seed_once(stack: BenchStack, scripts: int, users: int) -> tuple[float, float]:
    """(load seconds, whole seed seconds) of one seed into a new database."""
    dsn = stack.database("demo_seed")
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    asyncio.run(
        seed_database(
            dsn,
            scripts=scripts,
            users=users,
            redis_url=stack.redis.url,
            progress=lambda message: marks.append((time.perf_counter(), message)),
        )
    )
    whole = time.perf_counter() - started
    return phase_seconds(marks, LOAD_STARTS, LOAD_ENDS), whole


def demo_seed(stack: BenchStack, runs: int, scripts: int, users: int) -> list[Row]:
    rates, wholes = [], []
    for run in range(runs):
        load_s, whole_s = seed_once(stack, scripts, users)
        rates.append(scripts / load_s)
        wholes.append(whole_s)
        say(f"seed run {run + 1}/{runs}: load {load_s:.1f} s, whole {whole_s:.1f} s")
    return [
        measured(
            f"demo seed: {scripts:,} scripts with embeddings",
            "scripts/s",
            rates,
            note="generate + embed + COPY phase of seed_database, in-process",
        ),
        measured(f"demo seed: whole seed_database, {scripts:,} scripts", "s", wholes),
    ]


def demo_ready(runs: int, scripts: int, users: int, *, judged: bool = True) -> list[Row]:
    """``judged``: the 60 s target is the default size's; larger sizes are context."""
    times = []
    for run in range(runs):
        times.append(demo_startup.one_run(scripts, users))
        say(f"demo ready run {run + 1}/{runs} ({scripts:,} scripts): {times[-1]:.1f} s")
    return [
        measured(
            f"demo ready: {scripts:,} scripts",
            "s",
            times,
            target=Target(demo_startup.TARGET_S, on_ratio=False) if judged else None,
            note=f"psadmin demo --serve to its URLs; {scripts / min(times):,.0f} scripts/s "
            "end to end at best",
        )
    ]
