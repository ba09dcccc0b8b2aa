"""Screen 1: health at a glance, with lights against the seed's monitoring targets."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.worker import Worker

from psadmin.models.errors import BackendError
from psadmin.models.overview import (
    ActivityRates,
    ActivitySample,
    DatabaseSize,
    activity_rates,
    postgres_metrics,
    redis_metrics,
)
from psadmin.models.redis import RedisRates, RedisStatus, redis_rates
from screens.base import PollingScreen
from screens.context import ScreenContext
from widgets.history_chart import HistoryChart
from widgets.metric_tile import MetricTile

HISTORY_POINTS = 180
"""Points kept per chart: six minutes at the default 2 s refresh."""
SIZE_EVERY_S = 60.0
"""pg_database_size() is the costliest thing a monitor runs; sizes change slowly."""

TILES = (
    ("server", "Server"),
    ("connections", "Connections"),
    ("tps", "Transactions/s"),
    ("cache_hit", "Cache hit"),
    ("longest_transaction", "Longest transaction"),
    ("database_size", "Database size"),
    ("redis_memory", "Redis memory"),
    ("redis_hit_rate", "Redis hit rate"),
)


class OverviewScreen(PollingScreen):
    panel_title = "Overview"

    DEFAULT_CSS = """
    OverviewScreen #tiles {
        grid-size: 4;
        grid-gutter: 0 1;
        height: auto;
        padding: 0 1;
    }
    OverviewScreen #charts {
        height: 1fr;
        padding: 0 1;
    }
    """

    @dataclass
    class Loaded(Message):
        sample: ActivitySample
        size: DatabaseSize | None

    @dataclass
    class RedisLoaded(Message):
        redis: RedisStatus

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.previous: ActivitySample | None = None
        self.previous_redis: RedisStatus | None = None
        self.db_size: DatabaseSize | None = None
        self._size_checked = -SIZE_EVERY_S
        self._redis_loader: Worker[None] | None = None
        self._redis_started = False
        self.history: dict[str, deque[float | None]] = {
            name: deque(maxlen=HISTORY_POINTS)
            for name in ("connections", "tps", "cache_hit", "redis_hit")
        }

    def compose_body(self) -> ComposeResult:
        with Grid(id="tiles"):
            for key, label in TILES:
                yield MetricTile(label, id=f"tile-{key}")
        t = self.context.thresholds
        with Horizontal(id="charts"):
            yield HistoryChart(
                "Connections used %",
                unit=" %",
                y_max=100,
                threshold=t.connections_warn * 100,
                id="chart-connections",
            )
            yield HistoryChart("Transactions/s", id="chart-tps")
            yield HistoryChart(
                "Cache hit %",
                unit=" %",
                y_max=100,
                threshold=t.cache_hit_warn * 100,
                id="chart-cache_hit",
            )
            yield HistoryChart(
                "Redis hit %",
                unit=" %",
                y_max=100,
                threshold=t.redis_hit_warn * 100,
                id="chart-redis_hit",
            )

    async def fetch(self) -> Message:
        backend = self.context.backend
        sample = await backend.activity_sample()
        now = time.monotonic()
        size = self.db_size
        if now - self._size_checked >= SIZE_EVERY_S:
            size = await backend.database_size()
            self._size_checked = now
        return self.Loaded(sample, size)

    # Redis is read by its own worker: a slow or unreachable Redis must not hold back the
    # server's figures. The first read waits until those are painted (or failed), so loading
    # the Redis driver does not delay the console's first figures either.

    def tick(self) -> None:
        super().tick()
        if self._redis_started:
            self._read_redis()

    def load_failed(self, error: BackendError) -> None:
        super().load_failed(error)
        self._read_redis()

    def _read_redis(self) -> None:
        self._redis_started = True
        if self._redis_loader is None or self._redis_loader.is_finished:
            self._redis_loader = self.run_worker(
                self._load_redis(),
                group="load-redis",
                description="load Redis",
                exit_on_error=False,
            )

    async def _load_redis(self) -> None:
        try:
            status = await self.context.backend.redis_status()
        except Exception as exc:  # a poll error must never end the app
            status = RedisStatus(None, f"{type(exc).__name__}: {exc}".splitlines()[0])
        self.post_message(self.RedisLoaded(status))

    def on_overview_screen_loaded(self, loaded: Loaded) -> None:
        caps = self.capabilities()
        if caps is None:
            return
        rates: ActivityRates | None = None
        if self.previous is not None:
            rates = activity_rates(self.previous, loaded.sample)
        self.previous, self.db_size = loaded.sample, loaded.size
        t = self.context.thresholds
        for metric in postgres_metrics(caps, loaded.sample, rates, loaded.size, t):
            self.query_one(f"#tile-{metric.key}", MetricTile).show(metric)

        self.history["connections"].append(
            100 * loaded.sample.connections / caps.usable_connections
        )
        self.history["tps"].append(rates.tps if rates else None)
        hit = rates.cache_hit_ratio if rates else None
        self.history["cache_hit"].append(None if hit is None else hit * 100)
        for name in ("connections", "tps", "cache_hit"):
            self._chart(name)
        if not self._redis_started:
            self.call_after_refresh(self._read_redis)

    def on_overview_screen_redis_loaded(self, loaded: RedisLoaded) -> None:
        r_rates: RedisRates | None = None
        previous = self.previous_redis.sample if self.previous_redis else None
        if previous is not None and loaded.redis.sample is not None:
            r_rates = redis_rates(previous, loaded.redis.sample)
        self.previous_redis = loaded.redis
        for metric in redis_metrics(loaded.redis, r_rates, self.context.thresholds):
            self.query_one(f"#tile-{metric.key}", MetricTile).show(metric)
        r_hit = r_rates.hit_rate if r_rates else None
        self.history["redis_hit"].append(None if r_hit is None else r_hit * 100)
        self._chart("redis_hit")

    def _chart(self, name: str) -> None:
        self.query_one(f"#chart-{name}", HistoryChart).show(
            self.history[name], self.context.refresh_s
        )
