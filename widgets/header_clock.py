"""The header with a clock that repaints once a minute, not once a second.

Textual's HeaderClock repaints every second. The header is the top line and the status bar
the bottom one, and Textual re-renders the rectangle spanning everything that changed in a
frame, so a seconds clock beside a ticking status bar re-rendered the whole screen every
second: a third of the client CPU at a 2 s refresh. How old the data is belongs to the status
bar (widgets/status_bar.py), not to this clock.
"""

from __future__ import annotations

import time
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Header
from textual.widgets._header import HeaderClockSpace, HeaderIcon, HeaderTitle

TIME_FORMAT = "%H:%M"


def seconds_to_next_minute(now: float) -> float:
    """Delay from ``now`` (epoch seconds) to just past the next minute boundary."""
    return 60.0 - now % 60.0 + 0.05


class MinuteClock(HeaderClockSpace):
    """Hours and minutes, repainted when the minute turns (a one-shot timer re-armed each
    time, so it never drifts); subclassing HeaderClock would keep its one-second timer."""

    DEFAULT_CSS = """
    MinuteClock {
        background: $foreground-darken-1 5%;
        color: $foreground;
        text-opacity: 85%;
        content-align: center middle;
    }
    """

    def on_mount(self) -> None:
        self._arm()

    def _arm(self) -> None:
        self.set_timer(seconds_to_next_minute(time.time()), self._turn, name="minute clock")

    def _turn(self) -> None:
        self.refresh()
        self._arm()

    def render(self) -> Text:
        return Text(datetime.now().strftime(TIME_FORMAT))


class PanelHeader(Header):
    """Textual's Header (icon, title, sub-title) with the minute clock on the right."""

    def compose(self) -> ComposeResult:
        yield HeaderIcon().data_bind(Header.icon)
        yield HeaderTitle()
        yield MinuteClock()
