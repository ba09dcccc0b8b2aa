"""Screen 4: index usage, tables read by sequential scans, and the schema audit's findings.

Usage counters are re-read at most every USAGE_EVERY_S, from shared memory, for the indexes
already listed; the list of indexes, their flags and sizes (sizing opens every index) when the
screen opens, every CATALOG_EVERY_S, with the audit and after an index was built. The audit
reads the whole catalog, so it runs when the screen opens, on demand (``a``) and after an index
was built, never on every tick. Bloat is estimated on demand (``b``). While a CREATE INDEX
CONCURRENTLY that this screen asked for runs, each tick reads its progress.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from psadmin.models.indexes import Finding, IndexAudit, IndexBloat, IndexUsage
from psadmin.models.vectors import IndexBuild
from screens.base import PanelScreen, PollingScreen
from screens.context import ScreenContext
from screens.indexes_cells import (
    FINDING_COLUMNS,
    MAX_ROWS,
    SEQ_COLUMNS,
    USAGE_COLUMNS,
    USAGE_SORT_ORDER,
    create_index_request,
    finding_detail,
    finding_rows,
    progress_text,
    seq_rows,
    summary,
    usage_rows,
)
from widgets.keyed_table import Cell, KeyedTable

TABLES = {"findings": "#findings-table", "usage": "#usage-table", "seqscans": "#seq-table"}
USAGE_EVERY_S = 10.0
"""Index counters move slowly; reading them for 7,500 indexes costs the server about 10 ms."""
CATALOG_EVERY_S = 60.0
"""The list of indexes, flags and sizes: sizing 7,500 indexes opens each of them (about 60 ms
of server time with the catalog read), and sizes change slowly."""


class IndexesScreen(PollingScreen):
    panel_title = "Indexes"
    AUTO_FOCUS = "#findings-table"

    DEFAULT_CSS = """
    IndexesScreen #summary { height: auto; padding: 0 1; }
    IndexesScreen #progress { display: none; height: auto; padding: 0 1; color: $accent; }
    IndexesScreen #progress.-shown { display: block; }
    IndexesScreen #filter { display: none; }
    IndexesScreen #filter.-shown { display: block; }
    IndexesScreen #tabs { height: 1fr; }
    IndexesScreen KeyedTable { height: 1fr; border: round $panel-lighten-2; }
    IndexesScreen #finding-detail {
        height: auto; max-height: 11; border: round $panel-lighten-2; padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("f", "show_tab('findings')", "Findings", id="indexes.findings"),
        Binding("u", "show_tab('usage')", "Usage", id="indexes.usage"),
        Binding("t", "show_tab('seqscans')", "Seq scans", id="indexes.seqscans"),
        Binding("a", "audit", "Run audit", id="indexes.audit"),
        Binding("y", "copy_sql", "Copy SQL", id="indexes.copy"),
        Binding("c", "create_index", "Create index", id="indexes.create"),
        Binding("b", "bloat", "Estimate bloat", id="indexes.bloat"),
        Binding("s", "sort", "Sort usage", id="indexes.sort"),
        Binding("slash", "filter", "Filter", id="indexes.filter"),
    ]

    @dataclass
    class Loaded(Message):
        usage: IndexUsage | None
        """None when this load did not re-read usage."""
        audit: IndexAudit | None
        """None when this load did not run the audit."""
        bloat: list[IndexBloat] | None
        builds: tuple[IndexBuild, ...] | None
        """Index builds in progress, read only while this screen waits for one."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.usage: IndexUsage | None = None
        self.audit: IndexAudit | None = None
        self.bloat: dict[str, IndexBloat] = {}
        self.findings: dict[str, Finding] = {}
        self.audit_wanted = True
        self.bloat_wanted = False
        self.building: str | None = None
        """The index a create_index action of this screen is building (until it finishes)."""
        self.sort = "size"
        self.needle = ""
        self.usage_every_s = USAGE_EVERY_S
        self.catalog_every_s = CATALOG_EVERY_S
        self.catalog_wanted = True
        """Read the list of indexes and their sizes at the next load (with the audit)."""
        self._usage_read_at = -USAGE_EVERY_S
        self._catalog_read_at = -CATALOG_EVERY_S

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="summary")
        yield Static(id="progress")
        yield Input(
            placeholder="filter: part of a table, index or finding key (enter)", id="filter"
        )
        with TabbedContent(initial="findings", id="tabs"):
            with TabPane("Findings", id="findings"):
                yield KeyedTable(FINDING_COLUMNS, id="findings-table")
                yield Static(finding_detail(None), id="finding-detail")
            with TabPane("Usage", id="usage"):
                yield KeyedTable(USAGE_COLUMNS, id="usage-table")
            with TabPane("Seq scans", id="seqscans"):
                yield KeyedTable(SEQ_COLUMNS, id="seq-table")

    async def fetch(self) -> Message:
        backend = self.context.backend
        usage = None
        now = time.monotonic()
        known = self.usage
        if self.catalog_wanted or now - self._catalog_read_at >= self.catalog_every_s:
            known, self.catalog_wanted = None, False  # set again by ``a`` while this runs
        if known is None or now - self._usage_read_at >= self.usage_every_s:
            try:
                usage = await backend.index_usage(known)
            except BaseException:
                if known is None:
                    self.catalog_wanted = True  # not read: the next load tries again
                raise
            self._usage_read_at = time.monotonic()
            if known is None:
                self._catalog_read_at = self._usage_read_at
        audit = await backend.index_audit() if self.audit_wanted else None
        bloat = await backend.index_bloat() if self.bloat_wanted else None
        builds = await backend.index_builds() if self.building is not None else None
        return self.Loaded(usage, audit, bloat, builds)

    # -- showing ------------------------------------------------------------------------------

    def on_indexes_screen_loaded(self, loaded: Loaded) -> None:
        if loaded.usage is not None:
            self.usage = loaded.usage
        if loaded.audit is not None:
            self.audit, self.audit_wanted = loaded.audit, False
            self.findings = {f.key: f for f in loaded.audit.findings}
        if loaded.bloat is not None:
            self.bloat, self.bloat_wanted = {b.key: b for b in loaded.bloat}, False
        if loaded.builds is not None and self.building is not None:
            self._show_progress(progress_text(loaded.builds))
        self.show()

    def show(self) -> None:
        self.query_one("#summary", Static).update(
            summary(self.usage, self.audit, auditing=self.audit_wanted)
        )
        if self.audit is not None:
            self._fill(
                "#findings-table", "findings", finding_rows(self.audit.findings, self.needle)
            )
            self._show_detail()
        if self.usage is not None:
            rows = usage_rows(self.usage, self.sort, self.bloat, self.needle)
            self._fill("#usage-table", f"indexes by {self.sort}", rows)
            self._fill("#seq-table", "tables", seq_rows(self.usage.seq_scan_tables, self.needle))

    def _fill(
        self, selector: str, what: str, rows: Iterable[tuple[Hashable, Sequence[Cell]]]
    ) -> None:
        every = list(rows)
        table = self.query_one(selector, KeyedTable)
        table.show(every[:MAX_ROWS])
        shown = f"{MAX_ROWS} of {len(every)}" if len(every) > MAX_ROWS else str(len(every))
        table.border_title = f"{what}: {shown}" + (
            " (/ to narrow)" if len(every) > MAX_ROWS else ""
        )

    def _show_detail(self) -> None:
        self.query_one("#finding-detail", Static).update(finding_detail(self.selected_finding()))

    def _show_progress(self, text: str | None) -> None:
        widget = self.query_one("#progress", Static)
        widget.set_class(text is not None, "-shown")
        widget.update(text or "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "findings-table":
            self._show_detail()

    def selected_finding(self) -> Finding | None:
        key = self.query_one("#findings-table", KeyedTable).selected_key
        return None if key is None else self.findings.get(str(key))

    # -- bindings -----------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(TABLES[tab], KeyedTable).focus()

    def action_audit(self) -> None:
        self.audit_wanted = self.catalog_wanted = True
        self.show()
        self.tick()

    def action_bloat(self) -> None:
        self.bloat_wanted = True
        self.notify("Estimating btree bloat from statistics…", title="Indexes")
        self.action_show_tab("usage")
        self.tick()

    def action_sort(self) -> None:
        self.sort = USAGE_SORT_ORDER[
            (USAGE_SORT_ORDER.index(self.sort) + 1) % len(USAGE_SORT_ORDER)
        ]
        self.query_one("#usage-table", KeyedTable).border_title = f"by {self.sort}"
        self.show()

    def action_copy_sql(self) -> None:
        finding = self.selected_finding()
        if finding is None:
            self.notify("Select a finding first (f).", severity="warning")
            return
        self.app.copy_to_clipboard(finding.remediation)
        self.notify(f"Remediation of {finding.key} copied.", title="Copied")

    def action_create_index(self) -> None:
        finding = self.selected_finding()
        if finding is None:
            self.notify("Select a finding first (f).", severity="warning")
            return
        request = create_index_request(finding)
        if request is None:
            self.notify(
                "This finding is not fixed by building an index; y copies its SQL.",
                severity="warning",
            )
            return
        if self.building is not None:
            self.notify(f"Still building {self.building}.", severity="warning")
            return
        self.building = str(request.params["name"])
        self.request_action(request)

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        # PollingScreen's handler runs as well (Textual calls each class's) and reloads
        if message.request.kind == "create_index":
            self.building = None
            self._show_progress(None)
            if message.outcome is not None:
                self.audit_wanted = self.catalog_wanted = True

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.needle = event.value.strip()
            self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            if not event.value.strip():
                event.input.remove_class("-shown")
            active = self.query_one("#tabs", TabbedContent).active
            self.query_one(TABLES.get(active, "#findings-table"), KeyedTable).focus()
