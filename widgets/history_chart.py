"""A small time-series chart of a ring buffer, drawn with plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot


class HistoryChart(PlotextPlot):
    """Plots the last N values; None marks a gap (e.g. while disconnected)."""

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

    def show(self, values: Sequence[float | None], interval_s: float) -> None:
        self.values = tuple(values)
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
            latest = ys[-1]
            self.border_subtitle = f"now {latest:,.1f}{self.unit}"
        else:
            self.border_subtitle = "no data yet"
        plt.xlabel("seconds ago")
        self.refresh()
