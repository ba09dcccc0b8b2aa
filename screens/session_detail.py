"""One session in full: every pg_stat_activity field psadmin reads and the whole query text."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from psadmin.models.activity import Session
from psadmin.models.session_filter import short_age


def detail_text(s: Session) -> Text:
    fields = (
        ("pid", str(s.pid)),
        ("backend start", s.backend_start.isoformat() if s.backend_start else "not visible"),
        ("user", s.user or "?"),
        ("application", s.application or "(no name)"),
        ("client", s.client_addr or "local socket"),
        ("database", s.database or "?"),
        ("state", s.state or "not visible"),
        ("wait", f"{s.wait_event_type or '-'}: {s.wait_event or '-'}"),
        ("query age", short_age(s.query_age_s)),
        ("transaction age", short_age(s.xact_age_s)),
        ("connection age", short_age(s.backend_age_s)),
        ("blocked by", ", ".join(map(str, s.blocked_by)) or "-"),
        (
            "lock wait",
            f"{s.lock_mode} on {s.lock_target} for {short_age(s.lock_wait_s)}"
            if s.lock_mode
            else "-",
        ),
        ("may signal", "yes" if s.can_signal else "no"),
    )
    text = Text()
    for label, value in fields:
        text.append(f"{label:<16}", style="dim")
        text.append(f"{value}\n")
    return text


class SessionDetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    SessionDetailScreen { align: center middle; }
    SessionDetailScreen > Vertical {
        width: 90%;
        max-width: 120;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    SessionDetailScreen #fields { height: auto; }
    SessionDetailScreen #query {
        height: 1fr;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="session_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="session_detail.quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Session {self.session.pid}"
            box.border_subtitle = "esc to close"
            yield Static(detail_text(self.session), id="fields")
            with VerticalScroll(id="query"):
                yield Static(Text(self.session.query or "(no query text)"), id="query-text")
