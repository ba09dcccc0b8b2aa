"""The VACUUM half of the Tables screen: options, request, live progress, cancel, result.

The request goes through the app's one admin-action path (refusal, confirmation, audit); while
it runs, the progress views are polled on the monitoring pool every half second.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker

from psadmin.models.actions import ActionRequest
from psadmin.models.errors import BackendError
from psadmin.models.overview import format_bytes
from psadmin.models.tables import TableHealthReport
from psadmin.models.vacuum import (
    VacuumComparison,
    VacuumOptions,
    VacuumProgress,
    permission_message,
    vacuum_request,
)
from screens.base import PanelScreen, PollingScreen
from screens.context import ScreenContext
from screens.tables_cells import TableRow, ago, progress_label
from screens.vacuum_options import NoticesScreen, VacuumOptionsScreen
from widgets.vacuum_progress import VacuumProgressPanel

PROGRESS_EVERY_S = 0.5
"""Progress polling while psadmin's own VACUUM runs (the progress views are shared memory)."""


class VacuumingScreen(PollingScreen):
    """A polling screen that can VACUUM its selected table; subclasses provide the table."""

    @dataclass
    class ProgressLoaded(Message):
        progress: list[VacuumProgress]

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.report: TableHealthReport | None = None
        self.progress: list[VacuumProgress] = []
        self.comparison: VacuumComparison | None = None
        self.notices: tuple[str, ...] = ()
        self.pending: ActionRequest | None = None
        """psadmin's VACUUM from request until ActionFinished."""
        self._progress_timer: Timer | None = None
        self._progress_worker: Worker[None] | None = None

    def selected_row(self) -> TableRow | None:
        raise NotImplementedError

    def show_detail(self) -> None:
        """Redraw the selected table's detail (progress and comparison are part of it)."""

    def after_vacuum(self) -> None:
        """A VACUUM changed sizes and statistics: reload what depends on them."""

    def on_vacuuming_screen_progress_loaded(self, loaded: ProgressLoaded) -> None:
        self.show_progress(loaded.progress)

    def show_progress(self, progress: list[VacuumProgress]) -> None:
        self.progress = progress
        panel = self.query_one(VacuumProgressPanel)
        own = next((p for p in progress if p.own), None)
        others = [p for p in progress if not p.own]
        note = "; ".join(f"{p.command} {p.table}: {p.phase}" for p in others[:3])
        if own is not None:
            panel.border_title = "VACUUM by psadmin (x cancels)"
            panel.show(own.fraction, progress_label(own), note)
        elif self.pending is not None:
            panel.border_title = "VACUUM by psadmin (x cancels)"
            wait = self.pending.params.get("options", {}).get("lock_timeout_ms", 0) / 1000
            label = f"{self.pending.target}: starting (waits at most {wait:g} s for its lock)"
            panel.show(None, label, note)
        elif others:
            panel.border_title = "VACUUM running (not psadmin's)"
            rest = "; ".join(f"{p.command} {p.table}: {p.phase}" for p in others[1:4])
            panel.show(others[0].fraction, progress_label(others[0]), rest)
        else:
            panel.hide()
        self.show_detail()

    # -- VACUUM ----------------------------------------------------------------------------

    def action_vacuum(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("Select a table first.", severity="warning")
            return
        if self.pending is not None:
            self.notify(f"A VACUUM of {self.pending.target} is still running.", severity="warning")
            return
        t = row.health
        caps = self.capabilities()
        backend = self.context.backend
        if backend.read_only:  # the dispatcher refuses it, audited, with the reason
            self._start(vacuum_request(t.schema, t.name, t.relid, VacuumOptions()))
            return
        if not t.can_vacuum:
            role = caps.role if caps else "this role"
            version = caps.server_version_num if caps else 0
            self.notify(
                permission_message(t.qualified, t.owner, role, version),
                title="Cannot VACUUM",
                severity="error",
            )
            return
        now = self.report.taken_at if self.report else t.last_any_vacuum
        last = ago(t.last_any_vacuum, now) if now is not None else "never"
        summary = (
            f"{format_bytes(t.total_bytes)} · {t.live_tuples:,} live · {t.dead_tuples:,} dead "
            f"tuples · last vacuum {last}"
        )

        def chosen(options: VacuumOptions | None) -> None:
            if options is not None:
                self._start(vacuum_request(t.schema, t.name, t.relid, options))

        version = caps.server_version_num if caps else 150000
        self.app.push_screen(VacuumOptionsScreen(t.schema, t.name, version, summary), chosen)

    def _start(self, request: ActionRequest) -> None:
        self.pending = request
        self._start_progress_timer()
        self.request_action(request)

    def _start_progress_timer(self) -> None:
        if self._progress_timer is None and self.pending is not None:
            self._progress_timer = self.set_interval(PROGRESS_EVERY_S, self._poll_progress)

    def _stop_progress_timer(self) -> None:
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None

    def _poll_progress(self) -> None:
        worker = self._progress_worker
        if worker is not None and not worker.is_finished:
            return
        self._progress_worker = self.run_worker(
            self._load_progress(), group="progress", exit_on_error=False
        )

    async def _load_progress(self) -> None:
        try:
            progress = await self.context.backend.vacuum_progress()
        except BackendError:
            return  # the regular tick reports errors; a missed progress sample is harmless
        self.post_message(self.ProgressLoaded(progress))

    def on_screen_suspend(self) -> None:
        self._stop_progress_timer()

    def on_screen_resume(self) -> None:
        self._start_progress_timer()

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        # PollingScreen's handler runs as well (Textual dispatches along the MRO): it ticks.
        if message.request.kind != "vacuum":
            return
        self.pending = None
        self._stop_progress_timer()
        outcome = message.outcome
        if outcome is not None:
            self.notices = tuple(str(n) for n in outcome.details.get("notices", ()))
            comparison = VacuumComparison.from_details(outcome.details)
            if comparison is not None:
                self.comparison = comparison
                self.after_vacuum()
        self.show_progress([p for p in self.progress if not p.own])

    def action_cancel_vacuum(self) -> None:
        if self.pending is None and not any(p.own for p in self.progress):
            self.notify("psadmin is not running a VACUUM.", severity="warning")
            return
        self.run_worker(self._cancel(), group="cancel", exit_on_error=False)

    async def _cancel(self) -> None:
        try:
            cancelled = await self.context.backend.cancel_vacuum()
        except BackendError as exc:
            self.notify(exc.message, title="Cancel failed", severity="error")
            return
        if cancelled:
            self.notify("Cancel sent to the VACUUM.", title="Cancelling")
        else:
            self.notify("No VACUUM of psadmin's was running any more.", severity="warning")

    def action_notices(self) -> None:
        title = f"Notices of the last VACUUM ({len(self.notices)})"
        self.app.push_screen(NoticesScreen(title, self.notices))
