"""What the Indexes screen's tables show: columns, cells, sorting, filtering, the action."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence

from rich.text import Text

from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.indexes import (
    Finding,
    FindingLevel,
    IndexAudit,
    IndexBloat,
    IndexUsage,
    IndexUsageRow,
    SeqScanTable,
)
from psadmin.models.overview import format_bytes, format_duration, format_ratio
from psadmin.models.vectors import IndexBuild
from widgets.keyed_table import Cell

FINDING_COLUMNS = (
    ("level", "Level"),
    ("kind", "Kind"),
    ("table", "Table"),
    ("object", "Object"),
    ("detail", "Detail"),
)
USAGE_COLUMNS = (
    ("index", "Index"),
    ("table", "Table"),
    ("size", "Size"),
    ("scans", "Scans"),
    ("last", "Last scan"),
    ("read", "Tup read"),
    ("fetched", "Tup fetched"),
    ("hit", "Cache hit"),
    ("flags", "Flags"),
    ("bloat", "Est. bloat"),
)
SEQ_COLUMNS = (
    ("table", "Table"),
    ("size", "Size"),
    ("rows", "Live rows"),
    ("seq", "Seq scans"),
    ("idx", "Index scans"),
    ("share", "Seq share"),
    ("per_scan", "Rows/seq scan"),
)
LEVEL_STYLES = {
    FindingLevel.CRITICAL: "bold red",
    FindingLevel.WARNING: "yellow",
    FindingLevel.INFO: "dim",
}
USAGE_SORTS: dict[str, str] = {"size": "size", "scans": "scans", "name": "name", "bloat": "bloat"}
USAGE_SORT_ORDER = tuple(USAGE_SORTS)
DETAIL_WIDTH = 90
MAX_ROWS = 500
"""Rows per table: a DataTable grows slow to fill past a few hundred rows, and on a catalog of
thousands of indexes nobody reads past the first screens anyway; ``/`` narrows the rest."""


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def matches(needle: str, *parts: str | None) -> bool:
    return not needle or needle.casefold() in " ".join(p or "" for p in parts).casefold()


def finding_rows(
    findings: Iterable[Finding], needle: str = ""
) -> Iterator[tuple[Hashable, Sequence[Cell]]]:
    for f in findings:
        if not matches(needle, f.key, f.table, f.object, f.detail):
            continue
        yield (
            f.key,
            (
                Text(f.level.label, style=LEVEL_STYLES[f.level]),
                f.kind,
                f.qualified_table,
                f.object,
                _clip(f.detail, DETAIL_WIDTH),
            ),
        )


def _flags(row: IndexUsageRow) -> str:
    flags = []
    if row.primary:
        flags.append("primary")
    elif row.unique:
        flags.append("unique")
    if row.constraint and not row.primary:
        flags.append("constraint")
    if not row.valid:
        flags.append("INVALID")
    if row.method != "btree":
        flags.append(row.method)
    return " ".join(flags)


def _bloat_cell(bloat: IndexBloat | None) -> str:
    if bloat is None:
        return "—"
    text = f"{format_ratio(bloat.bloat_ratio)} · {format_bytes(bloat.bloat_bytes)}"
    return text if bloat.reliable else f"{text} ?"


def sort_usage(
    rows: Iterable[IndexUsageRow], sort: str, bloat: Mapping[str, IndexBloat]
) -> list[IndexUsageRow]:
    if sort == "scans":
        return sorted(rows, key=lambda r: (r.scans, -r.size_bytes, r.key))
    if sort == "name":
        return sorted(rows, key=lambda r: r.key)
    if sort == "bloat":
        return sorted(
            rows, key=lambda r: (-(bloat[r.key].bloat_bytes if r.key in bloat else -1), r.key)
        )
    return sorted(rows, key=lambda r: (-r.size_bytes, r.key))


def usage_rows(
    usage: IndexUsage, sort: str, bloat: Mapping[str, IndexBloat], needle: str = ""
) -> Iterator[tuple[Hashable, Sequence[Cell]]]:
    for r in sort_usage(usage.indexes, sort, bloat):
        if not matches(needle, r.key, r.table):
            continue
        last = "—"
        if r.last_scan is not None:
            last = format_duration((usage.taken_at - r.last_scan).total_seconds()) + " ago"
        yield (
            r.key,
            (
                r.name,
                f"{r.schema}.{r.table}",
                format_bytes(r.size_bytes),
                r.scans,
                last,
                r.tuples_read,
                r.tuples_fetched,
                format_ratio(r.cache_hit_ratio),
                _flags(r),
                _bloat_cell(bloat.get(r.key)),
            ),
        )


def seq_rows(
    tables: Iterable[SeqScanTable], needle: str = ""
) -> Iterator[tuple[Hashable, Sequence[Cell]]]:
    for t in tables:
        if matches(needle, t.key):
            yield (
                t.key,
                (
                    t.key,
                    format_bytes(t.size_bytes),
                    t.live_rows,
                    t.seq_scans,
                    t.index_scans,
                    format_ratio(t.seq_share),
                    f"{t.rows_per_seq_scan:,.0f}",
                ),
            )


def summary(usage: IndexUsage | None, audit: IndexAudit | None, auditing: bool) -> str:
    parts = []
    if usage is not None:
        age = usage.stats_age_s
        stats = "never reset" if age is None else f"reset {format_duration(age)} ago"
        sizes = format_bytes(usage.total_bytes)
        if usage.catalog_age_s >= 1:  # the list and sizes come from an earlier read
            sizes += f" (list and sizes {format_duration(usage.catalog_age_s)} old)"
        parts.append(f"{len(usage.indexes)} indexes · {sizes} · statistics {stats}")
    if auditing:
        parts.append("audit running…")
    elif audit is not None:
        levels = [f.level for f in audit.findings]
        counts = ", ".join(
            f"{levels.count(level)} {level.label}"
            for level in (FindingLevel.CRITICAL, FindingLevel.WARNING, FindingLevel.INFO)
            if level in levels
        )
        psscript = f" · PSScript schema {audit.psscript_schema}" if audit.psscript_schema else ""
        parts.append(
            f"audit: {len(audit.findings)} findings ({counts or 'none'}) · "
            f"{audit.suppressed} suppressed · {audit.duration_ms:.0f} ms{psscript}"
        )
        parts.extend(audit.notes)
    return "  |  ".join(parts) or "loading…"


def finding_detail(finding: Finding | None) -> str:
    if finding is None:
        return "No finding selected."
    refs = f" → {finding.references}" if finding.references else ""
    cols = f" ({', '.join(finding.columns)})" if finding.columns else ""
    action = "c: create it now · " if finding.fix else ""
    return (
        f"[b]{finding.kind}[/b] {finding.qualified_table}{refs} · {finding.object}{cols}\n"
        f"{finding.detail}\n\n{finding.remediation}\n\n"
        f'[dim]{action}y: copy the SQL · hide it with suppress = ["{finding.key}"] '
        "in the profile[/dim]"
    )


def progress_text(builds: Iterable[IndexBuild]) -> str:
    lines = []
    for b in builds:
        fraction = b.fraction
        share = "" if fraction is None else f" {fraction:.0%}"
        lines.append(f"{b.command} {b.index or '…'} on {b.table}: {b.phase}{share} (pid {b.pid})")
    return "\n".join(lines) or "CREATE INDEX CONCURRENTLY: waiting to start…"


def create_index_request(finding: Finding) -> ActionRequest | None:
    """The admin action building the index this finding asks for, or None."""
    spec = finding.fix
    if spec is None:
        return None
    return ActionRequest(
        kind="create_index",
        target=f"index {spec.name} on {spec.schema}.{spec.table}",
        effect=(
            "Builds the index with CREATE INDEX CONCURRENTLY outside a transaction: reads and "
            "writes go on; progress shows on this screen. It waits at most 60 s for each older "
            "transaction; if it fails, the invalid index it leaves is dropped."
        ),
        statement=finding.remediation,
        params=spec.params(),
        risk=Risk.HIGH,
        confirm_text=spec.name,
    )
