"""The frame every panel shares, and the polling loop of DESIGN.md §4.

A tick starts a load worker only when the previous load has finished, so a slow query is
never cancelled by the next tick and ticks never pile up. Timers pause while the screen is
covered or switched away and resume with an immediate tick. Errors back the interval off.

The frame does nothing on an idle second: the header clock turns once a minute, and the status
bar's age text changes only when the data goes stale (widgets/status_bar.py), so it is checked
just then, not on a timer.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from psadmin.models.actions import ActionOutcome, ActionRequest
from psadmin.models.capabilities import Capabilities
from psadmin.models.errors import BackendError, FailureKind
from screens.context import ScreenContext
from screens.cropped_compositor import CroppedCompositor
from widgets.banner import Banner
from widgets.header_clock import PanelHeader
from widgets.key_footer import KeyFooter
from widgets.status_bar import StatusBar, StatusLine, next_change_s

MAX_BACKOFF_FACTOR = 4
"""Poll errors stretch the interval at most this much, so recovery is noticed in seconds."""


class PanelScreen(Screen[None]):
    """Header, banner, body, status bar and footer; subclasses provide ``compose_body``."""

    panel_title: str = ""

    @dataclass
    class ActionRequested(Message):
        """Ask the app to confirm, audit and run an admin action built from this screen."""

        request: ActionRequest
        origin: PanelScreen
        """The screen to tell when the action is over."""

    @dataclass
    class ActionFinished(Message):
        """Sent back to the requesting screen once the action ran (so it can refresh)."""

        request: ActionRequest
        outcome: ActionOutcome | None
        """None when it was refused, declined or could not be audited."""

    def request_action(self, request: ActionRequest) -> None:
        self.post_message(self.ActionRequested(request, self))

    def on_panel_screen_action_finished(self, message: ActionFinished) -> None:
        """Screens that show data refresh after an action; see PollingScreen."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__()
        self._compositor = CroppedCompositor()
        self.context = context
        self._status_check: asyncio.TimerHandle | None = None
        self._status_shown = False
        """Whether this screen is drawn: current, or visible under a modal."""

    def compose(self) -> ComposeResult:
        yield PanelHeader()
        yield Banner()
        yield from self.compose_body()
        yield StatusBar()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.title = "psadmin"
        self.sub_title = self.panel_title
        self.update_status()

    # Textual calls these for every class in the MRO that defines them (and subclasses' on_mount
    # may call super() as well): the timer must be started at most once.
    def on_screen_resume(self) -> None:
        self._status_shown = True
        self.update_status()

    def on_screen_suspend(self) -> None:
        # A screen under a modal stays visible behind it, so its age must keep counting; a
        # screen switched away (another mode) is not drawn at all.
        if self not in self.app.screen_stack:
            self._status_shown = False
            self._cancel_status_check()

    def on_unmount(self) -> None:
        self._cancel_status_check()

    def _cancel_status_check(self) -> None:
        if self._status_check is not None:
            self._status_check.cancel()
            self._status_check = None

    def _check_status(self) -> None:
        self._status_check = None
        if self.is_attached:
            self.update_status()

    def capabilities(self) -> Capabilities | None:
        try:
            return self.context.backend.capabilities
        except BackendError:
            return None

    def update_status(self) -> None:
        state = self.context.state
        caps = self.capabilities()
        age = None if state.last_refresh is None else time.monotonic() - state.last_refresh
        self.query_one(StatusBar).show(
            StatusLine(
                server=self.context.backend.target_display,
                version=caps.server_version if caps else "",
                role=f"{caps.role} ({caps.privilege_summary()})" if caps else "",
                read_only=self.context.backend.read_only,
                refreshed_ago_s=age,
                error=state.error,
                refresh_s=self.context.refresh_s,
            )
        )
        self.query_one(Banner).show_message(state.disconnected)
        # Look again only when the age text can next change (a handle on the event loop,
        # moved on every refresh: a Textual timer would be a task waking every second).
        self._cancel_status_check()
        delay = next_change_s(age, self.context.refresh_s)
        if self._status_shown and delay is not None:
            loop = asyncio.get_running_loop()
            self._status_check = loop.call_later(delay, self._check_status)


class PollingScreen(PanelScreen):
    """A panel that reloads its data every refresh interval while it is visible."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self._timer: Timer | None = None
        self._loader: Worker[Any] | None = None
        self.backoff_factor = 1

    @property
    def interval(self) -> float:
        return self.context.refresh_s * self.backoff_factor

    def on_screen_resume(self) -> None:
        self._start_timer()
        self.tick()

    def on_panel_screen_action_finished(self, message: PanelScreen.ActionFinished) -> None:
        self.tick()  # show the effect at once, not at the next timer tick

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _start_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(self.interval, self.tick)

    def tick(self) -> None:
        if self._loader is not None and not self._loader.is_finished:
            return
        self._loader = self.run_worker(
            self._load_and_report(),
            group="load",
            description=f"load {self.panel_title}",
            exit_on_error=False,
        )

    async def _load_and_report(self) -> None:
        try:
            loaded = await self.fetch()
        except BackendError as exc:
            self.load_failed(exc)
        except Exception as exc:  # a poll error must never end the app
            self.load_failed(BackendError(f"{type(exc).__name__}: {exc}".splitlines()[0]))
        else:
            loaded.stop()  # the screen's own answer: nothing above it handles it
            self.post_message(loaded)
            self.load_succeeded()

    async def fetch(self) -> Message:
        """Await the backend and return the screen's ``Loaded`` message (override)."""
        raise NotImplementedError

    def load_succeeded(self) -> None:
        state = self.context.state
        state.last_refresh = time.monotonic()
        state.error = None
        state.disconnected = None
        if self.backoff_factor != 1:
            self.backoff_factor = 1
            self._start_timer()
        self.update_status()

    def load_failed(self, error: BackendError) -> None:
        state = self.context.state
        state.error = error.message
        state.disconnected = (
            f"Connection lost — {error.message}" if error.kind is FailureKind.DISCONNECTED else None
        )
        if self.backoff_factor < MAX_BACKOFF_FACTOR:
            self.backoff_factor *= 2
            self._start_timer()
        self.update_status()
