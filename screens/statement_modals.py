"""The Queries screen's modals: a statement in full, its parameters, a plan, a live query."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from psadmin.models.session_filter import short_age
from psadmin.models.statement_params import NULL, ParameterError, coerce_parameters
from psadmin.models.statements import (
    ExplainMode,
    ExplainResult,
    LongRunningQuery,
    RankedStatement,
)
from screens.queries_cells import count, millis, percent, running

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90%;
    max-width: 130;
    height: 90%;
    border: thick $primary;
    background: $surface;
    padding: 0 1;
}}
{name} .fields {{ height: auto; }}
{name} .text {{ height: 1fr; background: $panel; padding: 0 1; }}
{name} .hint {{ height: 1; color: $text-muted; }}
"""


def _fields(pairs: tuple[tuple[str, str], ...]) -> Text:
    text = Text()
    for label, value in pairs:
        text.append(f"{label:<18}", style="dim")
        text.append(f"{value}\n")
    return text


def statement_fields(ranked: RankedStatement) -> Text:
    s, d = ranked.stats, ranked.interval
    since = s.stats_since.isoformat(timespec="seconds") if s.stats_since else "—"
    pairs = (
        ("queryid", str(s.key.queryid)),
        ("userid / level", f"{s.key.userid} / {'top level' if s.key.toplevel else 'nested'}"),
        ("calls", f"{s.calls:,}"),
        ("total time", f"{millis(s.total_exec_ms)} ms ({percent(ranked.total_share)} of all)"),
        (
            "mean / min / max",
            f"{millis(s.mean_exec_ms)} / {millis(s.min_exec_ms)} / {millis(s.max_exec_ms)} ms "
            f"(stddev {millis(s.stddev_exec_ms)})",
        ),
        ("rows", f"{s.rows:,}"),
        (
            "shared blocks",
            f"hit {count(s.shared_blks_hit)}, read {count(s.shared_blks_read)}, dirtied "
            f"{count(s.shared_blks_dirtied)}, written {count(s.shared_blks_written)}",
        ),
        ("I/O time", f"read {millis(s.blk_read_ms)} ms, write {millis(s.blk_write_ms)} ms"),
        ("temp blocks", f"read {count(s.temp_blks_read)}, written {count(s.temp_blks_written)}"),
        ("WAL", "—" if s.wal_bytes is None else f"{s.wal_bytes:,} bytes"),
        ("counting since", since),
        (
            "last interval",
            "no calls"
            if d is None
            else f"{d.calls:,} calls, {millis(d.exec_ms)} ms (mean {millis(d.mean_ms)} ms, "
            f"{percent(d.share)} of the interval)",
        ),
    )
    return _fields(pairs)


class StatementDetailScreen(ModalScreen[str | None]):
    """Returns what to do next: ``explain``, ``parameters``, ``analyze`` or None."""

    DEFAULT_CSS = MODAL_CSS.format(name="StatementDetailScreen")
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="statement_detail.close"),
        Binding("e", "dismiss('explain')", "EXPLAIN", id="statement_detail.explain"),
        Binding("p", "dismiss('parameters')", "With parameters", id="statement_detail.parameters"),
        Binding("A", "dismiss('analyze')", "EXPLAIN ANALYZE", id="statement_detail.analyze"),
    ]

    def __init__(self, ranked: RankedStatement) -> None:
        super().__init__()
        self.ranked = ranked

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Statement {self.ranked.stats.key.queryid}"
            box.border_subtitle = "esc close"
            yield Static(statement_fields(self.ranked), classes="fields")
            with VerticalScroll(classes="text"):
                text = self.ranked.stats.query or "(query text not available)"
                yield Static(Text(text), id="statement-text")
            yield Static(
                "e EXPLAIN · p EXPLAIN with parameter values · A EXPLAIN ANALYZE (rolled back)",
                classes="hint",
            )


