"""The one confirmation modal of every admin action: target, effect, statement, reason.

No is focused. A high-risk action (terminate, VACUUM FULL, bulk unlock, purging a key family)
is confirmed only by typing its challenge text, so a stray Enter can never approve it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from psadmin.models.actions import ActionRequest, Risk


@dataclass(frozen=True)
class Confirmation:
    confirmed: bool
    reason: str | None = None


class ConfirmScreen(ModalScreen[Confirmation]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 90%;
        max-width: 100;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen.-high > Vertical { border: thick $error; }
    ConfirmScreen #statement {
        background: $panel;
        padding: 0 1;
        margin: 1 0;
        max-height: 8;
        overflow-y: auto;
    }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "decline", "No", id="confirm.no")]

    def __init__(self, request: ActionRequest) -> None:
        super().__init__(classes="-high" if request.risk is Risk.HIGH else "")
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical():
            yield Label(Text(f"Confirm: {request.kind.replace('_', ' ')}", style="bold"))
            yield Static(Text.assemble(("Target  ", "dim"), request.target), id="target")
            yield Static(Text.assemble(("Effect  ", "dim"), request.effect), id="effect")
            yield Static(Text(request.statement), id="statement")
            placeholder = "reason (required)" if request.reason_required else "reason (optional)"
            yield Input(request.reason or "", placeholder=placeholder, id="reason", max_length=1000)
            if request.risk is Risk.HIGH:
                yield Label(
                    Text.assemble("Type ", (request.challenge, "bold"), " to confirm"),
                    id="challenge-label",
                )
                yield Input(placeholder="type it exactly", id="challenge")
            with Horizontal():
                yield Button("No", id="no", variant="primary")
                yield Button("Yes", id="yes", variant="error", disabled=not self._ready())

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def _ready(self, reason: str | None = None, typed: str | None = None) -> bool:
        if reason is None and self.is_mounted:
            reason = self.query_one("#reason", Input).value
        if typed is None and self.is_mounted and self.request.risk is Risk.HIGH:
            typed = self.query_one("#challenge", Input).value
        if self.request.reason_required and not (reason or self.request.reason or "").strip():
            return False
        return self.request.risk is not Risk.HIGH or typed == self.request.challenge

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not self._ready()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes" and self._ready():
            reason = self.query_one("#reason", Input).value.strip() or None
            self.dismiss(Confirmation(True, reason))
        else:
            self.dismiss(Confirmation(False))

    def action_decline(self) -> None:
        self.dismiss(Confirmation(False))
