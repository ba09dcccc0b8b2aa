"""Screen 7: browse PowerShell scripts, find similar ones with pgvector, watch vector health.

The list is read when it is asked for (a filter, a sort, a page, ``r``), not on every tick:
scripts change slowly and a page of them is the costliest read here. A tick reads only the
index-build progress (one small view); coverage and the index inventory every minute and
after an action. Embed missing and the recall check go through the app's audited action path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from psadmin.models.errors import BackendError
from psadmin.models.scripts import (
    SORT_CYCLE,
    FilterError,
    ScriptFilter,
    ScriptPage,
    ScriptQuery,
    ScriptRow,
    cursor_of,
)
from psadmin.models.vectors import (
    DEFAULT_EF_SEARCH,
    EF_SEARCH_STEPS,
    IndexBuild,
    SimilarQuery,
    SimilarResult,
    VectorHealth,
    embed_missing_request,
    recall_check_request,
)
from screens.base import PanelScreen, PollingScreen
from screens.context import ScreenContext
from screens.script_detail import ScriptDetailScreen
from screens.scripts_cells import (
    SCRIPT_COLUMNS,
    SIMILAR_COLUMNS,
    health_text,
    page_summary,
    script_cells,
    similar_cells,
    similar_subtitle,
    similar_title,
)
from widgets.keyed_table import KeyedTable

HEALTH_EVERY_S = 60.0
"""Coverage counts read every script; index builds are followed on every tick instead."""

PageKey = tuple[ScriptQuery, int]
SimilarKey = tuple[SimilarQuery | None, int]


def step_ef_search(current: int, step: int) -> int:
    """The next ef_search in EF_SEARCH_STEPS up (+1) or down (-1) from ``current``."""
    if step > 0:
        return next((s for s in EF_SEARCH_STEPS if s > current), EF_SEARCH_STEPS[-1])
    return next((s for s in reversed(EF_SEARCH_STEPS) if s < current), EF_SEARCH_STEPS[0])


class ScriptsScreen(PollingScreen):
    panel_title = "Scripts"
    AUTO_FOCUS = "#scripts-table"

    DEFAULT_CSS = """
    ScriptsScreen #scripts-filter { display: none; margin: 0 1; }
    ScriptsScreen #scripts-filter.-shown { display: block; }
    ScriptsScreen #scripts-summary { height: 1; padding: 0 1; }
    ScriptsScreen #scripts-table { height: 1fr; }
    ScriptsScreen #scripts-bottom { height: 12; }
    ScriptsScreen #vector-health {
        width: 1fr; border: round $panel-lighten-2; padding: 0 1; overflow-y: auto;
    }
    ScriptsScreen #similar-table { width: 2fr; height: 100%; border: round $panel-lighten-2; }
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="scripts.filter"),
        Binding("escape", "leave_filter", "Back to list", show=False, id="scripts.leave_filter"),
        Binding("n", "next_page", "Next page", id="scripts.next_page"),
        Binding("p", "previous_page", "Prev page", id="scripts.previous_page"),
        Binding("g", "first_page", "First page", show=False, id="scripts.first_page"),
        Binding("s", "cycle_sort", "Sort", id="scripts.sort"),
        Binding("d", "detail", "Detail", id="scripts.detail"),
        Binding("m", "similar", "Similar", id="scripts.similar"),
        Binding("c", "toggle_same_category", "Same category", id="scripts.same_category"),
        Binding("plus", "ef_search(1)", "ef_search +", show=False, id="scripts.ef_search_up"),
        Binding("minus", "ef_search(-1)", "ef_search -", show=False, id="scripts.ef_search_down"),
        Binding("r", "reload", "Reload", id="scripts.reload"),
        Binding("e", "embed_missing", "Embed missing", id="scripts.embed_missing"),
        Binding("v", "recall_check", "Recall check", id="scripts.recall_check"),
    ]

    @dataclass
    class Loaded(Message):
        page_for: PageKey | None
        page: ScriptPage | None
        health_for: int
        health: VectorHealth | None
        builds: tuple[IndexBuild, ...] | None
        similar_for: SimilarKey | None
        similar: SimilarResult | None

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.query_state = ScriptQuery()
        self.page: ScriptPage | None = None
        self.page_no = 1
        self.rows: dict[int, ScriptRow] = {}
        self.page_generation = 0
        self.page_loaded_for: PageKey | None = None
        self.health: VectorHealth | None = None
        self.health_generation = 0
        self.health_loaded_for = -1
        self.health_at = 0.0
        self.ef_search = DEFAULT_EF_SEARCH
        self.same_category = False
        self.similar_wanted: SimilarQuery | None = None
        self.similar_generation = 0
        self.similar_loaded_for: SimilarKey | None = None
        self.similar: SimilarResult | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder='filter: cat:"Active Directory" tag:csv owner:alice public:yes '
            "sec>=70 words…  (enter)",
            id="scripts-filter",
        )
        yield Static("Loading scripts…", id="scripts-summary")
        yield KeyedTable(SCRIPT_COLUMNS, id="scripts-table")
        with Horizontal(id="scripts-bottom"):
            yield Static(health_text(None, self.ef_search), id="vector-health")
            yield KeyedTable(SIMILAR_COLUMNS, id="similar-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#vector-health", Static).border_title = "Vector health"
        self.query_one("#vector-health", Static).border_subtitle = "e embed missing · v recall"
        self._show_similar()

    # -- loading --------------------------------------------------------------------------

    def _health_due(self) -> bool:
        return (
            self.health_loaded_for != self.health_generation
            or time.monotonic() - self.health_at >= HEALTH_EVERY_S
        )

    async def _find_similar(self, query: SimilarQuery) -> SimilarResult:
        try:
            return await self.context.backend.similar_scripts(query)
        except BackendError as exc:  # the list and the health panel keep working
            return SimilarResult(query, reason=f"search failed: {exc.message}")

    async def fetch(self) -> Message:
        backend = self.context.backend
        health_for, health, builds = self.health_generation, None, None
        try:  # the list must not depend on the health panel
            if self._health_due():
                health = await backend.vector_health()
            else:
                builds = await backend.index_builds()
        except BackendError as exc:
            health = VectorHealth(False, reason=exc.message, fix="r retries")
        page_for: PageKey | None = None
        similar_for: SimilarKey | None = None
        page, similar = None, None
        while True:  # what changed while loading is loaded before anything is shown
            want_page: PageKey = (self.query_state, self.page_generation)
            if want_page not in (self.page_loaded_for, page_for):
                page, page_for = await backend.scripts_page(want_page[0]), want_page
            want_similar: SimilarKey = (self.similar_wanted, self.similar_generation)
            if want_similar[0] is not None and want_similar not in (
                self.similar_loaded_for,
                similar_for,
            ):
                similar, similar_for = await self._find_similar(want_similar[0]), want_similar
            if want_page == (self.query_state, self.page_generation) and want_similar == (
                self.similar_wanted,
                self.similar_generation,
            ):
                return self.Loaded(page_for, page, health_for, health, builds, similar_for, similar)

    def on_scripts_screen_loaded(self, loaded: Loaded) -> None:
        if loaded.page is not None:
            self.page, self.page_loaded_for = loaded.page, loaded.page_for
            if not loaded.page.has_previous:
                self.page_no = 1
            self.rows = {row.id: row for row in loaded.page.rows}
            self.query_one("#scripts-table", KeyedTable).show(
                (row.id, script_cells(row)) for row in loaded.page.rows
            )
        if loaded.health is not None:
            self.health, self.health_loaded_for = loaded.health, loaded.health_for
            self.health_at = time.monotonic()
        elif loaded.builds is not None and self.health is not None:
            if self.health.builds and not loaded.builds:
                self.health_generation += 1  # a build finished: the inventory changed
            self.health = replace(self.health, builds=loaded.builds)
        if loaded.similar is not None:
            self.similar, self.similar_loaded_for = loaded.similar, loaded.similar_for
        self._show_summary()
        self._show_health()
        self._show_similar()

    def _show_summary(self) -> None:
        self.query_one("#scripts-summary", Static).update(
            page_summary(self.query_state, self.page, self.page_no)
        )

    def _show_health(self) -> None:
        self.query_one("#vector-health", Static).update(health_text(self.health, self.ef_search))

    def _show_similar(self) -> None:
        table = self.query_one("#similar-table", KeyedTable)
        result = self.similar
        table.border_title = similar_title(result)
        table.border_subtitle = similar_subtitle(result)
        table.show((item.id, similar_cells(item)) for item in (result.results if result else ()))

    # -- filter, sort, pages ----------------------------------------------------------------

    def _requery(self, query: ScriptQuery) -> None:
        """A new filter or sort starts again from the first page."""
        self.query_state = replace(query, after=None, before=None)
        self.page_no = 1
        self._show_summary()
        self.tick()

    def action_filter(self) -> None:
        box = self.query_one("#scripts-filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_leave_filter(self) -> None:
        box = self.query_one("#scripts-filter", Input)
        if not box.value.strip():
            box.remove_class("-shown")
        self.query_one("#scripts-table", KeyedTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "scripts-filter":
            return
        try:
            wanted = ScriptFilter.parse(event.value)
        except FilterError as exc:
            event.input.border_subtitle = str(exc)
            self.notify(str(exc), title="Filter not applied", severity="warning", timeout=4)
            return
        event.input.border_subtitle = ""
        self.action_leave_filter()
        if wanted != self.query_state.filter:
            self._requery(replace(self.query_state, filter=wanted))

    def action_cycle_sort(self) -> None:
        current = SORT_CYCLE.index(self.query_state.sort)
        self._requery(replace(self.query_state, sort=SORT_CYCLE[(current + 1) % len(SORT_CYCLE)]))

    def action_next_page(self) -> None:
        page = self.page
        if page is None or not page.has_next or not page.rows:
            self.notify("This is the last page.", timeout=2)
            return
        last = cursor_of(page.rows[-1], page.sort)
        self.query_state = replace(self.query_state, after=last, before=None)
        self.page_no += 1
        self.tick()

    def action_previous_page(self) -> None:
        page = self.page
        if page is None or not page.has_previous or not page.rows:
            self.notify("This is the first page.", timeout=2)
            return
        first = cursor_of(page.rows[0], page.sort)
        self.query_state = replace(self.query_state, before=first, after=None)
        self.page_no = max(self.page_no - 1, 1)
        self.tick()

    def action_first_page(self) -> None:
        self._requery(self.query_state)

    def action_reload(self) -> None:
        self.page_generation += 1
        self.health_generation += 1
        if self.similar_wanted is not None:
            self.similar_generation += 1
        self.tick()

    # -- detail and similar ---------------------------------------------------------------------

    def _selected(self) -> ScriptRow | None:
        key = self.query_one("#scripts-table", KeyedTable).selected_key
        row = self.rows.get(key) if isinstance(key, int) else None
        if row is None:
            self.notify("No script selected.", severity="warning", timeout=3)
        return row

    def open_detail(self, script_id: int) -> None:
        self.app.push_screen(
            ScriptDetailScreen(self.context, script_id, self.ef_search, self.same_category)
        )

    def action_detail(self) -> None:
        row = self._selected()
        if row is not None:
            self.open_detail(row.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        key = table.selected_key if isinstance(table, KeyedTable) else None
        if isinstance(key, int):
            self.open_detail(key)

    def _search_similar(self, script_id: int) -> None:
        self.similar_wanted = SimilarQuery(
            script_id, same_category=self.same_category, ef_search=self.ef_search
        )
        self.similar_generation += 1
        self.tick()

    def action_similar(self) -> None:
        row = self._selected()
        if row is not None:
            self._search_similar(row.id)

    def action_toggle_same_category(self) -> None:
        self.same_category = not self.same_category
        scope = "the same category" if self.same_category else "all categories"
        self.notify(f"Similar scripts from {scope}.", timeout=2)
        if self.similar_wanted is not None:
            self._search_similar(self.similar_wanted.script_id)

    def action_ef_search(self, step: int) -> None:
        self.ef_search = step_ef_search(self.ef_search, step)
        self.notify(f"hnsw.ef_search {self.ef_search}", timeout=2)
        self._show_health()
        if self.similar_wanted is not None:
            self._search_similar(self.similar_wanted.script_id)

    # -- actions ----------------------------------------------------------------------------

    def _health_for_action(self) -> VectorHealth | None:
        health = self.health
        if health is None or not health.available:
            why = "vector health not read yet" if health is None else health.reason
            self.notify(f"Not available: {why}", severity="warning", timeout=4)
            return None
        return health

    def action_embed_missing(self) -> None:
        health = self._health_for_action()
        if health is None:
            return
        if not health.missing:
            self.notify("Every script has an embedding.", timeout=3)
            return
        self.request_action(embed_missing_request(health))

    def action_recall_check(self) -> None:
        health = self._health_for_action()
        if health is None:
            return
        if not health.embedded:
            self.notify("No embeddings to check.", severity="warning", timeout=3)
            return
        self.request_action(recall_check_request(health, ef_search=self.ef_search))

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        self.health_generation += 1
        super().on_panel_screen_action_finished(message)
