"""What the Scripts screens show, as table cells and text (display only, no data access)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from psadmin.models.scripts import ScriptPage, ScriptQuery, ScriptRow, tags_text
from psadmin.models.vectors import SimilarResult, SimilarScript, VectorHealth
from widgets.keyed_table import Cell

SCRIPT_COLUMNS = (
    ("id", "id"),
    ("title", "title"),
    ("category", "category"),
    ("owner", "owner"),
    ("tags", "tags"),
    ("version", "ver"),
    ("public", "pub"),
    ("runs", "runs"),
    ("security", "sec"),
    ("quality", "qual"),
    ("updated", "updated (UTC)"),
)
SIMILAR_COLUMNS = (
    ("id", "id"),
    ("distance", "distance"),
    ("category", "category"),
    ("title", "title"),
)
TITLE_WIDTH = 40


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def score(value: float | None, low: float = 60, high: float = 80) -> Text:
    if value is None:
        return Text("-", style="dim")
    style = "bold red" if value < low else "yellow" if value < high else "green"
    return Text(f"{value:.0f}", style=style)


def short(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def script_cells(row: ScriptRow) -> tuple[Cell, ...]:
    return (
        row.id,
        short(row.title, TITLE_WIDTH),
        short(row.category, 22),
        short(row.owner, 14),
        tags_text(row.tags, 2),
        row.version,
        "yes" if row.is_public else "",
        row.execution_count,
        score(row.security_score),
        score(row.quality_score),
        when(row.updated_at),
    )


def similar_cells(item: SimilarScript) -> tuple[Cell, ...]:
    return (item.id, f"{item.distance:.4f}", short(item.category, 22), short(item.title, 60))


def page_summary(query: ScriptQuery, page: ScriptPage | None, page_no: int) -> Text:
    text = Text()
    text.append(query.filter.describe(), style="bold")
    sort = page.sort if page is not None else query.sort
    text.append(f" · {sort.label} · page {page_no}", style="")
    if page is not None:
        if page.has_next:
            text.append(" · more →", style="dim")
        if query.filter.search:
            text.append(f" · search: {page.search.describe()}", style="dim")
        if sort is not query.sort:
            text.append(f" · ({query.sort.label} needs a trigram search)", style="yellow")
    return text


def health_text(health: VectorHealth | None, ef_search: int) -> Text:
    text = Text()
    if health is None:
        return Text("reading vector health…", style="dim")
    if not health.available:
        text.append(f"{health.reason}\n", style="bold red")
        text.append(health.fix or "", style="dim")
        return text
    coverage = health.coverage
    covered = "-" if coverage is None else f"{coverage:.1%}"
    text.append(f"{health.embedded}/{health.scripts} embedded ({covered})\n", style="bold")
    text.append(f"{health.missing} missing", style="bold red" if health.missing else "green")
    text.append(" · ")
    text.append(f"{health.stale} stale", style="yellow" if health.stale else "green")
    wrong = health.wrong_dimension or 0
    text.append(" · ")
    text.append(f"{wrong} wrong dim", style="bold red" if wrong else "green")
    text.append(f" (vector({health.dimension or '?'}))\n", style="dim")
    for model in health.models:
        foreign = model.model_version != health.local_model
        style = "yellow" if foreign else ""
        text.append(f"model {model.model_version}: {model.count}", style=style)
        text.append("\n" if foreign else " (psadmin's)\n", style="dim")
    if not health.script_indexes:
        text.append("no ANN index on script_embeddings: every search is exact\n", style="yellow")
    for index in health.indexes:
        text.append(f"{index.name} ", style="bold")
        text.append(f"{index.method} {index.params_text} {index.size_bytes / 2**20:.1f} MiB")
        text.append("" if index.valid else " INVALID", style="bold red")
        text.append("\n")
    for build in health.builds:
        done = "" if build.fraction is None else f" {build.fraction:.0%}"
        text.append(f"building {build.index or 'new index'} on {build.table}: ", style="yellow")
        text.append(f"{build.phase}{done}\n", style="yellow")
    server = health.ef_search_default
    text.append(
        f"pgvector {health.pgvector_version} · ef_search {ef_search}"
        + (f" (server {server})" if server is not None else ""),
        style="dim",
    )
    if health.warning:
        text.append(f"\n{health.warning}", style="yellow")
    return text


def similar_title(result: SimilarResult | None) -> str:
    if result is None:
        return "Similar scripts (m)"
    scope = "same category" if result.query.same_category else "all categories"
    return f"Similar to #{result.query.script_id} · top {result.query.k} · {scope}"


def similar_subtitle(result: SimilarResult | None) -> str:
    if result is None:
        return "m on a script · c same category · +/- ef_search"
    if result.reason and not result.results:
        return result.reason
    plan = result.plan
    index = "exact" if plan is None or plan.index is None else plan.index
    return f"{index} · ef_search {result.query.ef_search} · {result.elapsed_ms:.1f} ms"
