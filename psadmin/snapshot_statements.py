"""The ``slow-queries`` snapshot panel: top statements with interval deltas, long-running queries.

Two samples ``interval_s`` apart give the interval figures, as the Queries screen shows them
between two refreshes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.statements import (
    IntervalDeltas,
    LongRunningQueries,
    LongRunningQuery,
    RankedStatement,
    StatementSort,
    interval_deltas,
    one_line,
    rank_statements,
)

if TYPE_CHECKING:  # the CLI imports this module; the drivers load only when a command runs
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings

TOP_STATEMENTS = 50
"""Statements listed by total time since the reset."""
TOP_INTERVAL = 20
"""Statements listed by execution time in the interval."""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def statement_json(ranked: RankedStatement) -> dict[str, Any]:
    s, d = ranked.stats, ranked.interval
    return {
        "queryid": s.key.queryid,
        "userid": s.key.userid,
        "toplevel": s.key.toplevel,
        "query": s.query,
        "calls": s.calls,
        "total_exec_ms": _r(s.total_exec_ms),
        "mean_exec_ms": _r(s.mean_exec_ms),
        "min_exec_ms": _r(s.min_exec_ms),
        "max_exec_ms": _r(s.max_exec_ms),
        "stddev_exec_ms": _r(s.stddev_exec_ms),
        "total_share": _r(ranked.total_share, 4),
        "rows": s.rows,
        "shared_blks_hit": s.shared_blks_hit,
        "shared_blks_read": s.shared_blks_read,
        "temp_blks_read": s.temp_blks_read,
        "temp_blks_written": s.temp_blks_written,
        "blk_read_ms": _r(s.blk_read_ms),
        "blk_write_ms": _r(s.blk_write_ms),
        "wal_bytes": s.wal_bytes,
        "stats_since": iso(s.stats_since),
        "interval_calls": d.calls if d else 0,
        "interval_exec_ms": _r(d.exec_ms) if d else 0.0,
        "interval_mean_exec_ms": _r(d.mean_ms) if d else None,
        "interval_rows": d.rows if d else 0,
        "interval_shared_blks_read": d.shared_blks_read if d else 0,
        "interval_share": _r(d.share, 4) if d else None,
    }


def long_running_json(q: LongRunningQuery) -> dict[str, Any]:
    return {
        "pid": q.pid,
        "backend_start": iso(q.backend_start),
        "user": q.user,
        "application": q.application,
        "client_addr": q.client_addr,
        "database": q.database,
        "state": q.state,
        "wait_event_type": q.wait_event_type,
        "wait_event": q.wait_event,
        "running_ms": _r(q.query_ms, 1),
        "xact_age_s": _r(q.xact_age_s, 1),
        "query_id": q.query_id,
        "query": q.query,
    }


def _long_lines(long: LongRunningQueries) -> list[str]:
    lines = [f"long-running queries (>= {long.threshold_ms:g} ms): {len(long.queries)}"]
    lines += [
        f"  pid {q.pid:<7} {q.query_ms:>9.0f} ms  xact {q.xact_age_s or 0:>7.1f} s  "
        f"{(q.application or '')[:16]:<16} {one_line(q.query, 70)}"
        for q in long.queries
    ]
    return lines


def _statement_lines(
    top: list[RankedStatement], deltas: IntervalDeltas | None, total: int
) -> list[str]:
    seconds = f"{deltas.seconds:.1f} s" if deltas else "-"
    lines = [f"top {len(top)} of {total} statements by total time (interval {seconds})"]
    for r in top[:15]:
        s, d = r.stats, r.interval
        lines.append(
            f"  {s.total_exec_ms:>11.1f} ms {s.calls:>9} calls {s.mean_exec_ms:>9.2f} ms/call "
            f"{d.calls if d else 0:>6} in interval  {one_line(s.query, 60)}"
        )
    return lines


async def slow_queries_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    threshold_ms = settings.profile.thresholds.query_warn_ms
    first = await backend.statement_sample()
    availability = first.availability
    if not availability.available:
        long = await backend.long_running_queries(threshold_ms)
        return {
            "available": False,
            "reason": availability.reason,
            "fix": availability.fix,
            "extension_version": availability.extension_version,
            "notes": list(availability.notes),
            "threshold_ms": threshold_ms,
            "long_running": [long_running_json(q) for q in long.queries],
        }
    await asyncio.sleep(interval_s)
    second = await backend.statement_sample()
    long = await backend.long_running_queries(threshold_ms)
    deltas = interval_deltas(first, second)
    top = rank_statements(second, deltas, StatementSort.TOTAL_TIME, limit=TOP_STATEMENTS)
    busiest = rank_statements(
        second, deltas, StatementSort.TOTAL_TIME, per_interval=True, limit=TOP_INTERVAL
    )
    return {
        "available": True,
        "extension_version": second.availability.extension_version,
        "as_of": iso(second.taken_at),
        "stats_reset": iso(second.stats_reset),
        "interval_s": _r(deltas.seconds) if deltas else None,
        "statements_total": len(second.statements),
        "statements_hidden": second.hidden,
        "own_statements_excluded": second.own,
        "dealloc": second.dealloc,
        "total_exec_ms": _r(second.total_exec_ms),
        "interval_exec_ms": _r(deltas.total_exec_ms) if deltas else None,
        "notes": list(second.availability.notes),
        "threshold_ms": threshold_ms,
        "statements": [statement_json(r) for r in top],
        "statements_by_interval": [statement_json(r) for r in busiest],
        "long_running": [long_running_json(q) for q in long.queries],
        "_lines": [
            *_statement_lines(top, deltas, len(second.statements)),
            *_long_lines(long),
            *(f"note: {note}" for note in second.availability.notes),
        ],
    }
