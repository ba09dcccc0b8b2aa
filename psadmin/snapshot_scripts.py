"""The ``scripts`` snapshot panel: counts, embedding coverage, ANN indexes, last recall check.

The recall figures come from the audit trail: a recall check is an audited action, and its
outcome line (:func:`psadmin.models.vectors.recall_message`) is read back here, so the panel
never runs the (expensive) check itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.audit import AuditEvent, AuditRecord
from psadmin.models.vectors import (
    DEFAULT_EF_SEARCH,
    AnnIndex,
    IndexBuild,
    RecallSummary,
    VectorHealth,
    parse_recall_message,
    supports_iterative_scan,
)

if TYPE_CHECKING:  # the drivers load only when a command runs
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings

AUDIT_LOOKBACK = 1000


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _param(value: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def index_json(index: AnnIndex) -> dict[str, Any]:
    return {
        "name": index.name,
        "table": index.table,
        "column": index.column,
        "method": index.method,
        "opclass": index.opclass,
        "params": {k: _param(v) for k, v in index.params},
        "size_bytes": index.size_bytes,
        "valid": index.valid,
    }


def build_json(build: IndexBuild) -> dict[str, Any]:
    fraction = build.fraction
    return {
        "pid": build.pid,
        "table": build.table,
        "index": build.index,
        "command": build.command,
        "phase": build.phase,
        "fraction": None if fraction is None else round(fraction, 4),
        "blocks_done": build.blocks_done,
        "blocks_total": build.blocks_total,
        "tuples_done": build.tuples_done,
        "tuples_total": build.tuples_total,
    }


def recall_json(summary: RecallSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "at": iso(summary.at),
        "k": summary.k,
        "recall": summary.recall,
        "same_category_recall": summary.same_category_recall,
        "samples": summary.samples,
        "ef_search": summary.ef_search,
        "index": summary.index,
    }


def last_recall(records: list[AuditRecord], server: str) -> RecallSummary | None:
    """The newest successful recall check against this server, from the audit trail."""
    for record in records:
        if (
            record.action == "recall_check"
            and record.event is AuditEvent.OK
            and record.server == server
        ):
            found = parse_recall_message(record.message, record.at)
            if found is not None:
                return found
    return None


def health_lines(health: VectorHealth, recall: RecallSummary | None) -> list[str]:
    coverage = health.coverage
    lines = [
        f"{health.scripts} scripts, {health.embedded} embeddings "
        f"({'-' if coverage is None else f'{coverage:.1%}'} covered), {health.missing} missing, "
        f"{health.stale} older than their script's latest version, "
        f"{health.wrong_dimension or 0} of the wrong dimension",
        f"pgvector {health.pgvector_version}" + (f" — {health.warning}" if health.warning else ""),
    ]
    lines += [f"model {m.model_version} ({m.embedding_type}): {m.count}" for m in health.models]
    lines += [
        f"index {i.label}, {i.size_bytes / 2**20:.1f} MiB{'' if i.valid else ', INVALID'}"
        for i in health.indexes
    ] or ["no ANN index: every similarity search compares every embedding"]
    for b in health.builds:
        done = "" if b.fraction is None else f" {b.fraction:.0%}"
        lines.append(f"building {b.index or '(new index)'} on {b.table}: {b.phase}{done}")
    if recall is not None:
        same = (
            ""
            if recall.same_category_recall is None
            else f", {recall.same_category_recall:.3f} within category"
        )
        lines.append(
            f"last recall check {iso(recall.at)}: recall@{recall.k} {recall.recall:.3f}{same} "
            f"({recall.samples} samples, ef_search {recall.ef_search})"
        )
    else:
        lines.append("no recall check recorded (run one from the Scripts screen)")
    return lines


async def scripts_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    health = await backend.vector_health()
    if not health.available:
        return {"available": False, "reason": health.reason, "fix": health.fix}
    records = await backend.audit_records(AUDIT_LOOKBACK)
    recall = last_recall(records, backend.target_display)
    coverage = health.coverage
    return {
        "available": True,
        "as_of": iso(health.as_of),
        "pgvector_version": health.pgvector_version,
        "pgvector_warning": health.warning,
        "counts": {"scripts": health.scripts, "embeddings": health.embedded},
        "coverage": {
            "ratio": None if coverage is None else round(coverage, 4),
            "missing": health.missing,
            "stale": health.stale,
            "wrong_dimension": health.wrong_dimension,
            "dimension": health.dimension,
            "expected_dimension": health.expected_dimension,
            "models": [
                {
                    "model_version": m.model_version,
                    "embedding_type": m.embedding_type,
                    "count": m.count,
                }
                for m in health.models
            ],
        },
        "indexes": [index_json(i) for i in health.indexes],
        "builds": [build_json(b) for b in health.builds],
        "search": {
            "ef_search": DEFAULT_EF_SEARCH,
            "server_ef_search": health.ef_search_default,
            "iterative_scan": supports_iterative_scan(health.pgvector_version),
        },
        "last_recall_check": recall_json(recall),
        "_lines": health_lines(health, recall),
    }
