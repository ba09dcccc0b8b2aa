"""One script in full: metadata, the latest analysis, version history, execution stats, the
PowerShell content highlighted and scrollable, and the scripts most similar to it.

``enter`` on a similar script opens its detail on top of this one; ``escape`` walks back.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from psadmin.models.errors import BackendError
from psadmin.models.scripts import Finding, ScriptAnalysis, ScriptDetail
from psadmin.models.vectors import SimilarQuery, SimilarResult
from screens.context import ScreenContext
from screens.scripts_cells import (
    SIMILAR_COLUMNS,
    score,
    similar_cells,
    similar_subtitle,
    similar_title,
    when,
)
from widgets.code_view import CodeView
from widgets.header_clock import PanelHeader
from widgets.key_footer import KeyFooter
from widgets.keyed_table import KeyedTable

FINDINGS_SHOWN = 8


def meta_text(d: ScriptDetail) -> Text:
    text = Text()
    text.append(f"#{d.id} {d.title}\n", style="bold")
    if d.description:
        text.append(f"{d.description}\n")
    fields = (
        ("category", d.category or "-"),
        ("owner", d.owner or "-"),
        ("tags", ", ".join(d.tags) or "-"),
        ("version", f"{d.version} ({d.versions_total} in history)"),
        ("public", "yes" if d.is_public else "no"),
        ("created / updated", f"{when(d.created_at)} / {when(d.updated_at)} UTC"),
        ("file hash", d.file_hash or "-"),
    )
    for label, value in fields:
        text.append(f"{label}: ", style="dim")
        text.append(f"{value}   ")
    text.append("\nembedding: ", style="dim")
    e = d.embedding
    if e is None:
        text.append("none (not in similarity search; Embed missing on the list)", style="yellow")
    else:
        text.append(f"{e.model_version} ({e.embedding_type}), {when(e.updated_at)} UTC")
        if e.stale:
            text.append(" — older than the latest version", style="yellow")
    return text


def _findings(text: Text, label: str, items: tuple[Finding, ...] | tuple[str, ...]) -> None:
    if not items:
        return
    text.append(f"\n{label} ({len(items)})\n", style="bold")
    for item in items[:FINDINGS_SHOWN]:
        if isinstance(item, Finding):
            where = f" line {item.line}" if item.line is not None else ""
            severity = f"[{item.severity}] " if item.severity else ""
            text.append(f"• {severity}", style="yellow")
            text.append(f"{item.title}{where}\n")
            if item.detail:
                text.append(f"  {item.detail}\n", style="dim")
        else:
            text.append(f"• {item}\n")


def analysis_text(a: ScriptAnalysis | None) -> Text:
    if a is None:
        return Text("No analysis stored for this script.", style="dim")
    text = Text()
    text.append("Analysis", style="bold underline")
    text.append(f"  v{a.analysis_version or '?'} {when(a.updated_at)}\n", style="dim")
    if a.purpose:
        text.append(f"{a.purpose}\n")
    text.append("security ", style="dim")
    text.append_text(score(a.security_score))
    text.append("  quality ", style="dim")
    text.append_text(score(a.quality_score))
    text.append("  risk ", style="dim")
    text.append(f"{a.risk_score:.0f}" if a.risk_score is not None else "-")
    text.append("\n")
    _findings(text, "Security issues", a.security_issues)
    _findings(text, "Best-practice violations", a.best_practice_violations)
    _findings(text, "Suggestions", a.suggestions)
    _findings(text, "Potential risks", a.potential_risks)
    _findings(text, "Performance", a.performance_insights)
    return text


def history_text(d: ScriptDetail) -> Text:
    text = Text()
    text.append(f"Versions ({d.versions_total})\n", style="bold underline")
    for v in d.versions:
        text.append(f"v{v.version} ", style="bold")
        text.append(f"{when(v.created_at)} {v.author or '?'} · {v.size_chars} chars\n", style="dim")
        text.append(f"  {v.commit_message or '(no message)'}\n")
    if d.versions_total > len(d.versions):
        text.append(f"… {d.versions_total - len(d.versions)} older versions\n", style="dim")
    x = d.executions
    text.append("\nExecutions", style="bold underline")
    text.append(f" ({x.total} logged, counter {d.execution_count})\n")
    if x.total:
        ratio = x.success_ratio or 0.0
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(x.by_status.items()))
        text.append(f"{statuses} · success {ratio:.0%}\n")
        mean = "-" if x.mean_ms is None else f"{x.mean_ms:.0f}"
        p95 = "-" if x.p95_ms is None else f"{x.p95_ms:.0f}"
        text.append(f"mean {mean} ms · p95 {p95} ms · {x.last_30_days} in 30 days\n")
        text.append(f"last run {when(x.last_at)} UTC\n", style="dim")
        if x.last_error:
            text.append(f"last error: {x.last_error}\n", style="yellow")
    return text


class ScriptDetailScreen(Screen[None]):
    DEFAULT_CSS = """
    ScriptDetailScreen #detail-meta { height: auto; max-height: 8; padding: 0 1; }
    ScriptDetailScreen #detail-body { height: 1fr; }
    ScriptDetailScreen #detail-code { width: 3fr; border: round $panel-lighten-2; }
    ScriptDetailScreen #detail-side { width: 2fr; border: round $panel-lighten-2; padding: 0 1; }
    ScriptDetailScreen #detail-similar { height: 10; border: round $panel-lighten-2; }
    """
    BINDINGS = [
        Binding("escape", "close", "Back", id="script_detail.close"),
        Binding("m", "similar", "Similar", id="script_detail.similar"),
        Binding("c", "toggle_same_category", "Same category", id="script_detail.same_category"),
    ]

    @dataclass
    class Loaded(Message):
        detail: ScriptDetail | None
        error: str | None = None

    @dataclass
    class SimilarLoaded(Message):
        result: SimilarResult

    def __init__(
        self, context: ScreenContext, script_id: int, ef_search: int, same_category: bool
    ) -> None:
        super().__init__()
        self.context = context
        self.script_id = script_id
        self.ef_search = ef_search
        self.same_category = same_category
        self.detail: ScriptDetail | None = None
        self.similar: SimilarResult | None = None

    def compose(self) -> ComposeResult:
        yield PanelHeader()
        yield Static(Text(f"Loading script {self.script_id}…", style="dim"), id="detail-meta")
        with Horizontal(id="detail-body"):
            yield CodeView(id="detail-code")
            with VerticalScroll(id="detail-side"):
                yield Static(id="detail-analysis")
                yield Static(id="detail-history")
        yield KeyedTable(SIMILAR_COLUMNS, id="detail-similar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "psadmin"
        self.sub_title = f"Script {self.script_id}"
        self.query_one("#detail-code", CodeView).border_title = "Content"
        self._show_similar()
        self.run_worker(self._load(), group="detail", exit_on_error=False)

    async def _load(self) -> None:
        try:
            detail = await self.context.backend.script_detail(self.script_id)
        except BackendError as exc:
            self.post_message(self.Loaded(None, exc.message))
        else:
            self.post_message(self.Loaded(detail))

    def on_script_detail_screen_loaded(self, loaded: Loaded) -> None:
        meta = self.query_one("#detail-meta", Static)
        d = loaded.detail
        if d is None:
            why = loaded.error or f"no script with id {self.script_id} (deleted?)"
            meta.update(Text(why, style="bold red"))
            return
        self.detail = d
        meta.update(meta_text(d))
        note = None
        if d.content_truncated:
            note = f"showing the first {len(d.content)} of {d.content_chars} characters"
        code = self.query_one("#detail-code", CodeView)
        code.border_subtitle = f"{d.content_chars} chars · PowerShell"
        code.show(d.content, "powershell", note)
        self.query_one("#detail-analysis", Static).update(analysis_text(d.analysis))
        self.query_one("#detail-history", Static).update(history_text(d))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_similar(self) -> None:
        query = SimilarQuery(
            self.script_id, same_category=self.same_category, ef_search=self.ef_search
        )
        self.run_worker(self._load_similar(query), group="similar", exclusive=True)

    def action_toggle_same_category(self) -> None:
        self.same_category = not self.same_category
        self.action_similar()

    async def _load_similar(self, query: SimilarQuery) -> None:
        try:
            result = await self.context.backend.similar_scripts(query)
        except BackendError as exc:
            result = SimilarResult(query, reason=f"search failed: {exc.message}")
        self.post_message(self.SimilarLoaded(result))

    def on_script_detail_screen_similar_loaded(self, loaded: SimilarLoaded) -> None:
        self.similar = loaded.result
        self._show_similar()
        self.query_one("#detail-similar", KeyedTable).focus()

    def _show_similar(self) -> None:
        table = self.query_one("#detail-similar", KeyedTable)
        result = self.similar
        table.border_title = similar_title(result)
        table.border_subtitle = similar_subtitle(result)
        table.show((item.id, similar_cells(item)) for item in (result.results if result else ()))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        key = table.selected_key if isinstance(table, KeyedTable) else None
        if isinstance(key, int) and key != self.script_id:
            self.app.push_screen(
                ScriptDetailScreen(self.context, key, self.ef_search, self.same_category)
            )
