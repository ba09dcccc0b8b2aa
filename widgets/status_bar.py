"""The bottom status line: where we are connected, as whom, and how fresh the data is.

The age is not a ticking seconds counter: while the data is at most ``STALE_AFTER`` refresh
intervals old the line says so ("refreshed <4s ago" at a 2 s refresh) and does not change, so
an idle second repaints nothing. Past that the line turns into a bold "STALE: refreshed 9s
ago" that counts up every second, so old data is never shown as if it were live.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

STALE_AFTER = 2
"""Refresh intervals after which data counts as stale (one late or failed refresh is not)."""


@dataclass(frozen=True, slots=True)
class StatusLine:
    server: str
    version: str
    role: str
    read_only: bool
    refreshed_ago_s: float | None
    error: str | None
    refresh_s: float = 2.0
    """The configured refresh interval: data older than STALE_AFTER of them is stale."""


def freshness(age_s: float | None, refresh_s: float) -> Text:
    """How old the data is, in words that change only when the data goes stale."""
    if age_s is None:
        return Text("waiting for data", style="dim")
    limit = STALE_AFTER * refresh_s
    if age_s <= limit:
        return Text(f"refreshed <{limit:g}s ago", style="dim")
    return Text(f"STALE: refreshed {age_s:.0f}s ago", style="bold yellow")


def next_change_s(age_s: float | None, refresh_s: float) -> float | None:
    """Seconds until ``freshness`` can say something else without new data: when fresh data
    turns stale, then each second while stale (it counts); None while there is no data yet."""
    if age_s is None:
        return None
    limit = STALE_AFTER * refresh_s
    if age_s <= limit:
        return limit - age_s + 0.05  # just past the limit, never on it
    return 1.0 - (age_s - limit) % 1.0 + 0.05


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
        text.append("  ")
        text.append_text(freshness(line.refreshed_ago_s, line.refresh_s))
        if line.error:
            text.append(f"  ✖ {line.error}", style="bold red")
        if text != self._shown:  # one fixed-height line: repaint, never relayout
            self._shown = text
            self.update(text, layout=False)
