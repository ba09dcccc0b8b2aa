"""Screen 9: every admin action of every kind, newest first, filterable."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from psadmin.models.audit import AuditEvent, AuditRecord
from screens.base import PollingScreen
from screens.context import ScreenContext
from widgets.keyed_table import KeyedTable

COLUMNS = (
    ("at", "When (UTC)"),
    ("event", "Event"),
    ("action", "Action"),
    ("target", "Target"),
    ("who", "Who"),
    ("reason", "Reason"),
    ("duration", "ms"),
    ("message", "Result"),
)
EVENT_STYLES = {
    AuditEvent.OK: "green",
    AuditEvent.NO_OP: "cyan",
    AuditEvent.ERROR: "bold red",
    AuditEvent.REFUSED: "yellow",
    AuditEvent.DECLINED: "dim",
    AuditEvent.REQUESTED: "",
}


def matches(record: AuditRecord, needle: str) -> bool:
    if not needle:
        return True
    haystack = " ".join(
        str(part)
        for part in (
            record.event.value,
            record.action,
            record.target,
            record.os_user,
            record.db_role,
            record.reason or "",
            record.message or "",
            record.server,
            dict(record.params),
        )
    )
    return needle.casefold() in haystack.casefold()


class AuditScreen(PollingScreen):
    panel_title = "Audit"
    AUTO_FOCUS = "#audit-table"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="audit.filter"),
        Binding("escape", "focus_table", "Back to list", show=False, id="audit.back"),
    ]
    DEFAULT_CSS = """
    AuditScreen #audit-filter { margin: 0 1; }
    AuditScreen #audit-summary { padding: 0 1; height: 1; }
    AuditScreen KeyedTable { height: 1fr; }
    """

    @dataclass
    class Loaded(Message):
        records: list[AuditRecord]

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.records: list[AuditRecord] = []

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter: action, target, user, reason, result…", id="audit-filter")
        yield Static("", id="audit-summary")
        yield KeyedTable(COLUMNS, id="audit-table")

    async def fetch(self) -> Message:
        return self.Loaded(await self.context.backend.audit_records(1000))

    def on_audit_screen_loaded(self, loaded: Loaded) -> None:
        self.records = loaded.records
        self.show_records()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "audit-filter":
            self.show_records()

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(KeyedTable).focus()

    def show_records(self) -> None:
        needle = self.query_one("#audit-filter", Input).value.strip()
        shown = [r for r in self.records if matches(r, needle)]
        self.query_one("#audit-summary", Static).update(
            Text(f"{len(shown)} of {len(self.records)} records (newest first)", style="dim")
        )
        self.query_one(KeyedTable).show(
            (
                (record.action_id, record.event.value),
                (
                    record.at.strftime("%Y-%m-%d %H:%M:%S"),
                    Text(record.event.value, style=EVENT_STYLES[record.event]),
                    record.action,
                    record.target,
                    f"{record.os_user} / {record.db_role}",
                    record.reason or "",
                    "" if record.duration_ms is None else f"{record.duration_ms:.0f}",
                    record.message or "",
                ),
            )
            for record in shown
        )
