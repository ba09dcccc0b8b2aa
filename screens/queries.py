"""Screen 5: the slowest statements (pg_stat_statements), long-running queries, EXPLAIN.

Each tick reads the statements' numbers (texts are cached by the backend) and the long-running
queries; the interval figures are the differences between this tick and the previous one.
Plain EXPLAIN is a read and runs at once; EXPLAIN ANALYZE executes the statement, so it goes
through the admin-action path (typed confirmation, audit, rolled-back transaction).
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from psadmin.models.errors import BackendError
from psadmin.models.statement_actions import (
    analyze_result,
    explain_analyze_request,
    reset_request,
)
from psadmin.models.statements import (
    GENERIC_PLAN_SINCE,
    ExplainResult,
    IntervalDeltas,
    LongRunningQueries,
    LongRunningQuery,
    RankedStatement,
    StatementSample,
    StatementSort,
    explainable,
    interval_deltas,
    parameter_count,
    rank_statements,
)
from screens.base import PanelScreen, PollingScreen
from screens.context import ScreenContext
from screens.queries_cells import (
    LONG_COLUMNS,
    STATEMENT_COLUMNS,
    long_cells,
    long_title,
    statement_cells,
    summary_text,
)
from screens.statement_modals import (
    LongQueryScreen,
    ParametersScreen,
    PlanScreen,
    StatementDetailScreen,
)
from widgets.keyed_table import KeyedTable

TOP_N = 100
"""Statements listed; the snapshot and the totals still cover all of them."""


class QueriesScreen(PollingScreen):
    panel_title = "Queries"
    AUTO_FOCUS = "#statements"
    BINDINGS = [
        Binding("s", "sort", "Sort", id="queries.sort"),
        Binding("i", "toggle_interval", "Interval / since reset", id="queries.interval"),
        Binding("d", "detail", "Detail", id="queries.detail"),
        Binding("e", "explain", "EXPLAIN", id="queries.explain"),
        Binding("p", "explain_with_values", "EXPLAIN with values", id="queries.parameters"),
        Binding("A", "analyze", "EXPLAIN ANALYZE", id="queries.analyze"),
        Binding("R", "reset", "Reset stats", id="queries.reset"),
    ]
    DEFAULT_CSS = """
    QueriesScreen #queries-summary { padding: 0 1; height: auto; }
    QueriesScreen #statements { height: 2fr; min-height: 5; }
    QueriesScreen #long-title { padding: 0 1; height: 2; border-top: solid $panel-lighten-2; }
    QueriesScreen #long-running { height: 1fr; min-height: 4; }
    """

    @dataclass
    class Loaded(Message):
        sample: StatementSample
        long: LongRunningQueries

    @dataclass
    class Explained(Message):
        result: ExplainResult

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.sample: StatementSample | None = None
        self.deltas: IntervalDeltas | None = None
        self.long: LongRunningQueries | None = None
        self.ranked: dict[str, RankedStatement] = {}
        self.sort = StatementSort.TOTAL_TIME
        self.per_interval = False
        self.last_plan: ExplainResult | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="queries-summary")
        yield KeyedTable(STATEMENT_COLUMNS, id="statements")
        yield Static("", id="long-title")
        yield KeyedTable(LONG_COLUMNS, id="long-running")

    # -- loading ---------------------------------------------------------------------------

    async def fetch(self) -> Message:
        backend = self.context.backend
        sample = await backend.statement_sample()
        long = await backend.long_running_queries(self.context.thresholds.query_warn_ms)
        return self.Loaded(sample, long)

    def on_queries_screen_loaded(self, loaded: Loaded) -> None:
        previous, self.sample = self.sample, loaded.sample
        self.deltas = None
        if previous is not None and previous.availability.available:
            self.deltas = interval_deltas(previous, loaded.sample)
        self.long = loaded.long
        self.show_statements()
        self.show_long_running()

    # -- display ---------------------------------------------------------------------------

    def show_statements(self) -> None:
        sample = self.sample
        ranked = (
            rank_statements(
                sample, self.deltas, self.sort, per_interval=self.per_interval, limit=TOP_N
            )
            if sample is not None
            else []
        )
        self.ranked = {str(r.stats.key): r for r in ranked}
        thresholds = self.context.thresholds
        self.query_one("#statements", KeyedTable).show(
            (r.stats.key, statement_cells(r, self.per_interval, thresholds)) for r in ranked
        )
        self.query_one("#queries-summary", Static).update(
            summary_text(sample, self.deltas, self.sort, self.per_interval, len(ranked))
        )

    def show_long_running(self) -> None:
        queries = self.long.queries if self.long else ()
        thresholds = self.context.thresholds
        self.query_one("#long-running", KeyedTable).show(
            ((q.pid, q.backend_start), long_cells(q, thresholds)) for q in queries
        )
        self.query_one("#long-title", Static).update(long_title(self.long))

    def selected(self) -> RankedStatement | None:
        key = self.query_one("#statements", KeyedTable).selected_key
        return None if key is None else self.ranked.get(str(key))

    def selected_long(self) -> LongRunningQuery | None:
        key = self.query_one("#long-running", KeyedTable).selected_key
        queries = self.long.queries if self.long else ()
        return next((q for q in queries if (q.pid, q.backend_start) == key), None)

    # -- bindings --------------------------------------------------------------------------

    def action_sort(self) -> None:
        self.sort = self.sort.next()
        self.show_statements()

    def action_toggle_interval(self) -> None:
        self.per_interval = not self.per_interval
        self.show_statements()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        if self.query_one("#long-running", KeyedTable).has_focus:
            long = self.selected_long()
            if long is not None:
                self.app.push_screen(LongQueryScreen(long))
            return
        ranked = self.selected()
        if ranked is not None:
            self.app.push_screen(StatementDetailScreen(ranked), partial(self._after_detail, ranked))

    def _after_detail(self, ranked: RankedStatement, choice: str | None) -> None:
        """Act on the statement the detail showed, whatever the cursor does meanwhile."""
        if choice == "explain":
            self.explain(ranked)
        elif choice == "parameters":
            self.explain(ranked, ask=True)
        elif choice == "analyze":
            self.analyze(ranked)

    def _explainable(self, ranked: RankedStatement | None) -> RankedStatement | None:
        if ranked is None:
            self.notify("Select a statement first.", severity="warning")
            return None
        text = ranked.stats.query
        if text is None or not explainable(text):
            self.notify(
                "EXPLAIN covers SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES and WITH only.",
                title="Cannot EXPLAIN",
                severity="warning",
            )
            return None
        return ranked

    def explain(self, ranked: RankedStatement | None, *, ask: bool = False) -> None:
        """EXPLAIN; values are asked for when ``ask``, or when ``$n`` has no generic plan."""
        ranked = self._explainable(ranked)
        if ranked is None:
            return
        caps = self.capabilities()
        generic = caps is None or caps.server_version_num >= GENERIC_PLAN_SINCE
        ask = ask or (parameter_count(ranked.stats.query or "") > 0 and not generic)
        self._start(self._explain(ranked, ask))

    def analyze(self, ranked: RankedStatement | None) -> None:
        ranked = self._explainable(ranked)
        if ranked is not None:
            self._start(self._analyze(ranked))

    def action_explain(self) -> None:
        self.explain(self.selected())

    def action_explain_with_values(self) -> None:
        self.explain(self.selected(), ask=True)

    def action_analyze(self) -> None:
        self.analyze(self.selected())

    def action_reset(self) -> None:
        sample = self.sample
        if sample is None or not sample.availability.available:
            self.notify("pg_stat_statements is not available here.", severity="warning")
            return
        caps = self.capabilities()
        database = caps.database if caps else "this database"
        self.request_action(reset_request(database, sample.availability.extension_version))

    # -- EXPLAIN ---------------------------------------------------------------------------

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        self.run_worker(work, group="explain", exclusive=True, exit_on_error=False)

    async def _values(self, ranked: RankedStatement, purpose: str) -> tuple[str, ...] | None:
        """Ask for the statement's parameter values; () when it has none, None if cancelled."""
        types = await self.context.backend.statement_parameters(ranked.stats.key)
        if not types:
            return ()
        text = ranked.stats.query or ""
        return await self.app.push_screen_wait(ParametersScreen(text, types, purpose))

    async def _explain(self, ranked: RankedStatement, ask: bool) -> None:
        try:
            values: tuple[str, ...] | None = None
            if ask:
                values = await self._values(ranked, "EXPLAIN")
                if values is None:
                    return
            result = await self.context.backend.explain_statement(ranked.stats.key, values)
        except BackendError as exc:
            self.notify(exc.message, title="EXPLAIN failed", severity="error")
            return
        self.post_message(self.Explained(result))

    async def _analyze(self, ranked: RankedStatement) -> None:
        try:
            values = await self._values(ranked, "EXPLAIN ANALYZE")
        except BackendError as exc:
            self.notify(exc.message, title="EXPLAIN ANALYZE", severity="error")
            return
        if values is not None:
            text = ranked.stats.query or ""
            self.request_action(explain_analyze_request(ranked.stats.key, text, values))

    def on_queries_screen_explained(self, message: Explained) -> None:
        self.last_plan = message.result
        self.app.push_screen(PlanScreen(message.result))

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        super().on_panel_screen_action_finished(message)
        outcome = message.outcome
        if message.request.kind == "explain_analyze" and outcome and "plan" in outcome.details:
            self.post_message(self.Explained(analyze_result(message.request, outcome.details)))
        elif message.request.kind == "reset_statement_stats" and outcome is not None:
            self.sample, self.deltas = None, None  # the next tick starts the intervals afresh
