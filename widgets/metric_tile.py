"""A status light with a label, a value and the target it is judged against."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from psadmin.models.health import Level
from psadmin.models.overview import Metric

LIGHT_CLASSES = {level: f"-{level.label}" for level in Level}


class MetricTile(Static):
    """Shows one Metric; its border and light take the colour of the metric's level."""

    DEFAULT_CSS = """
    MetricTile {
        height: 5;
        border: round $panel-lighten-2;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    MetricTile.-ok { border: round $success; }
    MetricTile.-warning { border: round $warning; }
    MetricTile.-critical { border: round $error; }
    MetricTile.-unknown { border: round $panel-lighten-2; }
    """

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = label
        self.level = Level.UNKNOWN
        self.add_class(LIGHT_CLASSES[Level.UNKNOWN])

    def show(self, metric: Metric) -> None:
        for css in LIGHT_CLASSES.values():
            self.remove_class(css)
        self.add_class(LIGHT_CLASSES[metric.level])
        self.level = metric.level
        text = Text()
        text.append("● ", style=_LIGHT_STYLE[metric.level])
        text.append(metric.text, style="bold")
        text.append(f"\n{metric.detail}")
        text.append(f"\n{metric.level.label} · {metric.target}", style="dim")
        self.update(text)


_LIGHT_STYLE = {
    Level.OK: "green",
    Level.WARNING: "yellow",
    Level.CRITICAL: "red",
    Level.UNKNOWN: "grey50",
}
