"""Screen 3: table health and bloat, and VACUUM with live progress.

Cost discipline: every tick reads only the cumulative statistics counters of the known tables
and the progress views (shared memory); the catalog (names, relpages sizes, reloptions,
privileges, xid age) is read on open, every minute and after a VACUUM; the statistical bloat
estimate on open, every few minutes, after a VACUUM and on demand (``e``); pgstattuple reads
one table's pages only when asked (``m``/``M``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from psadmin.models.bloat import BloatEstimate, BloatReport, TableMeasurement
from psadmin.models.errors import BackendError
from psadmin.models.health import Level
from psadmin.models.overview import format_bytes
from psadmin.models.tables import TableCatalog, TableHealthReport, health_report
from psadmin.models.vacuum import (
    VacuumProgress,
)
from screens.context import ScreenContext
from screens.tables_cells import (
    COLUMNS,
    SORT_ORDER,
    SORTS,
    TableRow,
    detail_text,
    matches,
    row_cells,
    sort_rows,
    table_rows,
)
from screens.tables_vacuum import VacuumingScreen
from widgets.keyed_table import KeyedTable
from widgets.vacuum_progress import VacuumProgressPanel

CATALOG_EVERY_S = 60.0
"""New tables, relpages sizes and xid ages change slowly; the counters are read every tick."""
ESTIMATE_EVERY_S = 300.0
"""The statistical estimate reads pg_stats for every column: refreshed every few minutes."""


class TablesScreen(VacuumingScreen):
    panel_title = "Tables"
    AUTO_FOCUS = "#tables"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="tables.filter"),
        Binding("escape", "focus_table", "Back to list", show=False, id="tables.back"),
        Binding("s", "sort", "Sort", id="tables.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="tables.reverse"),
        Binding("v", "vacuum", "VACUUM", id="tables.vacuum"),
        Binding("x", "cancel_vacuum", "Cancel VACUUM", id="tables.cancel_vacuum"),
        Binding("e", "estimate", "Estimate bloat", id="tables.estimate"),
        Binding("m", "measure(False)", "Measure", id="tables.measure"),
        Binding("M", "measure(True)", "Measure exactly", show=False, id="tables.measure_exact"),
        Binding("n", "notices", "Notices", show=False, id="tables.notices"),
    ]
    DEFAULT_CSS = """
    TablesScreen #tables-summary { padding: 0 1; height: auto; }
    TablesScreen #tables-filter { display: none; margin: 0 1; }
    TablesScreen #tables-filter.-shown { display: block; }
    TablesScreen #tables { height: 1fr; min-height: 6; }
    TablesScreen #tables-detail {
        height: auto; max-height: 35%; overflow-y: auto; padding: 0 1;
        border-top: solid $panel-lighten-2;
    }
    """

    @dataclass
    class Loaded(Message):
        report: TableHealthReport
        bloat: BloatReport | None
        """A fresh estimate when one was due this tick, else None (keep the last one)."""
        progress: list[VacuumProgress]

    @dataclass
    class Measured(Message):
        measurement: TableMeasurement

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.bloat: BloatReport | None = None
        self.estimates: dict[int, BloatEstimate] = {}
        self.rows: dict[int, TableRow] = {}
        self.measurement: TableMeasurement | None = None
        self.sort = "light"
        self.reverse = False
        self.catalog: TableCatalog | None = None
        self._catalog_at: float | None = None
        self._catalog_wanted = False
        self._estimated_at: float | None = None
        self._estimate_wanted = True

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="tables-summary")
        yield Input(placeholder="filter: table name, level, reason (enter)", id="tables-filter")
        yield KeyedTable(COLUMNS, id="tables")
        yield VacuumProgressPanel(id="vacuum-progress")
        yield Static("", id="tables-detail")

    # -- loading ---------------------------------------------------------------------------

    def _estimate_due(self) -> bool:
        if self._estimate_wanted or self._estimated_at is None:
            return True
        return time.monotonic() - self._estimated_at >= ESTIMATE_EVERY_S

    def _catalog_due(self) -> bool:
        if self.catalog is None or self._catalog_at is None or self._catalog_wanted:
            return True
        return time.monotonic() - self._catalog_at >= CATALOG_EVERY_S

    async def fetch(self) -> Message:
        backend = self.context.backend
        if self._catalog_due():
            self.catalog = await backend.table_catalog()
            self._catalog_at, self._catalog_wanted = time.monotonic(), False
        assert self.catalog is not None
        stats = await backend.table_stats(self.catalog.relids)
        report = health_report(self.catalog, stats)
        bloat: BloatReport | None = None
        if self._estimate_due():
            bloat = await backend.table_bloat()
            self._estimated_at, self._estimate_wanted = time.monotonic(), False
        return self.Loaded(report, bloat, await backend.vacuum_progress())

    def on_tables_screen_loaded(self, loaded: Loaded) -> None:
        self.report = loaded.report
        if loaded.bloat is not None:
            self.bloat = loaded.bloat
            self.estimates = {e.relid: e for e in loaded.bloat.estimates}
        self.show_rows()
        self.show_progress(loaded.progress)

    def on_tables_screen_measured(self, message: Measured) -> None:
        self.measurement = message.measurement
        m = message.measurement
        self.notify(
            f"{m.function}: (dead + free) / length {(m.bloat_ratio or 0) * 100:.1f} % "
            f"in {m.elapsed_ms:.0f} ms",
            title="Measured",
        )
        self.show_detail()

    # -- display ---------------------------------------------------------------------------

    def show_rows(self) -> None:
        if self.report is None:
            return
        rows = table_rows(self.report, self.estimates, self.context.thresholds)
        self.rows = {row.key: row for row in rows}
        needle = self.query_one("#tables-filter", Input).value.strip()
        shown = sort_rows((r for r in rows if matches(r, needle)), self.sort, self.reverse)
        now = self.report.taken_at
        self.query_one("#tables", KeyedTable).show((r.key, row_cells(r, now)) for r in shown)
        self.show_summary(rows, len(shown), needle)
        self.show_detail()

    def show_summary(self, rows: list[TableRow], shown: int, needle: str) -> None:
        assert self.report is not None
        counts = {level: sum(1 for r in rows if r.level is level) for level in Level}
        label, _ = SORTS[self.sort]
        text = Text()
        text.append(f"{shown} of {len(rows)} tables", style="bold")
        text.append(f" · {counts[Level.CRITICAL]} critical", style="red")
        text.append(f" · {counts[Level.WARNING]} warning", style="yellow")
        autovacuum = "on" if self.report.settings.enabled else "OFF"
        text.append(f" · autovacuum {autovacuum} · sorted by {label}")
        text.append(" (reversed)" if self.reverse else "")
        text.append(f" · filter {needle!r}" if needle else "")
        if self.bloat is not None and self._estimated_at is not None:
            age = time.monotonic() - self._estimated_at
            text.append(
                f"\nbloat estimate {age:.0f} s old ({self.bloat.elapsed_ms:.0f} ms; e refreshes)",
                style="dim",
            )
        hidden = self.bloat.hidden_tables if self.bloat is not None else 0
        doubtful = sum(1 for e in self.estimates.values() if not e.reliable and not e.stats_hidden)
        if doubtful:
            text.append(
                f"\n? {doubtful} estimates rest on stale or missing statistics (see the "
                "table's detail: ANALYZE it, or measure with m)",
                style="yellow",
            )
        if hidden:
            caps = self.capabilities()
            role = caps.role if caps else "this role"
            text.append(
                f"\n⚠ pg_stats rows of {hidden} tables are hidden from {role} (no SELECT on "
                "them): their bloat estimates can be badly wrong (marked ?) — GRANT SELECT, "
                "or GRANT pg_read_all_data",
                style="yellow",
            )
        self.query_one("#tables-summary", Static).update(text)

    def after_vacuum(self) -> None:
        self._estimate_wanted = self._catalog_wanted = True  # relpages and reltuples changed

    def selected_row(self) -> TableRow | None:
        key = self.query_one("#tables", KeyedTable).selected_key
        return self.rows.get(key) if isinstance(key, int) else None

    def show_detail(self) -> None:
        row = self.selected_row()
        detail = self.query_one("#tables-detail", Static)
        if row is None or self.report is None:
            detail.update(Text("no table selected", style="dim"))
            return
        running = next((p for p in self.progress if p.relid == row.key), None)
        detail.update(
            detail_text(
                row,
                self.report.taken_at,
                self.measurement,
                self.comparison,
                running,
                self.report.block_size,
            )
        )

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column in SORTS:
            self.reverse = not self.reverse if column == self.sort else False
            self.sort = column
            self.show_rows()

    # -- filter and sort -------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#tables-filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_focus_table(self) -> None:
        box = self.query_one("#tables-filter", Input)
        if not box.value:
            box.remove_class("-shown")
        self.query_one("#tables", KeyedTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "tables-filter":
            self.show_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "tables-filter":
            self.action_focus_table()

    def action_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.reverse = False
        self.show_rows()

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self.show_rows()

    # -- estimate and measurement ----------------------------------------------------------

    def action_estimate(self) -> None:
        self._estimate_wanted = True
        self.notify("Re-estimating bloat from pg_class and pg_stats…", title="Estimate")
        self.tick()

    def action_measure(self, exact: bool) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("Select a table first.", severity="warning")
            return
        t = row.health
        reads = t.pages if exact else max(t.pages - t.all_visible_pages, 0)
        function = "pgstattuple" if exact else "pgstattuple_approx"
        block = self.report.block_size if self.report else 8192
        self.notify(
            f"{function} on {t.qualified}: reads ≈ {format_bytes(reads * block)}",
            title="Measuring",
        )
        self.run_worker(
            self._measure(t.relid, exact), group="measure", exclusive=True, exit_on_error=False
        )

    async def _measure(self, relid: int, exact: bool) -> None:
        try:
            measurement = await self.context.backend.measure_table(relid, exact)
        except BackendError as exc:
            self.notify(exc.message, title="Measurement failed", severity="error")
            return
        self.post_message(self.Measured(measurement))
