"""The Textual application: the composition root of the TUI.

It wires screens to the backend (constructor injection), maps number keys to screens, adds
command-palette entries, and closes connections on quit, SIGTERM and SIGHUP.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from psadmin.models.health import Thresholds
from psadmin.protocol import Backend
from psadmin.theme import CONTROL_ROOM
from screens.base import PanelScreen
from screens.context import ScreenContext
from screens.overview import OverviewScreen
from screens.planned import PlannedScreen
from screens.registry import PANELS, PanelSpec


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
    ) -> None:
        super().__init__()
        self.backend = backend
        self.context = ScreenContext(backend, thresholds or Thresholds(), refresh_s)
        for spec in PANELS:
            self.add_mode(spec.mode, partial(self._make_screen, spec))

    def _make_screen(self, spec: PanelSpec) -> PanelScreen:
        if spec.mode == "overview":
            return OverviewScreen(self.context)
        return PlannedScreen(self.context, spec)

    def on_mount(self) -> None:
        self.register_theme(CONTROL_ROOM)
        self.theme = CONTROL_ROOM.name
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            # an SSH drop sends SIGHUP: leave cleanly so the server sees sessions close
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit)
        self.switch_mode("overview")

    async def on_unmount(self) -> None:
        await self.backend.close()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in PANELS:
            yield SystemCommand(
                f"Go to {spec.title} ({spec.key})",
                spec.summary,
                partial(self.switch_mode, spec.mode),
            )
