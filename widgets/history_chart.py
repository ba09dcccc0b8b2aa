"""A small time-series chart of a ring buffer, drawn with plotext."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.text import Text
from textual.strip import Strip
from textual_plotext import PlotextPlot

from widgets.strips import text_strips


class HistoryChart(PlotextPlot):
    """Plots the last N values; None marks a gap (e.g. while disconnected).

    The plot is built once per ``show`` (and size or theme) and its lines are served as
    strips: Textual's content pipeline would otherwise re-process plotext's output on every
    repaint of any line of the chart.
    """

    DEFAULT_CSS = """
    HistoryChart {
        height: 1fr;
        min-height: 8;
        border: round $panel-lighten-2;
    }
    """

    def __init__(
        self,
        title: str,
        *,
        unit: str = "",
        y_max: float | None = None,
        threshold: float | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.border_title = title
        self.unit = unit
        self.y_max = y_max
        self.threshold = threshold
        self.values: tuple[float | None, ...] = ()
        self._drawn = 0
        """Counts ``show`` calls: part of the key of the cached strips."""
        self._strips: list[Strip] = []
        self._strips_key: Hashable = None

    def render_line(self, y: int) -> Strip:
        size = self.size
        key = (size, self.app.theme, self.theme, self._drawn)
        if key != self._strips_key:
            self._strips_key = key
            plot = self.render()  # PlotextPlot renders a Text (of plotext's ANSI output)
            text = plot if isinstance(plot, Text) else Text(str(plot))
            self._strips = text_strips(
                text, size.width, self.app.console, self.rich_style, wrap=False
            )
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(size.width, self.rich_style)

    def dot_value(self) -> float | None:
        """The value of one braille dot of height on a fixed scale (None on an automatic one):
        a line moves only by whole dots, so a smaller change leaves the picture as it is."""
        if self.y_max is None:
            return None
        # plotext spends four lines of the content on the frame and the axis with its labels
        rows = max(self.content_region.height - 4, 1)
        return self.y_max / (4 * rows)

    def show_latest(self, latest: float | None) -> None:
        """Say the newest value in the frame without redrawing the plot (None: a gap, such as
        a refresh that failed, or no data yet)."""
        if latest is not None:
            subtitle = f"now {latest:,.1f}{self.unit}"
        else:
            subtitle = "no data now" if any(v is not None for v in self.values) else "no data yet"
        if subtitle != self.border_subtitle:  # assigning repaints the frame's lines
            self.border_subtitle = subtitle

    def show(self, values: Sequence[float | None], interval_s: float) -> None:
        self.values = tuple(values)
        self._drawn += 1
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        points = [(i, v) for i, v in enumerate(self.values) if v is not None]
        if points:
            newest = len(self.values) - 1
            xs = [(i - newest) * interval_s for i, _ in points]
            ys = [v for _, v in points]
            plt.plot(xs, ys, marker="braille", color="cyan")
            if self.threshold is not None:
                plt.hline(self.threshold, color="red")
            top = self.y_max if self.y_max is not None else max(max(ys) * 1.2, 1.0)
            plt.ylim(0, top)
            plt.xlim(min(xs[0], -interval_s), 0)
        self.show_latest(self.values[-1] if self.values else None)
        plt.xlabel("seconds ago")
        self.refresh()
