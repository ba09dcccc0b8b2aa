"""The VACUUM options modal (only the options this server supports), and the notices viewer.

Choosing options is not the confirmation: the request it builds still goes through the one
confirmation modal of every admin action (typed table name for FULL).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from psadmin.models.vacuum import (
    DEFAULT_LOCK_TIMEOUT_MS,
    INDEX_CLEANUP,
    VacuumOptions,
    quote_ident,
    supported_options,
)

FLAGS = (
    ("verbose", "VERBOSE", "report per phase (shown as notices)"),
    ("analyze", "ANALYZE", "refresh planner statistics afterwards"),
    ("freeze", "FREEZE", "freeze every tuple (as with vacuum_freeze_min_age = 0)"),
    ("full", "FULL", "rewrite the table: ACCESS EXCLUSIVE lock"),
    ("skip_locked", "SKIP_LOCKED", "skip the table instead of waiting for its lock"),
)
FULL_WARNING = (
    "FULL takes an ACCESS EXCLUSIVE lock: every read and write of the table waits until it "
    "ends. It rewrites the table and its indexes into new files and needs free disk space "
    "about their size. You will type the table name to confirm."
)


class VacuumOptionsScreen(ModalScreen[VacuumOptions | None]):
    DEFAULT_CSS = """
    VacuumOptionsScreen { align: center middle; }
    VacuumOptionsScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 95%;
        border: thick $accent;
        background: $surface;
        padding: 0 2;
    }
    VacuumOptionsScreen .field { height: 1; margin-top: 1; }
    VacuumOptionsScreen .field Label { width: 22; }
    VacuumOptionsScreen .field Input, VacuumOptionsScreen .field Select { width: 1fr; }
    VacuumOptionsScreen #full-warning { color: $error; display: none; }
    VacuumOptionsScreen #full-warning.-shown { display: block; }
    VacuumOptionsScreen #problems { color: $error; }
    VacuumOptionsScreen #preview { background: $panel; padding: 0 1; }
    VacuumOptionsScreen #buttons { height: 1; align-horizontal: right; margin-top: 1; }
    VacuumOptionsScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="vacuum_options.cancel")]

    def __init__(self, schema: str, table: str, server_version_num: int, summary: str = "") -> None:
        super().__init__()
        self.schema, self.table = schema, table
        self.server_version_num = server_version_num
        self.supported = supported_options(server_version_num)
        self.summary = summary

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(f"VACUUM {self.schema}.{self.table}", style="bold"))
            if self.summary:
                yield Static(Text(self.summary, style="dim"), id="summary")
            for name, option, help_text in FLAGS:
                if option in self.supported:
                    yield Checkbox(
                        f"{option} — {help_text}",
                        value=name == "analyze",
                        id=f"opt-{name}",
                        compact=True,
                    )
            yield Static(FULL_WARNING, id="full-warning")
            with Horizontal(classes="field"):
                yield Label("INDEX_CLEANUP")
                yield Select(
                    [(value.upper(), value) for value in INDEX_CLEANUP],
                    value="auto",
                    allow_blank=False,
                    id="opt-index_cleanup",
                    compact=True,
                )
            with Horizontal(classes="field"):
                yield Label("PARALLEL workers")
                yield Input(
                    placeholder="server default", id="opt-parallel", type="integer", compact=True
                )
            if "BUFFER_USAGE_LIMIT" in self.supported:
                with Horizontal(classes="field"):
                    yield Label("BUFFER_USAGE_LIMIT")
                    yield Input(
                        placeholder="e.g. 2MB (default: vacuum_buffer_usage_limit)",
                        id="opt-buffer_usage_limit",
                        compact=True,
                    )
            with Horizontal(classes="field"):
                yield Label("Lock wait (seconds)")
                yield Input(
                    str(DEFAULT_LOCK_TIMEOUT_MS // 1000),
                    id="opt-lock_timeout",
                    type="number",
                    compact=True,
                )
            yield Static("", id="problems")
            yield Static("", id="preview")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(
                    "Continue to confirmation", id="continue", variant="warning", compact=True
                )

    def on_mount(self) -> None:
        self.query_one("#opt-analyze", Checkbox).focus()
        self.refresh_preview()

    def _checked(self, name: str) -> bool:
        found = self.query(f"#opt-{name}").results(Checkbox)
        return any(box.value for box in found)

    def _text(self, name: str) -> str:
        found = list(self.query(f"#opt-{name}").results(Input))
        return found[0].value.strip() if found else ""

    def options(self) -> tuple[VacuumOptions | None, list[str]]:
        """The options as entered, or None with what is wrong."""
        problems: list[str] = []
        parallel: int | None = None
        if self._text("parallel"):
            try:
                parallel = int(self._text("parallel"))
            except ValueError:
                problems.append("PARALLEL must be a whole number")
        lock_ms = DEFAULT_LOCK_TIMEOUT_MS
        try:
            lock_ms = round(float(self._text("lock_timeout") or "5") * 1000)
        except ValueError:
            problems.append("the lock wait must be a number of seconds")
        cleanup = self.query_one("#opt-index_cleanup", Select).value
        options = VacuumOptions(
            verbose=self._checked("verbose"),
            analyze=self._checked("analyze"),
            freeze=self._checked("freeze"),
            full=self._checked("full"),
            skip_locked=self._checked("skip_locked"),
            index_cleanup=cleanup if isinstance(cleanup, str) else "auto",
            parallel=parallel,
            buffer_usage_limit=self._text("buffer_usage_limit") or None,
            lock_timeout_ms=lock_ms,
        )
        problems += options.problems(self.server_version_num)
        return (None if problems else options), problems

    def refresh_preview(self) -> None:
        options, problems = self.options()
        self.query_one("#full-warning").set_class(self._checked("full"), "-shown")
        self.query_one("#problems", Static).update("\n".join(problems))
        table = f"{quote_ident(self.schema)}.{quote_ident(self.table)}"
        preview = options.statement(table) if options is not None else ""
        self.query_one("#preview", Static).update(Text(preview))
        self.query_one("#continue", Button).disabled = options is None

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.refresh_preview()

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.refresh_preview()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.refresh_preview()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            options, _ = self.options()
            if options is not None:
                self.dismiss(options)
                return
        elif event.button.id == "cancel":
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoticesScreen(ModalScreen[None]):
    """Every notice, warning and INFO line a VACUUM sent, scrollable."""

    DEFAULT_CSS = """
    NoticesScreen { align: center middle; }
    NoticesScreen > Vertical {
        width: 95%;
        height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    NoticesScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="notices.close")]

    def __init__(self, title: str, notices: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.notices = notices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            with VerticalScroll():
                body = "\n\n".join(self.notices) or "The server sent no notices."
                yield Static(Text(body), id="notices")

    def action_close(self) -> None:
        self.dismiss(None)
