"""Rows and readings the Connections screen hands to its widgets (display text only)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from rich.text import Text

from psadmin.models.activity import (
    AppPool,
    ConnectionActivity,
    PgBouncerStatus,
    Session,
)
from psadmin.models.health import Level, Thresholds, at_most
from psadmin.models.overview import format_ratio
from psadmin.models.session_filter import coarse_age, one_line, short_age
from widgets.text_table import Cell
from widgets.utilization_gauge import GaugeReading

SESSION_COLUMNS = (
    ("mark", " "),
    ("pid", "PID"),
    ("state", "State"),
    ("wait", "Wait"),
    ("query_age", "Query age"),
    ("xact_age", "Xact age"),
    ("user", "User"),
    ("application", "Application"),
    ("client", "Client"),
    ("backend_age", "Conn age"),
    ("query", "Query"),
)
POOL_COLUMNS = (
    ("application", "Application"),
    ("client", "Client"),
    ("used", "Used/size"),
    ("active", "Active"),
    ("idle", "Idle"),
    ("idle_in_transaction", "Idle xact"),
    ("waiting", "Waiting"),
    ("longest_wait", "Longest wait"),
)
PGBOUNCER_COLUMNS = (
    ("database", "Database"),
    ("user", "User"),
    ("cl_active", "cl_active"),
    ("cl_waiting", "cl_waiting"),
    ("sv_active", "sv_active"),
    ("sv_idle", "sv_idle"),
    ("sv_used", "sv_used"),
    ("maxwait", "maxwait"),
    ("avg_query", "avg query"),
    ("mode", "mode"),
)
_STATE_STYLE = {
    "active": "green",
    "idle in transaction": "yellow",
    "idle in transaction (aborted)": "bold red",
}
_STATE_SHORT = {
    "idle in transaction": "idle in xact",
    "idle in transaction (aborted)": "aborted xact",
    "fastpath function call": "fastpath",
}
_LEVEL_STYLE = {Level.WARNING: "yellow", Level.CRITICAL: "bold red"}
STATE_LABELS = (
    ("active", "active"),
    ("idle", "idle"),
    ("idle_in_transaction", "idle in xact"),
    ("idle_in_transaction_aborted", "aborted"),
    ("fastpath_function_call", "fastpath"),
    ("disabled", "disabled"),
    ("not_visible", "not visible"),
)


def utilization_level(ratio: float | None, t: Thresholds) -> Level:
    return at_most(ratio, t.connections_warn, t.connections_crit)


def gauge_reading(activity: ConnectionActivity, t: Thresholds) -> GaugeReading:
    counts = activity.by_state.as_dict()
    states = " · ".join(
        f"{label} {counts[key]}"
        for key, label in STATE_LABELS
        if counts[key] or key in {"active", "idle", "idle_in_transaction"}
    )
    reserved = activity.max_connections - activity.usable_connections
    extra = f"psadmin {activity.psadmin_sessions}"
    if activity.waiting_on_locks:
        extra += f" · {activity.waiting_on_locks} waiting on locks"
    return GaugeReading(
        used=activity.connections,
        capacity=activity.usable_connections,
        threshold=t.connections_warn,
        level=utilization_level(activity.ratio, t),
        caption=f"{activity.connections}/{activity.usable_connections} · "
        f"{format_ratio(activity.ratio)}",
        lines=(
            f"target < {t.connections_warn:.0%} · max {activity.max_connections} - {reserved}"
            " reserved",
            states,
            extra,
        ),
    )


def pool_rows(pools: Iterable[AppPool], t: Thresholds) -> list[tuple[Hashable, Sequence[Cell]]]:
    rows: list[tuple[Hashable, Sequence[Cell]]] = []
    for p in pools:
        used = f"{p.total}/{p.size} {format_ratio(p.ratio)}" if p.size else f"{p.total}/—"
        level = utilization_level(p.ratio, t) if p.size else Level.OK
        waiting = Text(str(p.waiting), style="bold red") if p.waiting else Text("0")
        rows.append(
            (
                (p.application_name, p.client_addr),
                (
                    p.application_name or "(no name)",
                    p.client_addr or "local",
                    Text(used, style=_LEVEL_STYLE.get(level, "")),
                    p.active,
                    p.idle,
                    p.idle_in_transaction,
                    waiting,
                    short_age(p.longest_wait_s) if p.longest_wait_s is not None else "",
                ),
            )
        )
    return rows


def _wait(s: Session) -> Text:
    if s.waiting_on_lock:
        what = s.lock_mode or s.wait_event or "Lock"
        return Text(f"Lock {what} {short_age(s.lock_wait_s)}".strip(), style="bold red")
    if s.wait_event_type and s.state == "active":  # idle sessions all wait on ClientRead
        return Text(f"{s.wait_event_type}:{s.wait_event or ''}", style="dim")
    return Text("")


def session_cells(s: Session, marked: bool) -> tuple[Cell, ...]:
    state = s.state or "not visible"
    return (
        Text("●", style="bold magenta") if marked else "",
        Text(str(s.pid), style="" if s.can_signal else "grey50"),
        Text(_STATE_SHORT.get(state, state), style=_STATE_STYLE.get(state, "")),
        _wait(s),
        short_age(s.query_age_s) if s.state == "active" else "",
        short_age(s.xact_age_s) if s.xact_age_s is not None else "",
        s.user or "?",
        s.application or "(no name)",
        s.client_addr or "local",
        coarse_age(s.backend_age_s),
        one_line(s.query, 100),
    )


def pgbouncer_rows(status: PgBouncerStatus) -> list[tuple[Hashable, Sequence[Cell]]]:
    avg_query = {st.database: st.avg_query_time_us for st in status.stats}
    rows: list[tuple[Hashable, Sequence[Cell]]] = []
    for p in status.pools or ():
        waiting = Text(str(p.cl_waiting), style="bold red" if p.cl_waiting else "")
        query_us = avg_query.get(p.database)
        rows.append(
            (
                (p.database, p.user),
                (
                    p.database,
                    p.user,
                    p.cl_active,
                    waiting,
                    p.sv_active,
                    p.sv_idle,
                    p.sv_used,
                    f"{p.maxwait_s:.1f}s",
                    "" if query_us is None else f"{query_us / 1000:.1f} ms",
                    p.pool_mode,
                ),
            )
        )
    return rows
