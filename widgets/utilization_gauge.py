"""A horizontal gauge of slots in use against capacity, with a threshold mark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from psadmin.models.health import Level
from widgets.strips import text_strips

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

    Its height is set by the layout, so a new reading repaints it without a relayout. The
    state counts change on most refreshes under load, so the lines are rendered once per
    reading (and width) and served as strips (see widgets/strips.py).
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
        self._strips: list[Strip] = []
        self._strips_key: tuple[int, Style] | None = None
        """Width and base style the strips were rendered for."""

    def show(self, reading: GaugeReading) -> None:
        if reading == self.reading:
            return
        self.reading = reading
        for level in Level:
            self.set_class(level is reading.level, f"-{level.label}")
        key = (self.content_size.width, self.rich_style)
        if key[0] <= 0 or key != self._strips_key:
            self._strips_key = None  # not laid out yet, resized or restyled: render_line builds
            self.refresh()
            return
        # Under load usually only the state counts move: repaint just the lines that differ.
        width = key[0]
        old, self._strips = self._strips, self._build(width)
        if len(old) != len(self._strips):
            self.refresh()
            return
        changed = [
            Region(0, y, width, 1)
            for y, (before, after) in enumerate(zip(old, self._strips, strict=True))
            if before != after
        ]
        if changed:
            self.refresh(*changed)

    def render(self) -> Text:
        """The gauge as text (what ``render_line`` draws)."""
        return Text("") if self.reading is None else self._text(self.reading)

    def render_line(self, y: int) -> Strip:
        key = (self.content_size.width, self.rich_style)
        if key != self._strips_key:  # first paint, a resize or a new theme
            self._strips_key = key
            self._strips = self._build(key[0])
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(key[0], key[1])

    def _build(self, width: int) -> list[Strip]:
        return text_strips(self.render(), width, self.app.console, self.rich_style, wrap=True)

    def _text(self, r: GaugeReading) -> Text:
        width = max(self.content_size.width, 10)
        ratio = r.used / r.capacity if r.capacity else 0.0
        filled = min(round(ratio * width), width)
        mark = min(round(r.threshold * width), width - 1)
        used, free = _LEVEL_STYLE[r.level], "grey37"
        text = Text()
        # runs, not one span per cell: the bar is redrawn whenever a count changes
        text.append("█" * min(filled, mark), style=used)
        text.append("░" * max(mark - filled, 0), style=free)
        text.append("│", style="bold red")
        text.append("█" * max(filled - mark - 1, 0), style=used)
        text.append("░" * (width - max(filled, mark + 1)), style=free)
        text.append("\n")
        text.append(r.caption, style="bold")
        for line in r.lines:
            text.append("\n" + line)
        return text
