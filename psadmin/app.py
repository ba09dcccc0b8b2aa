"""The Textual application: the composition root of the TUI and the action dispatcher.

It wires screens to the backend (constructor injection), maps number keys to screens, adds
command-palette entries, runs every admin action through one path (policy, confirmation,
audit, execution, report) and closes connections when it ends (psadmin.cli's console
ends it on SIGTERM and SIGHUP too).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable
from functools import partial

from textual import constants
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from psadmin.actions import ActionRunner
from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.health import Thresholds
from psadmin.protocol import Backend
from psadmin.theme import CONTROL_ROOM
from screens.base import PanelScreen
from screens.catalog import screen_class
from screens.confirm import ConfirmScreen
from screens.context import ScreenContext
from screens.error import ErrorScreen
from screens.registry import PANELS, PanelSpec


def quiet_driver_class() -> type[Driver] | None:
    """psadmin's driver on Linux and macOS, unless TEXTUAL_DRIVER names another."""
    if sys.platform == "win32" or constants.DRIVER is not None:
        return None
    from psadmin.quiet_driver import QuietDriver

    return QuietDriver


class PsadminApp(App[None]):
    TITLE = "psadmin"
    BINDINGS = [
        *(
            Binding(
                spec.key,
                f"switch_mode('{spec.mode}')",
                spec.title,
                show=spec.key in {"1", "2", "3", "6"},
                id=f"screen.{spec.mode}",
            )
            for spec in PANELS
        ),
        Binding("question_mark", "show_help_panel", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        thresholds: Thresholds | None = None,
        refresh_s: float = 2.0,
        screen: str = "overview",
    ) -> None:
        super().__init__(driver_class=quiet_driver_class())
        self.first_screen = screen
        self.backend = backend
        self.runner = ActionRunner(backend)
        self.context = ScreenContext(backend, thresholds or Thresholds(), refresh_s)
        for spec in PANELS:
            self.add_mode(spec.mode, partial(self._make_screen, spec))

    def _make_screen(self, spec: PanelSpec) -> PanelScreen:
        return screen_class(spec.mode)(self.context)

    def on_mount(self) -> None:
        self.register_theme(CONTROL_ROOM)
        self.theme = CONTROL_ROOM.name
        self.switch_mode(self.first_screen)

    async def on_unmount(self) -> None:
        await self.backend.close()

    def on_panel_screen_action_requested(self, message: PanelScreen.ActionRequested) -> None:
        message.stop()
        self.run_worker(
            self._dispatch(message.request, message.origin),
            group="actions",
            description=f"action {message.request.kind}",
            exit_on_error=False,
        )

    async def _dispatch(self, request: ActionRequest, origin: PanelScreen) -> None:
        """DESIGN.md §5: refuse or confirm, audit, execute on the admin connection, report."""
        outcome: ActionOutcome | None = None
        try:
            refusal = self.runner.refusal(request)
            if refusal is not None:
                await self.runner.refuse(request, refusal)
                self.notify(refusal, title="Refused", severity="error")
                return
            answer = await self.push_screen_wait(ConfirmScreen(request))
            if not answer.confirmed:
                await self.runner.decline(request)
                self.notify("Nothing was changed.", title="Declined")
                return
            outcome = await self.runner.run(dataclasses.replace(request, reason=answer.reason))
            if outcome.status is OutcomeStatus.ERROR:
                await self.push_screen_wait(ErrorScreen("Action failed", outcome.message))
            else:
                title = "Done" if outcome.status is OutcomeStatus.OK else "Nothing to do"
                self.notify(outcome.message, title=title)
        except BackendError as exc:  # refused by policy or the audit trail could not be written
            await self.push_screen_wait(ErrorScreen("Action not run", exc.message))
        finally:
            origin.post_message(PanelScreen.ActionFinished(request, outcome))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in PANELS:
            yield SystemCommand(
                f"Go to {spec.title} ({spec.key})",
                spec.summary,
                partial(self.switch_mode, spec.mode),
            )
