"""The bottom status line: where we are connected, as whom, and how fresh the data is."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class StatusLine:
    server: str
    version: str
    role: str
    read_only: bool
    refreshed_ago_s: float | None
    error: str | None


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    _shown: Text | None = None

    def show(self, line: StatusLine) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if line.read_only:
            text.append(" READ-ONLY ", style="bold black on yellow")
            text.append(" ")
        text.append(line.server, style="bold")
        if line.version:
            text.append(f"  PG {line.version}")
        if line.role:
            text.append(f"  {line.role}", style="dim")
        if line.refreshed_ago_s is None:
            text.append("  waiting for data", style="dim")
        else:
            text.append(f"  refreshed {line.refreshed_ago_s:.0f}s ago", style="dim")
        if line.error:
            text.append(f"  ✖ {line.error}", style="bold red")
        if text != self._shown:  # one fixed-height line: repaint, never relayout
            self._shown = text
            self.update(text, layout=False)
