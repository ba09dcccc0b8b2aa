"""Screen 2: pool utilization, the activity list, the blocking tree, cancel/terminate.

One backend call per tick (one pg_stat_activity read; pg_locks only while someone waits), and
each widget repaints only what changed: tables update cells by row key, the tree relabels in
place unless who-blocks-whom changed, the gauge repaints only when its reading differs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from psadmin.models.activity import BlockingNode, ConnectionActivity, PgBouncerStatus, Session
from psadmin.models.activity import root_of as blocking_root_of
from psadmin.models.session_filter import (
    SORT_ORDER,
    SORTS,
    FilterError,
    SessionFilter,
    sort_sessions,
)
from screens.base import PollingScreen
from screens.connections_actions import may_signal_note, signal_plan
from screens.connections_cells import (
    PGBOUNCER_COLUMNS,
    POOL_COLUMNS,
    SESSION_COLUMNS,
    gauge_reading,
    pgbouncer_rows,
    pool_rows,
    session_cells,
)
from screens.context import ScreenContext
from screens.session_detail import SessionDetailScreen
from widgets.blocking_tree import BlockingTree
from widgets.history_chart import HistoryChart
from widgets.text_table import TextTable
from widgets.utilization_gauge import UtilizationGauge

HISTORY_POINTS = 180
"""Utilization points kept: six minutes at the default 2 s refresh."""
CHART_EVERY = 5
"""Ticks between chart redraws while utilization does not change."""


def _visible_change(drawn: float | None, latest: float | None, dot: float | None) -> bool:
    """Whether the chart's line would move: a gap opening or closing, or (on a fixed scale)
    a change of at least half a dot; on an automatic scale any change rescales."""
    if drawn is None or latest is None:
        return drawn != latest
    return abs(latest - drawn) >= dot / 2 if dot is not None else latest != drawn


class ConnectionsScreen(PollingScreen):
    panel_title = "Connections"

    DEFAULT_CSS = """
    ConnectionsScreen #top { height: 9; padding: 0 1; }
    ConnectionsScreen #gauge { width: 1fr; height: 9; }
    ConnectionsScreen #pools {
        width: 2fr; height: 9; border: round $panel-lighten-2;
    }
    ConnectionsScreen #chart { width: 1fr; height: 9; min-height: 5; }
    ConnectionsScreen #middle { height: 1fr; padding: 0 1; }
    ConnectionsScreen #list { width: 2fr; }
    ConnectionsScreen #side { width: 1fr; }
    ConnectionsScreen #sessions { height: 1fr; border: round $panel-lighten-2; }
    ConnectionsScreen #filter { display: none; }
    ConnectionsScreen #filter.-shown { display: block; }
    ConnectionsScreen #signal-note { display: none; color: $warning; }
    ConnectionsScreen #signal-note.-shown { display: block; }
    ConnectionsScreen #pgbouncer {
        display: none; height: auto; max-height: 10; border: round $panel-lighten-2;
    }
    ConnectionsScreen #pgbouncer.-shown { display: block; }
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="connections.filter"),
        Binding("escape", "leave_filter", "Back to list", show=False, id="connections.leave"),
        Binding("i", "toggle_idle", "Hide idle", id="connections.hide_idle"),
        Binding("s", "sort", "Sort", id="connections.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="connections.reverse"),
        Binding("space", "mark", "Mark", id="connections.mark"),
        Binding("d", "detail", "Detail", id="connections.detail"),
        Binding("c", "cancel", "Cancel", id="connections.cancel"),
        Binding("k", "terminate", "Terminate", id="connections.terminate"),
        Binding("b", "terminate_root", "Kill root blocker", id="connections.terminate_root"),
    ]

    @dataclass
    class Loaded(Message):
        activity: ConnectionActivity
        pgbouncer: PgBouncerStatus

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.activity: ConnectionActivity | None = None
        self.pgbouncer: PgBouncerStatus | None = None
        self.history: deque[float | None] = deque(maxlen=HISTORY_POINTS)
        self.filter = SessionFilter()
        self.filter_text = ""
        self.sort = "duration"
        self.reverse = False
        self.marked: set[Hashable] = set()
        self.shown: dict[Hashable, Session] = {}
        self.signal_note = ""
        self._chart_value: float | None = None
        self._chart_age = CHART_EVERY
        self._chart_drawn: tuple[float | None, ...] = ()

    def compose_body(self) -> ComposeResult:
        t = self.context.thresholds
        with Horizontal(id="top"):
            yield UtilizationGauge("Utilization", id="gauge")
            yield TextTable(POOL_COLUMNS, id="pools")
            yield HistoryChart(
                "Connections used %",
                unit=" %",
                y_max=100,
                threshold=t.connections_warn * 100,
                id="chart",
            )
        with Horizontal(id="middle"):
            with Vertical(id="list"):
                yield Input(
                    placeholder="filter: state:active app:api user:alice min:5s text  (enter)",
                    id="filter",
                )
                yield Static(id="signal-note")
                yield TextTable(SESSION_COLUMNS, id="sessions")
            with Vertical(id="side"):
                yield BlockingTree(id="blocking")
                yield TextTable(PGBOUNCER_COLUMNS, id="pgbouncer")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pools", TextTable).border_title = "Pools by application"
        self.query_one("#pgbouncer", TextTable).border_title = "PgBouncer"
        sessions = self.query_one("#sessions", TextTable)
        sessions.border_subtitle = "enter/d detail · space mark · c cancel · k terminate"
        sessions.focus()
        self._describe_list(0, 0)

    async def fetch(self) -> Message:
        backend = self.context.backend
        activity = await backend.connection_activity()
        pgbouncer = await backend.pgbouncer_status()
        return self.Loaded(activity, pgbouncer)

    # -- showing ------------------------------------------------------------------------------

    def on_connections_screen_loaded(self, loaded: Loaded) -> None:
        activity, t = loaded.activity, self.context.thresholds
        self.activity, self.pgbouncer = activity, loaded.pgbouncer
        self.query_one("#gauge", UtilizationGauge).show(gauge_reading(activity, t))
        self.query_one("#pools", TextTable).show(pool_rows(activity.pools, t))
        self.history.append(100 * activity.ratio)
        self._draw_chart()
        self.query_one("#blocking", BlockingTree).show_tree(activity.blocking)
        note = may_signal_note(self.capabilities(), activity.sessions) or ""
        if note != self.signal_note:  # a Static update re-lays the screen out: only on change
            self.signal_note = note
            note_widget = self.query_one("#signal-note", Static)
            note_widget.set_class(bool(note), "-shown")
            note_widget.update(note)
        self._show_pgbouncer(loaded.pgbouncer)
        self.show_sessions()

    def _draw_chart(self) -> None:
        # A plotext redraw is the costliest paint here. Over six minutes one tick moves the
        # line by less than a column, and a change smaller than a dot of height cannot move
        # it at all: redraw at once only on a change the line can show, else every
        # CHART_EVERY ticks; the frame says the newest value on every tick. Once the ring is
        # full of one value (a steady pool) the picture no longer changes.
        chart = self.query_one("#chart", HistoryChart)
        latest = self.history[-1]
        chart.show_latest(latest)
        self._chart_age += 1
        if self._chart_age >= CHART_EVERY or _visible_change(
            self._chart_value, latest, chart.dot_value()
        ):
            self._chart_value, self._chart_age = latest, 0
            values = tuple(self.history)
            if values != self._chart_drawn:
                self._chart_drawn = values
                chart.show(values, self.context.refresh_s)

    def _show_pgbouncer(self, status: PgBouncerStatus) -> None:
        table = self.query_one("#pgbouncer", TextTable)
        configured = status.available or "not configured" not in (status.reason or "")
        table.set_class(configured, "-shown")
        if configured:
            if table.border_subtitle != (status.reason or ""):
                table.border_subtitle = status.reason or ""
            table.show(pgbouncer_rows(status))

    def show_sessions(self) -> None:
        """Apply filter and sort to the last load and hand the rows to the table."""
        if self.activity is None:
            return
        sessions = self.activity.sessions
        keys = {s.key for s in sessions}
        self.marked &= keys
        wanted = sort_sessions(
            (s for s in sessions if self.filter.matches(s)), self.sort, self.reverse
        )
        self.shown = {s.key: s for s in wanted}
        table = self.query_one("#sessions", TextTable)
        table.show((s.key, session_cells(s, s.key in self.marked)) for s in wanted)
        self._describe_list(len(wanted), len(sessions))

    def _describe_list(self, shown: int, total: int) -> None:
        table = self.query_one("#sessions", TextTable)
        label, _, descending = SORTS[self.sort]
        arrow = "↓" if descending != self.reverse else "↑"
        parts = [f"Sessions {shown}/{total}", f"by {label} {arrow}"]
        if self.filter.hide_idle:
            parts.append("idle hidden")
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        title = " · ".join(parts)
        if table.border_title != title:  # assigning repaints the whole table, even if equal
            table.border_title = title

    # -- filter and sort ---------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        try:
            self.filter = SessionFilter.parse(event.value, hide_idle=self.filter.hide_idle)
        except FilterError as exc:
            event.input.border_subtitle = str(exc)
            return
        event.input.border_subtitle = ""
        self.filter_text = event.value.strip()
        self.show_sessions()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.action_leave_filter()

    def action_leave_filter(self) -> None:
        """Enter or Escape: back to the list, the filter kept (an empty one hides its box)."""
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            box.remove_class("-shown")
        self.query_one("#sessions", TextTable).focus()

    def action_toggle_idle(self) -> None:
        self.filter = SessionFilter.parse(self.filter_text, hide_idle=not self.filter.hide_idle)
        self.show_sessions()

    def action_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]
        self.show_sessions()

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self.show_sessions()

    # -- selection -----------------------------------------------------------------------------

    def selected_session(self) -> Session | None:
        key = self.query_one("#sessions", TextTable).selected_key
        return None if key is None else self.shown.get(key)

    def action_mark(self) -> None:
        session = self.selected_session()
        if session is None:
            return
        self.marked ^= {session.key}
        self.show_sessions()

    def action_detail(self) -> None:
        session = self.selected_session()
        if session is not None:
            self.app.push_screen(SessionDetailScreen(session))

    def on_text_table_row_selected(self, event: TextTable.RowSelected) -> None:
        if event.table.id == "sessions":
            self.action_detail()

    def _targets(self) -> list[Session]:
        if self.marked:
            return [
                s for s in (self.activity.sessions if self.activity else ()) if s.key in self.marked
            ]
        session = self.selected_session()
        return [session] if session else []

    # -- actions -------------------------------------------------------------------------------

    def _request(
        self, kind: str, sessions: list[Session], root: BlockingNode | None = None
    ) -> None:
        plan = signal_plan(kind, sessions, self.capabilities(), root=root)
        if plan.request is None:
            self.notify(plan.refusal or "nothing to do", severity="warning")
            return
        self.request_action(plan.request)

    def action_cancel(self) -> None:
        self._request("cancel_backend", self._targets())

    def action_terminate(self) -> None:
        self._request("terminate_backend", self._targets())

    def root_blocker(self) -> BlockingNode | None:
        """The root of the tree node under the tree cursor, else of the selected session,
        else the root that frees the most sessions."""
        roots = self.activity.blocking if self.activity else ()
        tree = self.query_one("#blocking", BlockingTree)
        candidates = []
        if tree.has_focus and tree.selected_pid is not None:
            candidates.append(tree.selected_pid)
        selected = self.selected_session()
        if selected is not None:
            candidates.append(selected.pid)
        for pid in candidates:
            root = blocking_root_of(pid, roots)
            if root is not None:
                return root
        return roots[0] if roots else None

    def action_terminate_root(self) -> None:
        root = self.root_blocker()
        if root is None:
            self.notify("No session is blocking another.", severity="information")
            return
        if root.session.backend_start is None:
            self.notify(
                f"pid {root.pid} is a {root.session.application}: it cannot be terminated "
                "from here (COMMIT/ROLLBACK PREPARED, or check with a privileged role)",
                severity="warning",
            )
            return
        self._request("terminate_backend", [root.session], root)
