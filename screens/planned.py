"""A panel whose screen is not built yet: it says what it will show, and shows no data."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import PanelScreen
from screens.context import ScreenContext
from screens.registry import PanelSpec


class PlannedScreen(PanelScreen):
    DEFAULT_CSS = """
    PlannedScreen #planned {
        padding: 1 2;
        height: 1fr;
    }
    """

    def __init__(self, context: ScreenContext, spec: PanelSpec) -> None:
        super().__init__(context)
        self.spec = spec
        self.panel_title = spec.title

    def compose_body(self) -> ComposeResult:
        text = Text()
        text.append(f"{self.spec.title}", style="bold")
        text.append(f" — {self.spec.summary}\n\n", style="dim")
        text.append("This screen is not built yet. When it is, it will show:\n\n")
        for line in self.spec.contents:
            text.append(f"  • {line}\n")
        text.append(
            f"\nIts snapshot panel will be `psadmin snapshot {self.spec.snapshot}`.",
            style="dim",
        )
        yield Static(text, id="planned")
