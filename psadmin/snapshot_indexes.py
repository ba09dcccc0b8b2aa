"""The ``indexes`` snapshot panel: index usage, estimated btree bloat and the audit findings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.indexes import (
    Finding,
    IndexAudit,
    IndexBloat,
    IndexUsage,
    IndexUsageRow,
    SeqScanTable,
)
from psadmin.models.overview import format_bytes, format_duration

if TYPE_CHECKING:  # the CLI imports this module; the drivers load only when a command runs
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings

TEXT_INDEXES = 10
"""The text form lists this many of the largest indexes (JSON lists them all)."""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def index_json(row: IndexUsageRow, bloat: IndexBloat | None) -> dict[str, Any]:
    return {
        "schema": row.schema,
        "table": row.table,
        "name": row.name,
        "method": row.method,
        "size_bytes": row.size_bytes,
        "scans": row.scans,
        "last_scan": iso(row.last_scan),
        "tuples_read": row.tuples_read,
        "tuples_fetched": row.tuples_fetched,
        "cache_hit_ratio": _round(row.cache_hit_ratio),
        "unique": row.unique,
        "primary": row.primary,
        "constraint": row.constraint,
        "valid": row.valid,
        "estimated_bloat_bytes": bloat.bloat_bytes if bloat else None,
        "estimated_bloat_ratio": _round(bloat.bloat_ratio) if bloat else None,
        "bloat_estimate_reliable": bloat.reliable if bloat else None,
    }


def seq_scan_json(table: SeqScanTable) -> dict[str, Any]:
    return {
        "schema": table.schema,
        "table": table.table,
        "size_bytes": table.size_bytes,
        "live_rows": table.live_rows,
        "seq_scans": table.seq_scans,
        "seq_rows_read": table.seq_rows_read,
        "index_scans": table.index_scans,
        "seq_share": _round(table.seq_share),
        "last_seq_scan": iso(table.last_seq_scan),
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "key": finding.key,
        "level": finding.level.label,
        "kind": finding.kind,
        "schema": finding.schema,
        "table": finding.table,
        "object": finding.object,
        "columns": list(finding.columns),
        "references": finding.references,
        "detail": finding.detail,
        "remediation": finding.remediation,
        "applicable": finding.fix is not None,
    }


def _lines(usage: IndexUsage, audit: IndexAudit) -> list[str]:
    stats = (
        f"statistics reset {format_duration(usage.stats_age_s)} ago"
        if usage.stats_age_s is not None
        else "statistics never reset"
    )
    kinds = ", ".join(f"{n} {kind}" for kind, n in audit.by_kind().items() if n)
    lines = [
        f"{len(usage.indexes)} indexes, {format_bytes(usage.total_bytes)}; {stats}",
        f"audit: {len(audit.findings)} findings ({kinds or 'none'}), {audit.suppressed} "
        f"suppressed, {audit.duration_ms:.0f} ms"
        + (f"; PSScript schema {audit.psscript_schema} checked" if audit.psscript_schema else ""),
    ]
    lines += [f"note: {note}" for note in audit.notes]
    lines += [f"  {f.level.label:<8} {f.key}: {f.detail}" for f in audit.findings]
    largest = sorted(usage.indexes, key=lambda i: i.size_bytes, reverse=True)[:TEXT_INDEXES]
    lines.append("largest indexes:")
    lines += [
        f"  {format_bytes(i.size_bytes):>10}  {i.scans:>10} scans  {i.schema}.{i.name}"
        for i in largest
    ]
    if usage.seq_scan_tables:
        lines.append("tables read mostly by sequential scans:")
        lines += [
            f"  {format_bytes(t.size_bytes):>10}  {t.seq_scans:>8} seq / {t.index_scans} idx  "
            f"{t.schema}.{t.table}"
            for t in usage.seq_scan_tables
        ]
    return lines


async def indexes_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    """Usage with estimated bloat, seq-scan-heavy tables, and the audit (suppressions applied)."""
    usage = await backend.index_usage()
    bloat = {b.key: b for b in await backend.index_bloat()}
    audit = await backend.index_audit()
    return {
        "available": True,
        "taken_at": iso(usage.taken_at),
        "stats_reset": iso(usage.stats_reset),
        "stats_reset_age_s": _round(usage.stats_age_s, 1),
        "index_count": len(usage.indexes),
        "total_bytes": usage.total_bytes,
        "indexes": [index_json(i, bloat.get(i.key)) for i in usage.indexes],
        "seq_scan_tables": [seq_scan_json(t) for t in usage.seq_scan_tables],
        "findings": [finding_json(f) for f in audit.findings],
        "findings_by_kind": audit.by_kind(),
        "suppressed": audit.suppressed,
        "psscript_schema": audit.psscript_schema,
        "audit_ms": round(audit.duration_ms, 1),
        "notes": list(audit.notes),
        "_lines": _lines(usage, audit),
    }
