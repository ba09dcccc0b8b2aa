"""The ``bloat`` snapshot panel: every table's health, the statistical bloat estimate, and the
VACUUMs running now. Keys are documented in the README (``bloat`` keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.bloat import BloatEstimate
from psadmin.models.health import Level
from psadmin.models.overview import format_bytes
from psadmin.models.tables import (
    AutovacuumOutlook,
    AutovacuumSettings,
    TableHealth,
    autovacuum_outlook,
    health_report,
    table_level,
)
from psadmin.models.vacuum import VacuumProgress

if TYPE_CHECKING:
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings

TEXT_TABLES = 20
"""Tables listed in the text form (worst first); JSON always has all of them."""
_LIGHT = {Level.OK: "OK  ", Level.WARNING: "WARN", Level.CRITICAL: "CRIT", Level.UNKNOWN: "----"}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def table_json(
    t: TableHealth, o: AutovacuumOutlook, e: BloatEstimate | None, level: Level, why: list[str]
) -> dict[str, Any]:
    return {
        "schema": t.schema,
        "table": t.name,
        "relid": t.relid,
        "kind": t.kind,
        "level": level.label,
        "reasons": why,
        "total_bytes": t.total_bytes,
        "heap_bytes": t.heap_bytes,
        "index_bytes": t.index_bytes,
        "toast_bytes": t.toast_bytes,
        "live_tuples": t.live_tuples,
        "dead_tuples": t.dead_tuples,
        "dead_ratio": _round(t.dead_ratio),
        "mod_since_analyze": t.mod_since_analyze,
        "ins_since_vacuum": t.ins_since_vacuum,
        "estimated_bloat_bytes": None if e is None else e.bloat_bytes,
        "estimated_bloat_ratio": None if e is None else _round(e.bloat_ratio),
        "estimated_unused_bytes": None if e is None else e.unused_bytes,
        "estimated_unused_ratio": None if e is None else _round(e.unused_ratio),
        "estimate_reliable": None if e is None else e.reliable,
        "estimate_note": None if e is None else (e.note or None),
        "stats_hidden": None if e is None else e.stats_hidden,
        "fillfactor": t.fillfactor,
        "last_vacuum": _iso(t.last_vacuum),
        "last_autovacuum": _iso(t.last_autovacuum),
        "last_analyze": _iso(t.last_analyze),
        "last_autoanalyze": _iso(t.last_autoanalyze),
        "vacuum_count": t.vacuum_count,
        "autovacuum_count": t.autovacuum_count,
        "analyze_count": t.analyze_count,
        "autoanalyze_count": t.autoanalyze_count,
        "autovacuum_enabled": o.enabled,
        "autovacuum_dead_threshold": round(o.dead_threshold),
        "autovacuum_insert_threshold": (
            None if o.insert_threshold is None else round(o.insert_threshold)
        ),
        "autovacuum_analyze_threshold": round(o.analyze_threshold),
        "autovacuum_due": o.vacuum_due,
        "xid_age": t.xid_age,
        "freeze_max_age": o.freeze_max_age,
        "xid_age_ratio": None if t.xid_age is None else _round(t.xid_age / o.freeze_max_age),
        "wraparound_due": o.wraparound_due,
        "can_vacuum": t.can_vacuum,
    }


def progress_json(p: VacuumProgress) -> dict[str, Any]:
    return {
        "pid": p.pid,
        "table": p.table,
        "command": p.command,
        "phase": p.phase,
        "autovacuum": p.autovacuum,
        "phase_done_ratio": _round(p.fraction),
        "heap_blks_total": p.heap_blks_total,
        "heap_blks_scanned": p.heap_blks_scanned,
        "heap_blks_vacuumed": p.heap_blks_vacuumed,
        "running_s": _round(p.running_s, 1),
    }


def settings_json(s: AutovacuumSettings) -> dict[str, Any]:
    return {
        "enabled": s.enabled,
        "vacuum_threshold": s.vacuum_threshold,
        "vacuum_scale_factor": s.vacuum_scale_factor,
        "vacuum_max_threshold": s.vacuum_max_threshold,
        "insert_threshold": s.insert_threshold,
        "insert_scale_factor": s.insert_scale_factor,
        "analyze_threshold": s.analyze_threshold,
        "analyze_scale_factor": s.analyze_scale_factor,
        "freeze_max_age": s.freeze_max_age,
    }


def _line(entry: dict[str, Any]) -> str:
    ratio = entry["dead_ratio"]
    bloat = entry["estimated_bloat_bytes"]
    mark = "" if entry["estimate_reliable"] in (True, None) else "?"
    estimate = "—" if bloat is None else f"{format_bytes(bloat)}{mark}"
    if entry["estimated_bloat_ratio"] is not None:
        estimate += f" ({entry['estimated_bloat_ratio'] * 100:.0f} %{mark})"
    return (
        f"[{_LIGHT[Level[entry['level'].upper()]]}] {entry['schema']}.{entry['table']}: "
        f"dead {entry['dead_tuples']:,}"
        + ("" if ratio is None else f" ({ratio * 100:.0f} % of live)")
        + f" · bloat est. {estimate} · last vacuum "
        + (entry["last_vacuum"] or entry["last_autovacuum"] or "never")
        + (f" — {'; '.join(entry['reasons'])}" if entry["reasons"] else "")
    )


async def bloat_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    """One read of the live counters, one statistical estimate, the running VACUUMs."""
    catalog = await backend.table_catalog()
    report = health_report(catalog, await backend.table_stats(catalog.relids))
    bloat = await backend.table_bloat()
    progress = await backend.vacuum_progress()
    estimates = {e.relid: e for e in bloat.estimates}
    judged: list[tuple[Level, int, dict[str, Any]]] = []
    for table in report.tables:
        outlook = autovacuum_outlook(table, report.settings)
        estimate = estimates.get(table.relid)
        reliable = estimate.bloat_ratio if estimate is not None and estimate.reliable else None
        level, reasons = table_level(table, outlook, reliable, settings.profile.thresholds)
        entry = table_json(table, outlook, estimate, level, list(reasons))
        judged.append((level, table.dead_tuples, entry))
    judged.sort(key=lambda item: (-item[0], -item[1], item[2]["schema"], item[2]["table"]))
    tables = [entry for _, _, entry in judged]
    worst = max((level for level, _, _ in judged), default=Level.OK)
    counts = {level: sum(1 for lv, _, _ in judged if lv is level) for level in Level}
    hidden = bloat.hidden_tables
    lines = [
        f"{len(tables)} tables · {counts[Level.CRITICAL]} critical · "
        f"{counts[Level.WARNING]} warning · autovacuum "
        f"{'on' if report.settings.enabled else 'OFF'} · estimate {bloat.elapsed_ms:.0f} ms"
    ]
    if hidden:
        lines.append(
            f"pg_stats of {hidden} tables hidden from this role (no SELECT): their estimates "
            "can be badly wrong (marked ?)"
        )
    lines += [_line(entry) for entry in tables[:TEXT_TABLES] if entry["level"] != "ok"]
    lines += [f"running: {p.command} {p.table} — {p.phase}" for p in progress]
    return {
        "available": True,
        "level": worst.label,
        "taken_at": _iso(report.taken_at),
        "autovacuum": settings_json(report.settings),
        "block_size_bytes": report.block_size,
        "estimate_ms": _round(bloat.elapsed_ms, 1),
        "stats_hidden_tables": hidden,
        "tables": tables,
        "vacuums_running": [progress_json(p) for p in progress],
        "_lines": lines,
    }
