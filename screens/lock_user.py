"""The small form that asks how long to lock an account, and why."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from psadmin.models.users import MAX_LOCK_MINUTES, validate_minutes, validate_reason


@dataclass(frozen=True, slots=True)
class LockChoice:
    minutes: int
    reason: str


class LockUserScreen(ModalScreen[LockChoice | None]):
    """Minutes (default: the policy's lock length) and a reason; Esc or Cancel gives None."""

    DEFAULT_CSS = """
    LockUserScreen { align: center middle; }
    LockUserScreen > Vertical {
        width: 70;
        max-width: 95%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    LockUserScreen #lock-error { color: $error; height: auto; }
    LockUserScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    LockUserScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="lock.cancel")]

    def __init__(self, username: str, default_minutes: int) -> None:
        super().__init__()
        self.username = username
        self.default_minutes = default_minutes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble("Lock ", (self.username, "bold"), " for"))
            yield Input(
                str(self.default_minutes),
                placeholder=f"minutes, 1 to {MAX_LOCK_MINUTES}",
                id="lock-minutes",
            )
            yield Input(placeholder="reason (required, audited)", id="lock-reason")
            yield Static("", id="lock-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Lock…", id="lock", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#lock-minutes", Input).focus()

    def _choice(self) -> LockChoice | None:
        error = self.query_one("#lock-error", Static)
        try:
            minutes = validate_minutes(self.query_one("#lock-minutes", Input).value)
            reason = validate_reason(self.query_one("#lock-reason", Input).value)
        except ValueError as exc:
            error.update(str(exc))
            return None
        error.update("")
        return LockChoice(minutes, reason)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "lock-minutes":
            self.query_one("#lock-reason", Input).focus()
            return
        choice = self._choice()
        if choice is not None:
            self.dismiss(choice)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "lock":
            self.dismiss(None)
            return
        choice = self._choice()
        if choice is not None:
            self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
