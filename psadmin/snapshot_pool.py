"""The ``pool`` snapshot panel: utilization, application pools, sessions, blocking, PgBouncer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.activity import (
    AppPool,
    BlockingNode,
    ConnectionActivity,
    PgBouncerStatus,
    Session,
)
from psadmin.models.health import Level, Thresholds, at_most
from psadmin.models.overview import Metric, format_ratio
from psadmin.models.session_filter import one_line, short_age

if TYPE_CHECKING:
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def pool_json(p: AppPool) -> dict[str, Any]:
    return {
        "application_name": p.application_name,
        "client_addr": p.client_addr,
        "size": p.size,
        "connections": p.total,
        "ratio": _round(p.ratio, 4),
        "active": p.active,
        "idle": p.idle,
        "idle_in_transaction": p.idle_in_transaction,
        "waiting": p.waiting,
        "longest_wait_s": _round(p.longest_wait_s),
    }


def session_json(s: Session) -> dict[str, Any]:
    return {
        "pid": s.pid,
        "backend_start": _iso(s.backend_start),
        "user": s.user,
        "application_name": s.application,
        "client_addr": s.client_addr,
        "database": s.database,
        "state": s.state,
        "wait_event_type": s.wait_event_type,
        "wait_event": s.wait_event,
        "query_age_s": _round(s.query_age_s),
        "xact_age_s": _round(s.xact_age_s),
        "backend_age_s": _round(s.backend_age_s),
        "blocked_by": list(s.blocked_by),
        "can_signal": s.can_signal,
        "query": s.query,
    }


def blocking_json(node: BlockingNode) -> dict[str, Any]:
    s = node.session
    return {
        "pid": s.pid,
        "backend_start": _iso(s.backend_start),
        "user": s.user,
        "application_name": s.application,
        "state": s.state,
        "mode": s.lock_mode,
        "lock_target": s.lock_target,
        "wait_s": _round(s.lock_wait_s),
        "xact_age_s": _round(s.xact_age_s),
        "query": s.query,
        "frees": node.frees,
        "blocked": [blocking_json(child) for child in node.blocked],
    }


def pgbouncer_json(status: PgBouncerStatus) -> dict[str, Any]:
    if status.pools is None:
        return {"available": False, "reason": status.reason}
    return {
        "available": True,
        "pools": [
            {
                "database": p.database,
                "user": p.user,
                "cl_active": p.cl_active,
                "cl_waiting": p.cl_waiting,
                "sv_active": p.sv_active,
                "sv_idle": p.sv_idle,
                "sv_used": p.sv_used,
                "sv_tested": p.sv_tested,
                "sv_login": p.sv_login,
                "maxwait_s": _round(p.maxwait_s, 6),
                "pool_mode": p.pool_mode,
            }
            for p in status.pools
        ],
        "stats": [
            {
                "database": st.database,
                "total_xact_count": st.total_xact_count,
                "total_query_count": st.total_query_count,
                "total_wait_time_us": st.total_wait_time_us,
                "avg_xact_count": st.avg_xact_count,
                "avg_query_count": st.avg_query_count,
                "avg_xact_time_us": st.avg_xact_time_us,
                "avg_query_time_us": st.avg_query_time_us,
                "avg_wait_time_us": st.avg_wait_time_us,
            }
            for st in status.stats
        ],
    }


def pool_metrics(activity: ConnectionActivity, t: Thresholds) -> list[Metric]:
    """The text form's lines: utilization, each sized pool, each root blocker."""
    target = f"< {t.connections_warn:.0%} of usable"
    metrics = [
        Metric(
            "connections",
            "Connections",
            f"{activity.connections}/{activity.usable_connections} · "
            f"{format_ratio(activity.ratio)}",
            at_most(activity.ratio, t.connections_warn, t.connections_crit),
            target,
            f"{activity.by_state.active} active · {activity.by_state.idle_in_transaction} "
            f"idle in xact · {activity.waiting_on_locks} waiting",
        )
    ]
    for p in activity.pools:
        where = f"{p.application_name or '(no name)'}@{p.client_addr or 'local'}"
        metrics.append(
            Metric(
                f"pool:{where}",
                where[:20],
                f"{p.total}/{p.size} · {format_ratio(p.ratio)}" if p.size else f"{p.total}",
                at_most(p.ratio, t.connections_warn, t.connections_crit) if p.size else Level.OK,
                target if p.size else "no size configured",
                f"{p.active} active · {p.idle_in_transaction} idle in xact · {p.waiting} waiting",
            )
        )
    for root in activity.blocking:
        metrics.append(
            Metric(
                f"blocking:{root.pid}",
                f"Blocker pid {root.pid}",
                f"frees {root.frees}",
                Level.CRITICAL,
                "no blocking",
                f"{root.session.state or '?'} xact {short_age(root.session.xact_age_s)} · "
                f"{one_line(root.session.query, 60)}",
            )
        )
    return metrics


def pool_document(
    activity: ConnectionActivity, pgbouncer: PgBouncerStatus, t: Thresholds
) -> dict[str, Any]:
    metrics = pool_metrics(activity, t)
    return {
        "available": True,
        "level": max(m.level for m in metrics).label,
        "taken_at": _iso(activity.taken_at),
        "max_connections": activity.max_connections,
        "usable_connections": activity.usable_connections,
        "connections": activity.connections,
        "connection_ratio": _round(activity.ratio, 4),
        "by_state": activity.by_state.as_dict(),
        "waiting_on_locks": activity.waiting_on_locks,
        "psadmin": activity.psadmin_sessions,
        "pools": [pool_json(p) for p in activity.pools],
        "blocking": [blocking_json(root) for root in activity.blocking],
        "sessions": [session_json(s) for s in activity.sessions],
        "pgbouncer": pgbouncer_json(pgbouncer),
        "_metrics": tuple(metrics),
    }


async def pool_panel(backend: LiveBackend, settings: Settings, interval_s: float) -> dict[str, Any]:
    """One read: everything on this panel is a current state, not a rate."""
    activity = await backend.connection_activity()
    pgbouncer = await backend.pgbouncer_status()
    return pool_document(activity, pgbouncer, settings.profile.thresholds)
