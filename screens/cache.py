"""Screen 8: Redis health against the seed's targets, and the PSScript key families.

INFO is read every tick; the family scan is heavier (SCAN over the whole keyspace), so it runs
when the screen first opens, on ``s``, after an invalidation and when Redis comes back.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane
from textual.worker import Worker

from psadmin.models.cache import FamilyScan, FamilyStats
from psadmin.models.cache_health import CacheStatus, RedisHealth, cache_metrics, cache_rates
from psadmin.models.health import Level
from psadmin.models.overview import Metric
from screens.base import PanelScreen, PollingScreen
from screens.cache_cells import (
    FAMILY_COLUMNS,
    KEY_COLUMNS,
    family_request,
    family_row,
    key_request,
    key_row,
    scan_summary,
)
from screens.context import ScreenContext
from widgets.history_chart import HistoryChart
from widgets.keyed_table import KeyedTable
from widgets.metric_tile import MetricTile

HISTORY_POINTS = 180
"""Points kept per chart: six minutes at the default 2 s refresh."""
MB = 1024 * 1024
TILES = (
    ("server", "Redis"),
    ("memory", "Memory"),
    ("hit_rate", "Hit rate"),
    ("ops", "Ops/s"),
    ("evictions", "Evictions"),
    ("fragmentation", "Fragmentation"),
    ("persistence", "Persistence"),
    ("slowlog", "Slow log"),
)
INVALIDATIONS = frozenset({"invalidate_key", "invalidate_family"})


class CacheScreen(PollingScreen):
    panel_title = "Cache"
    BINDINGS = [
        Binding("s", "scan", "Rescan keys", id="cache.scan"),
        Binding("d", "invalidate", "Invalidate", id="cache.invalidate"),
        Binding("k", "focus_key", "Type a key", id="cache.key"),
        Binding("h", "show_tab('health')", "Health", id="cache.health"),
        Binding("f", "show_tab('families')", "Families", id="cache.families"),
    ]
    DEFAULT_CSS = """
    CacheScreen #cache-reason { display: none; padding: 0 1; color: $error; text-style: bold; }
    CacheScreen #cache-reason.-shown { display: block; }
    CacheScreen #cache-tabs, CacheScreen TabPane { height: 1fr; }
    CacheScreen #cache-tiles { grid-size: 4; grid-gutter: 0 1; height: auto; padding: 0 1; }
    CacheScreen #cache-charts { height: 1fr; padding: 0 1; }
    CacheScreen #scan-progress { padding: 0 1; height: auto; max-height: 3; }
    CacheScreen #families-table { height: 2fr; }
    CacheScreen #keys-table { height: 1fr; min-height: 5; border-top: solid $panel-lighten-2; }
    CacheScreen #cache-key { margin: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        status: CacheStatus

    @dataclass
    class Scanned(Message):
        """A step of the family scan (``scan.done`` on the last one)."""

        scan: FamilyScan

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.previous: RedisHealth | None = None
        self.status: CacheStatus | None = None
        self.scan: FamilyScan | None = None
        self._scanner: Worker[None] | None = None
        self.history: dict[str, deque[float | None]] = {
            name: deque(maxlen=HISTORY_POINTS) for name in ("hit_rate", "memory")
        }

    def compose_body(self) -> ComposeResult:
        yield Static("", id="cache-reason")
        t = self.context.thresholds
        with TabbedContent(initial="health", id="cache-tabs"):
            with TabPane("Health", id="health"):
                with Grid(id="cache-tiles"):
                    for key, label in TILES:
                        yield MetricTile(label, id=f"tile-{key}")
                with Horizontal(id="cache-charts"):
                    yield HistoryChart(
                        "Hit rate %",
                        unit=" %",
                        y_max=100,
                        threshold=t.redis_hit_warn * 100,
                        id="chart-hit_rate",
                    )
                    yield HistoryChart("Used memory MB", unit=" MB", id="chart-memory")
            with TabPane("Key families", id="families"):
                yield Static("", id="scan-progress")
                yield KeyedTable(FAMILY_COLUMNS, id="families-table")
                yield KeyedTable(KEY_COLUMNS, id="keys-table")
                yield Input(placeholder="k: type a key to invalidate, then Enter", id="cache-key")

    # -- health, every tick ------------------------------------------------------------------

    async def fetch(self) -> Message:
        return self.Loaded(await self.context.backend.cache_health())

    def on_cache_screen_loaded(self, loaded: Loaded) -> None:
        came_back = self.status is not None and not self.status.available
        self.status = loaded.status
        reason = self.query_one("#cache-reason", Static)
        reason.update(Text(loaded.status.reason) if loaded.status.reason else "")
        reason.set_class(bool(loaded.status.reason), "-shown")
        health = loaded.status.health
        if health is None:
            self.previous = None
            for key, label in TILES:
                self.query_one(f"#tile-{key}", MetricTile).show(
                    Metric(key, label, "unavailable", Level.UNKNOWN, "reachable", "see above")
                )
            self._plot(None, None)
            return
        rates = cache_rates(self.previous, health) if self.previous is not None else None
        self.previous = health
        for metric in cache_metrics(health, rates, self.context.thresholds):
            self.query_one(f"#tile-{metric.key}", MetricTile).show(metric)
        hit = rates.hit_rate if rates else None
        self._plot(None if hit is None else hit * 100, health)
        if came_back and (self.scan is None or self.scan.error is not None):
            self.action_scan()

    def _plot(self, hit_percent: float | None, health: RedisHealth | None) -> None:
        self.history["hit_rate"].append(hit_percent)
        self.history["memory"].append(None if health is None else health.sample.used_memory / MB)
        chart = self.query_one("#chart-memory", HistoryChart)
        if health is not None:
            s = health.sample
            chart.border_title = f"Used memory MB · peak {s.used_memory_peak / MB:,.1f}"
            if s.maxmemory:
                chart.y_max = s.maxmemory / MB
                chart.threshold = chart.y_max * self.context.thresholds.redis_memory_warn
                chart.border_title += f" · max {chart.y_max:,.0f}"
        for name, values in self.history.items():
            self.query_one(f"#chart-{name}", HistoryChart).show(values, self.context.refresh_s)

    # -- key families, on demand -------------------------------------------------------------

    def on_screen_resume(self) -> None:
        # Textual also calls PollingScreen's handler (it restarts the timer and ticks).
        if self.scan is None:
            self.action_scan()

    @property
    def scanning(self) -> bool:
        return self._scanner is not None and not self._scanner.is_finished

    def action_scan(self) -> None:
        if self.scanning:
            self.notify("A key scan is already running.", title="Cache")
            return
        self._scanner = self.run_worker(
            self._scan_keys(), group="scan", description="scan key families", exit_on_error=False
        )

    async def _scan_keys(self) -> None:
        async for step in self.context.backend.scan_key_families():
            self.post_message(self.Scanned(step))

    def on_cache_screen_scanned(self, message: Scanned) -> None:
        self.scan = message.scan
        progress = self.query_one("#scan-progress", Static)
        progress.update(scan_summary(message.scan))
        progress.set_class(message.scan.error is not None, "-error")
        self.query_one("#families-table", KeyedTable).show(
            (stats.family.name, family_row(stats)) for stats in message.scan.families
        )
        self._show_keys()

    def selected_family(self) -> FamilyStats | None:
        name = self.query_one("#families-table", KeyedTable).selected_key
        return None if self.scan is None or name is None else self.scan.family(str(name))

    def _show_keys(self) -> None:
        stats = self.selected_family()
        samples = stats.samples if stats is not None else ()
        table = self.query_one("#keys-table", KeyedTable)
        table.border_title = (
            f"{len(samples)} sampled of {stats.keys:,} in {stats.family.name}" if stats else None
        )
        table.show((k.name, key_row(k)) for k in samples)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "families-table":
            self._show_keys()

    # -- actions -----------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_focus_key(self) -> None:
        self.action_show_tab("families")
        self.query_one("#cache-key", Input).focus()

    def action_invalidate(self) -> None:
        keys = self.query_one("#keys-table", KeyedTable)
        if self.focused is keys and keys.selected_key is not None:
            self.request_action(key_request(str(keys.selected_key)))
            return
        stats = self.selected_family()
        if stats is None or self.query_one(TabbedContent).active != "families":
            self.action_show_tab("families")
            self.notify("Select a key family (or a key) to invalidate.", title="Cache")
            return
        request = family_request(stats)
        if isinstance(request, str):
            self.notify(request, title="Cache", severity="warning")
        else:
            self.request_action(request)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "cache-key" and event.value:
            self.request_action(key_request(event.value))
            event.input.value = ""

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        # PollingScreen's handler runs too and refreshes the health figures.
        if message.outcome is not None and message.request.kind in INVALIDATIONS:
            self.action_scan()  # the counts changed
