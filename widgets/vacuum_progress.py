"""A VACUUM's progress: a bar for the current phase, the phase, and the progress view's counts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static


class VacuumProgressPanel(Vertical):
    """Hidden until :meth:`show` is given something; an unknown fraction shows as indeterminate."""

    DEFAULT_CSS = """
    VacuumProgressPanel {
        display: none;
        height: auto;
        border: round $accent;
        padding: 0 1;
    }
    VacuumProgressPanel.-shown { display: block; }
    VacuumProgressPanel ProgressBar { width: 1fr; }
    VacuumProgressPanel Bar { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "VACUUM"
        self.fraction: float | None = None
        self.label = ""

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, id="vacuum-bar")
        yield Static("", id="vacuum-label")

    def show(self, fraction: float | None, label: str, note: str = "") -> None:
        """``fraction`` of the current phase done (None: the view cannot tell)."""
        self.add_class("-shown")
        self.fraction, self.label = fraction, label
        bar = self.query_one(ProgressBar)
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=1000, progress=round(fraction * 1000))
        text = Text(label)
        if note:
            text.append(f"\n{note}", style="dim")
        self.query_one("#vacuum-label", Static).update(text)

    def hide(self) -> None:
        self.remove_class("-shown")
        self.fraction, self.label = None, ""
