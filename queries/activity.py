"""Connections: sessions, utilization, pools and blocking; cancel/terminate executors.

One refresh costs one read of pg_stat_activity; pg_locks is read only while some session
waits on a lock, and pg_blocking_pids() runs only for those sessions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg import Record

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.activity import (
    ConnectionActivity,
    Session,
    app_pools,
    blocking_tree,
    count_states,
)
from psadmin.models.capabilities import Capabilities
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor

TERMINATE_WAIT_MS = 3000
"""How long pg_terminate_backend waits for the session to exit, so the refresh shows it gone."""


def _age(value: float | None) -> float | None:
    return None if value is None else max(value, 0.0)


def _session(row: Record) -> Session:
    return Session(
        pid=row["pid"],
        backend_start=row["backend_start"],
        user=row["user_name"],
        application=row["application_name"],
        client_addr=row["client_addr"],
        database=row["datname"],
        state=row["state"],
        wait_event_type=row["wait_event_type"],
        wait_event=row["wait_event"],
        backend_age_s=_age(row["backend_age_s"]),
        xact_age_s=_age(row["xact_age_s"]),
        query_age_s=_age(row["query_age_s"]),
        state_age_s=_age(row["state_age_s"]),
        query=row["query"],
        blocked_by=tuple(row["blocked_by"] or ()),
        can_signal=bool(row["can_signal"]),
    )


async def lock_waits(
    conn: Executor, pids: Sequence[int], server_version_num: int = 0
) -> dict[int, tuple[str, str, float | None]]:
    """pid -> (lock mode, what is waited on, seconds waited) for sessions waiting on a lock."""
    rows = await conn.fetch(sql.load("connection_lock_waits", server_version_num), list(pids))
    return {r["pid"]: (r["mode"], r["target"], _age(r["wait_s"])) for r in rows}


async def connection_activity(
    conn: Executor,
    caps: Capabilities,
    pool_sizes: Mapping[str, int],
) -> ConnectionActivity:
    """Client sessions grouped every way the Connections screen and ``snapshot pool`` show."""
    rows = await conn.fetch(sql.load("connection_sessions", caps.server_version_num))
    taken_at: datetime = rows[0]["taken_at"] if rows else datetime.now().astimezone()
    mine: list[Session] = []
    others: list[Session] = []
    for row in rows:
        (mine if row["own"] else others).append(_session(row))
    waiting = [s.pid for s in others if s.waiting_on_lock]
    if waiting:
        waits = await lock_waits(conn, waiting, caps.server_version_num)
        others = [_with_lock(s, waits.get(s.pid)) for s in others]
    return ConnectionActivity(
        taken_at=taken_at,
        max_connections=caps.max_connections,
        usable_connections=caps.usable_connections,
        by_state=count_states(s.state for s in (*others, *mine)),
        sessions=tuple(others),
        psadmin_sessions=len(mine),
        pools=app_pools(others, pool_sizes, mine),
        blocking=blocking_tree(others),
    )


def _with_lock(session: Session, wait: tuple[str, str, float | None] | None) -> Session:
    if wait is None:
        return session
    mode, target, wait_s = wait
    return replace(
        session,
        lock_mode=mode,
        lock_target=target,
        lock_wait_s=wait_s if wait_s is not None else session.state_age_s,
    )


# -- executors ----------------------------------------------------------------------------


def _targets(params: Mapping[str, Any]) -> list[tuple[int, datetime]]:
    targets = []
    for entry in params.get("sessions", ()):
        pid = int(entry["pid"])
        started = datetime.fromisoformat(str(entry["backend_start"]))
        if started.tzinfo is None:
            raise ValueError(f"backend_start of pid {pid} has no time zone")
        targets.append((pid, started))
    return targets


def _refusal(exc: asyncpg.PostgresError, pid: int, role: str) -> str:
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return (
            f"pid {pid}: permission denied (superuser sessions need a superuser; others need "
            f"the session's role or pg_signal_backend: GRANT pg_signal_backend TO {role})"
        )
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"pid {pid}: {text}"


async def _signal(ctx: ActionContext, params: Mapping[str, Any], kind: str) -> ActionOutcome:
    verb = "cancelled" if kind == "cancel_backend" else "terminated"
    statement = sql.load(kind, ctx.capabilities.server_version_num)
    signalled: list[int] = []
    gone: list[int] = []
    skipped: list[str] = []
    refused: list[str] = []
    try:
        targets = _targets(params)
    except (KeyError, TypeError, ValueError) as exc:
        return ActionOutcome(OutcomeStatus.ERROR, f"bad request: {exc}")
    for pid, started in targets:
        args: tuple[Any, ...] = (pid, started)
        if kind == "terminate_backend":
            args += (TERMINATE_WAIT_MS,)
        try:
            # The pid/backend_start check and the signal are one statement: a pid reused by
            # a new session in between cannot be signalled by mistake.
            rows = await ctx.conn.fetch(statement, *args)
        except asyncpg.PostgresError as exc:
            refused.append(_refusal(exc, pid, ctx.capabilities.role))
            continue
        if rows and rows[0]["signalled"]:
            signalled.append(pid)
        elif rows:
            skipped.append(f"pid {pid} did not exit within {TERMINATE_WAIT_MS / 1000:g} s")
        else:
            why = await _why_not(ctx.conn, pid, started)
            if why is None:
                gone.append(pid)
            else:
                skipped.append(why)
    return _outcome(verb, signalled, gone, skipped, refused)


async def _why_not(conn: Executor, pid: int, started: datetime) -> str | None:
    """Why a session was not signalled; None when it has simply ended."""
    row = await conn.fetchrow(sql.load("signal_target"), pid)
    if row is None:
        return None
    if row["own"]:
        return f"pid {pid} is a psadmin session: never signalled"
    if row["backend_start"] is None:
        return f"pid {pid}: its start time is not visible to this role (GRANT pg_read_all_stats)"
    if row["backend_start"] != started:
        return f"pid {pid} now belongs to a newer session: not signalled"
    return f"pid {pid} is not a client session"


def _outcome(
    verb: str, signalled: list[int], gone: list[int], skipped: list[str], refused: list[str]
) -> ActionOutcome:
    parts = []
    if signalled:
        parts.append(f"{verb} pid {', '.join(map(str, signalled))}")
    if gone:
        parts.append(f"already gone: pid {', '.join(map(str, gone))}")
    parts.extend(skipped)
    parts.extend(refused)
    details = {"signalled": signalled, "gone": gone, "skipped": skipped, "refused": refused}
    if refused:
        status = OutcomeStatus.ERROR
    elif signalled:
        status = OutcomeStatus.OK
    else:
        status = OutcomeStatus.NO_OP
    return ActionOutcome(status, "; ".join(parts) or "no sessions given", details=details)


@executor("cancel_backend")
async def cancel_backend(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """pg_cancel_backend for each {pid, backend_start} still matching; never psadmin's own."""
    return await _signal(ctx, params, "cancel_backend")


@executor("terminate_backend")
async def terminate_backend(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """pg_terminate_backend for each {pid, backend_start} still matching; never psadmin's own."""
    return await _signal(ctx, params, "terminate_backend")
