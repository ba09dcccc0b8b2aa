"""What the Tables screen shows per table: one row model, its cells, sort keys, detail text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text

from psadmin.models.bloat import BloatEstimate, TableMeasurement, measurement_cost
from psadmin.models.health import Level, Thresholds
from psadmin.models.overview import format_bytes, format_duration
from psadmin.models.tables import (
    AutovacuumOutlook,
    TableHealth,
    TableHealthReport,
    autovacuum_outlook,
    table_level,
)
from psadmin.models.vacuum import VacuumComparison, VacuumProgress

LIGHT_STYLE = {
    Level.OK: "green",
    Level.WARNING: "yellow",
    Level.CRITICAL: "bold red",
    Level.UNKNOWN: "grey50",
}

COLUMNS = (
    ("light", "●"),
    ("table", "Table"),
    ("total", "Total"),
    ("heap", "Heap"),
    ("indexes", "Indexes"),
    ("toast", "TOAST"),
    ("live", "Live"),
    ("dead", "Dead"),
    ("dead_ratio", "Dead %"),
    ("bloat", "Bloat est."),
    ("bloat_ratio", "Bloat %"),
    ("vacuum", "Vacuum"),
    ("autovacuum", "Autovacuum"),
    ("analyze", "Analyze"),
    ("autoanalyze", "Autoanalyze"),
    ("next_autovacuum", "Next autovacuum"),
    ("xid_age", "XID age"),
)


@dataclass(frozen=True, slots=True)
class TableRow:
    health: TableHealth
    outlook: AutovacuumOutlook
    estimate: BloatEstimate | None
    level: Level
    reasons: tuple[str, ...]

    @property
    def key(self) -> int:
        return self.health.relid


def table_rows(
    report: TableHealthReport,
    estimates: Mapping[int, BloatEstimate],
    thresholds: Thresholds | None = None,
) -> list[TableRow]:
    rows = []
    for table in report.tables:
        outlook = autovacuum_outlook(table, report.settings)
        estimate = estimates.get(table.relid)
        judged = estimate.bloat_ratio if estimate is not None and estimate.reliable else None
        level, reasons = table_level(table, outlook, judged, thresholds)
        rows.append(TableRow(table, outlook, estimate, level, reasons))
    return rows


def _none_last(value: float | None) -> tuple[bool, float]:
    return (value is None, value or 0.0)


def _moment(value: datetime | None) -> tuple[bool, float]:
    return (value is None, -value.timestamp() if value is not None else 0.0)


SortKey = Callable[[TableRow], Any]
SORTS: dict[str, tuple[str, SortKey]] = {
    "light": ("status", lambda r: (-r.level, -r.health.dead_tuples, -r.health.total_bytes)),
    "table": ("name", lambda r: r.health.qualified),
    "total": ("total size", lambda r: -r.health.total_bytes),
    "heap": ("heap size", lambda r: -r.health.heap_bytes),
    "indexes": ("index size", lambda r: -r.health.index_bytes),
    "toast": ("TOAST size", lambda r: -r.health.toast_bytes),
    "live": ("live tuples", lambda r: -r.health.live_tuples),
    "dead": ("dead tuples", lambda r: -r.health.dead_tuples),
    "dead_ratio": ("dead ratio", lambda r: _none_last(_neg(r.health.dead_ratio))),
    "bloat": ("estimated bloat", lambda r: _none_last(_neg(_bloat_bytes(r)))),
    "bloat_ratio": ("bloat ratio", lambda r: _none_last(_neg(_bloat_ratio(r)))),
    "vacuum": ("last vacuum", lambda r: _moment(r.health.last_vacuum)),
    "autovacuum": ("last autovacuum", lambda r: _moment(r.health.last_autovacuum)),
    "analyze": ("last analyze", lambda r: _moment(r.health.last_analyze)),
    "autoanalyze": ("last autoanalyze", lambda r: _moment(r.health.last_autoanalyze)),
    "next_autovacuum": ("closest to autovacuum", lambda r: -_trigger_share(r)),
    "xid_age": ("transaction ID age", lambda r: -(r.health.xid_age or 0)),
}
SORT_ORDER = tuple(key for key, _ in COLUMNS)


def _neg(value: float | None) -> float | None:
    return None if value is None else -value


def _bloat_bytes(row: TableRow) -> float | None:
    return None if row.estimate is None else float(row.estimate.bloat_bytes)


def _bloat_ratio(row: TableRow) -> float | None:
    return None if row.estimate is None else row.estimate.bloat_ratio


def _trigger_share(row: TableRow) -> float:
    return row.health.dead_tuples / max(row.outlook.dead_threshold, 1.0)


def sort_rows(rows: Iterable[TableRow], column: str, reverse: bool = False) -> list[TableRow]:
    _, key = SORTS.get(column, SORTS["light"])
    return sorted(rows, key=key, reverse=reverse)


def matches(row: TableRow, needle: str) -> bool:
    if not needle:
        return True
    haystack = f"{row.health.qualified} {row.level.label} {' '.join(row.reasons)}"
    return needle.casefold() in haystack.casefold()


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = max((now - moment).total_seconds(), 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def compact(value: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}"


def _right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def row_cells(row: TableRow, now: datetime) -> tuple[Text | str, ...]:
    t, o, e = row.health, row.outlook, row.estimate
    dead_style = "red" if t.dead_tuples > o.dead_threshold else ""
    if e is None:
        bloat, bloat_ratio = _right("…", "dim"), _right("…", "dim")
    else:
        style = "" if e.reliable else "yellow"
        mark = "" if e.reliable else "?"
        bloat = _right(format_bytes(e.bloat_bytes) + mark, style)
        bloat_ratio = _right(_ratio(e.bloat_ratio) + mark, style)
    return (
        Text("●", style=LIGHT_STYLE[row.level]),
        t.qualified,
        _right(format_bytes(t.total_bytes)),
        _right(format_bytes(t.heap_bytes)),
        _right(format_bytes(t.index_bytes)),
        _right(format_bytes(t.toast_bytes)),
        _right(f"{t.live_tuples:,}"),
        _right(f"{t.dead_tuples:,}", dead_style),
        _right(_ratio(t.dead_ratio), dead_style),
        bloat,
        bloat_ratio,
        f"{ago(t.last_vacuum, now)} ·{t.vacuum_count}",
        f"{ago(t.last_autovacuum, now)} ·{t.autovacuum_count}",
        f"{ago(t.last_analyze, now)} ·{t.analyze_count}",
        f"{ago(t.last_autoanalyze, now)} ·{t.autoanalyze_count}",
        next_autovacuum(row),
        _right(_xid(row)),
    )


def next_autovacuum(row: TableRow) -> Text:
    o, t = row.outlook, row.health
    progress = f"{compact(t.dead_tuples)}/{compact(o.dead_threshold)} dead"
    if o.wraparound_due:
        return Text("wraparound due", style="bold red")
    if not o.enabled:
        return Text(f"off · {progress}", style="yellow" if o.vacuum_due else "dim")
    if o.vacuum_due:
        return Text(f"due · {progress}", style="yellow")
    return Text(progress)


def _xid(row: TableRow) -> str:
    if row.health.xid_age is None:
        return "—"
    return f"{row.health.xid_age / row.outlook.freeze_max_age:.0%}"


def detail_text(
    row: TableRow,
    now: datetime,
    measurement: TableMeasurement | None = None,
    comparison: VacuumComparison | None = None,
    running: VacuumProgress | None = None,
    block_size: int = 8192,
) -> Text:
    """The selected table in full: every figure behind its row, and what can be done next."""
    t, o, e = row.health, row.outlook, row.estimate
    text = Text()
    text.append("● ", style=LIGHT_STYLE[row.level])
    text.append(t.qualified, style="bold")
    text.append(f"  {row.level.label}" + (f" — {'; '.join(row.reasons)}" if row.reasons else ""))
    text.append(
        f"\nsizes  heap {format_bytes(t.heap_bytes)} · indexes {format_bytes(t.index_bytes)} · "
        f"TOAST {format_bytes(t.toast_bytes)} · total {format_bytes(t.total_bytes)}",
    )
    text.append("  (pg_class.relpages, as of the last VACUUM/ANALYZE)", style="dim")
    text.append(
        f"\ntuples {t.live_tuples:,} live · {t.dead_tuples:,} dead ({_ratio(t.dead_ratio)} of "
        f"live) · {t.mod_since_analyze:,} changed since analyze · {t.ins_since_vacuum:,} "
        "inserted since vacuum"
    )
    text.append(
        f"\nhistory vacuum {ago(t.last_vacuum, now)} (count {t.vacuum_count}) · autovacuum "
        f"{ago(t.last_autovacuum, now)} (count {t.autovacuum_count}) · analyze "
        f"{ago(t.last_analyze, now)} (count {t.analyze_count}) · autoanalyze "
        f"{ago(t.last_autoanalyze, now)} (count {t.autoanalyze_count})"
    )
    state = "enabled" if o.enabled else "disabled"
    text.append(
        f"\nautovacuum {state} · vacuums past {o.dead_threshold:,.0f} dead "
        f"(now {t.dead_tuples:,}{', due' if o.vacuum_due else ''})"
        + (f" or {o.insert_threshold:,.0f} inserts" if o.insert_threshold is not None else "")
        + f" · analyzes past {o.analyze_threshold:,.0f} changes · xid age "
        + ("—" if t.xid_age is None else f"{t.xid_age:,} of {o.freeze_max_age:,} ({_xid(row)})")
    )
    text.append("\nestimate ")
    if e is None:
        text.append("not computed yet (press e)", style="dim")
    else:
        text.append(
            f"{format_bytes(e.bloat_bytes)} bloat ({_ratio(e.bloat_ratio)}) at fillfactor "
            f"{e.fillfactor} · unused (dead + free) {_ratio(e.unused_ratio)}"
        )
        if e.note:
            text.append(f" · {e.note}", style="yellow" if not e.reliable else "dim")
    approx = measurement_cost(t.pages, t.all_visible_pages, block_size, exact=False)
    text.append(
        f"\nmeasure m: pgstattuple_approx reads ≈ {format_bytes(approx)} "
        f"({max(t.pages - t.all_visible_pages, 0):,} of {t.pages:,} pages not all-visible) · "
        f"M: pgstattuple reads all {format_bytes(t.pages * block_size)}",
        style="dim",
    )
    if measurement is not None and measurement.relid == t.relid:
        m = measurement
        text.append(
            f"\nmeasured {m.function} in {m.elapsed_ms:.0f} ms: {m.tuple_count:,} live · "
            f"{m.dead_tuple_count:,} dead ({format_bytes(m.dead_tuple_len)}) · free "
            f"{format_bytes(m.free_space)} · (dead + free) / length {_ratio(m.bloat_ratio)}"
        )
        if m.dead_tuple_count == 0 and m.free_space:
            text.append(" — dead tuples are gone, the free space stays", style="dim")
    if running is not None:
        text.append(f"\nrunning {running.command} by pid {running.pid}: {running.phase}")
    if comparison is not None and comparison.relid == t.relid:
        b, a = comparison.before, comparison.after
        text.append(
            f"\nlast VACUUM dead tuples {b.dead_tuples:,} → {a.dead_tuples:,} · size "
            f"{format_bytes(b.total_bytes)} → {format_bytes(a.total_bytes)} · "
            f"{len(comparison.notices)} notices (n)",
            style="cyan",
        )
        if not comparison.counters_updated:
            text.append(" (VACUUM FULL leaves the dead-tuple counter; ANALYZE updates it)")
    return text


def progress_label(progress: VacuumProgress) -> str:
    who = "psadmin" if progress.own else ("autovacuum" if progress.autovacuum else "another")
    running = f" · {format_duration(progress.running_s)}" if progress.running_s else ""
    counts = progress.counts()
    return f"{progress.command} {progress.table} ({who}) — {progress.phase}{running}" + (
        f"\n{counts}" if counts else ""
    )