class ParametersScreen(ModalScreen[tuple[str, ...] | None]):
    """One input per ``$n``; the values are checked against the types, then bound."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ParametersScreen")
        + """
    ParametersScreen > Vertical { height: auto; max-height: 90%; }
    ParametersScreen .text { height: auto; max-height: 8; }
    ParametersScreen #parameter-list { height: auto; max-height: 24; }
    ParametersScreen #parameter-error { color: $error; height: auto; }
    ParametersScreen Horizontal { height: auto; align-horizontal: right; }
    ParametersScreen Button { margin-left: 2; }
    """
    )
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="parameters.cancel")]

    def __init__(self, statement: str, types: tuple[str, ...], purpose: str) -> None:
        super().__init__()
        self.statement = statement
        self.types = types
        self.purpose = purpose

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Parameter values for {self.purpose}"
            box.border_subtitle = "esc cancel"
            with VerticalScroll(classes="text"):
                yield Static(Text(self.statement))
            with VerticalScroll(id="parameter-list"):
                for i, kind in enumerate(self.types, 1):
                    yield Label(f"${i} ({kind})")
                    yield Input(placeholder=f"value, or {NULL}", id=f"parameter-{i}")
            yield Static("", id="parameter-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Run", id="run", variant="primary")

    def on_mount(self) -> None:
        if self.types:
            self.set_focus(self.query_one("#parameter-1", Input))

    def values(self) -> tuple[str, ...]:
        return tuple(
            self.query_one(f"#parameter-{i}", Input).value for i in range(1, len(self.types) + 1)
        )

    def submit(self) -> None:
        values = self.values()
        try:
            coerce_parameters(values, self.types)
        except ParameterError as exc:
            self.query_one("#parameter-error", Static).update(str(exc))
            return
        self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        index = int((event.input.id or "parameter-0").rsplit("-", 1)[1])
        if index < len(self.types):
            # at once, not deferred, so keys typed right after Enter go to the next value
            self.set_focus(self.query_one(f"#parameter-{index + 1}", Input))
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run":
            self.submit()
        else:
            self.dismiss(None)


_MODE_TITLES = {
    ExplainMode.PLAIN: "EXPLAIN",
    ExplainMode.GENERIC: "EXPLAIN (GENERIC_PLAN)",
    ExplainMode.PARAMETERS: "EXPLAIN with the values given",
    ExplainMode.ANALYZE: "EXPLAIN ANALYZE (executed, rolled back)",
}


class PlanScreen(ModalScreen[None]):
    DEFAULT_CSS = (
        MODAL_CSS.format(name="PlanScreen")
        + """
    PlanScreen .fields { max-height: 8; overflow-y: auto; }
    """
    )
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="plan.close"),
        Binding("q", "dismiss", "Close", show=False, id="plan.quit"),
    ]

    def __init__(self, result: ExplainResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        result = self.result
        with Vertical() as box:
            box.border_title = f"{_MODE_TITLES[result.mode]} · statement {result.key.queryid}"
            box.border_subtitle = "esc close"
            header = Text(result.statement, style="dim")
            if result.parameters:
                bound = ", ".join(f"${i} = {v!r}" for i, v in enumerate(result.parameters, 1))
                header.append(f"\n{bound}", style="cyan")
            yield Static(header, classes="fields")
            with VerticalScroll(classes="text"):
                yield Static(Text(result.plan), id="plan-text")


class LongQueryScreen(ModalScreen[None]):
    DEFAULT_CSS = MODAL_CSS.format(name="LongQueryScreen")
    BINDINGS = [Binding("escape", "dismiss", "Close", id="long_query.close")]

    def __init__(self, query: LongRunningQuery) -> None:
        super().__init__()
        self.long = query

    def compose(self) -> ComposeResult:
        q = self.long
        pairs = (
            ("pid", str(q.pid)),
            ("user / database", f"{q.user or '?'} / {q.database or '?'}"),
            ("application", q.application or "(no name)"),
            ("client", q.client_addr or "local socket"),
            ("state", q.state or "?"),
            ("query running", running(q.query_ms)),
            ("transaction age", short_age(q.xact_age_s)),
            ("waiting on", f"{q.wait_event_type}: {q.wait_event}" if q.wait_event_type else "—"),
            ("query_id", "—" if q.query_id is None else str(q.query_id)),
        )
        with Vertical() as box:
            box.border_title = f"Query of pid {q.pid}"
            box.border_subtitle = "esc close"
            yield Static(_fields(pairs), classes="fields")
            with VerticalScroll(classes="text"):
                yield Static(Text(q.query or "(no query text)"), id="long-query-text")
