"""A horizontal gauge of slots in use against capacity, with a threshold mark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from psadmin.models.health import Level

_LEVEL_STYLE = {
    Level.OK: "green",
    Level.WARNING: "yellow",
    Level.CRITICAL: "red",
    Level.UNKNOWN: "grey50",
}


@dataclass(frozen=True, slots=True)
class GaugeReading:
    used: int
    capacity: int
    """What ``used`` is judged against (usable slots, not max_connections)."""
    threshold: float
    """Fraction of capacity where the mark is drawn (the warning threshold)."""
    level: Level
    caption: str
    """Printed after the bar, e.g. ``23/97 usable · 23.7 %``."""
    lines: Sequence[str] = ()
    """More lines below the bar (the states behind the count, notes)."""


class UtilizationGauge(Widget):
    """Draws ``used/capacity`` as a bar as wide as the widget; repaints only on change.

    Its height is set by the layout, so a new reading repaints it without a relayout.
    """

    DEFAULT_CSS = """
    UtilizationGauge {
        height: 7;
        border: round $panel-lighten-2;
        padding: 0 1;
    }
    UtilizationGauge.-ok { border: round $success; }
    UtilizationGauge.-warning { border: round $warning; }
    UtilizationGauge.-critical { border: round $error; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
        self.reading: GaugeReading | None = None

    def show(self, reading: GaugeReading) -> None:
        if reading == self.reading:
            return
        self.reading = reading
        for level in Level:
            self.set_class(level is reading.level, f"-{level.label}")
        self.refresh()

    def render(self) -> Text:
        return Text("") if self.reading is None else self._text(self.reading)

    def _text(self, r: GaugeReading) -> Text:
        width = max(self.content_size.width, 10)
        ratio = r.used / r.capacity if r.capacity else 0.0
        filled = min(round(ratio * width), width)
        mark = min(round(r.threshold * width), width - 1)
        text = Text()
        for i in range(width):
            if i == mark:
                text.append("│", style="bold red")
            elif i < filled:
                text.append("█", style=_LEVEL_STYLE[r.level])
            else:
                text.append("░", style="grey37")
        text.append("\n")
        text.append(r.caption, style="bold")
        for line in r.lines:
            text.append("\n" + line)
        return text
