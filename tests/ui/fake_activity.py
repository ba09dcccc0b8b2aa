"""Scripted Connections data for the fake backend: an API pool, a lock chain, psadmin itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from psadmin.models.activity import (
    ConnectionActivity,
    PgBouncerPool,
    PgBouncerStats,
    PgBouncerStatus,
    Session,
    app_pools,
    blocking_tree,
    count_states,
)
from psadmin.models.capabilities import Capabilities

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
NOT_CONFIGURED = PgBouncerStatus(None, reason="PgBouncer not configured (profile pgbouncer_dsn)")


def session(
    pid: int,
    app: str = "psscript-api",
    state: str | None = "idle",
    *,
    user: str = "api",
    query: str = "SELECT 1",
    age: float = 10.0,
    xact: float | None = None,
    blocked_by: Sequence[int] = (),
    can_signal: bool = True,
    client: str | None = "10.0.0.5",
) -> Session:
    waiting = bool(blocked_by)
    return Session(
        pid=pid,
        backend_start=T0 - timedelta(hours=1, seconds=pid),
        user=user,
        application=app,
        client_addr=client,
        database="psscript",
        state=state,
        wait_event_type="Lock" if waiting else None,
        wait_event="transactionid" if waiting else None,
        backend_age_s=3600.0 + pid,
        xact_age_s=xact,
        query_age_s=age,
        state_age_s=age,
        query=query,
        blocked_by=tuple(blocked_by),
        can_signal=can_signal,
        lock_mode="ShareLock" if waiting else None,
        lock_target="transactionid" if waiting else None,
        lock_wait_s=age if waiting else None,
    )


def demo_sessions() -> list[Session]:
    """Ten API connections, a chain 201 blocks 202 blocks 203, and a report job."""
    api = [session(100 + i, age=5.0 + i) for i in range(7)]
    api.append(session(107, state="active", query="SELECT * FROM scripts WHERE id = $1"))
    chain = [
        session(
            201,
            state="idle in transaction",
            query="UPDATE users SET login_attempts = 0 WHERE id = 7",
            age=65.0,
            xact=70.0,
        ),
        session(
            202,
            state="active",
            query="UPDATE users SET locked_until = now() WHERE id = 7",
            age=30.0,
            xact=30.0,
            blocked_by=[201],
        ),
        session(
            203,
            state="active",
            query="DELETE FROM users WHERE id = 7",
            age=12.0,
            xact=12.0,
            blocked_by=[202],
        ),
    ]
    report = session(
        300,
        "report",
        "active",
        user="analyst",
        query="SELECT count(*)\nFROM script_versions\nWHERE created_at > now() - interval '1 day'",
        age=95.0,
        xact=95.0,
        can_signal=False,
        client=None,
    )
    return [*api, *chain, report]


def fake_activity(
    sessions: Sequence[Session], tick: int, caps: Capabilities, psadmin_sessions: int = 2
) -> ConnectionActivity:
    """Ages grow by 2 s per tick, like a real refresh every 2 s."""
    aged = [
        dataclasses.replace(
            s,
            query_age_s=None if s.query_age_s is None else s.query_age_s + 2 * tick,
            xact_age_s=None if s.xact_age_s is None else s.xact_age_s + 2 * tick,
            backend_age_s=None if s.backend_age_s is None else s.backend_age_s + 2 * tick,
        )
        for s in sessions
    ]
    own = [session(900 + i, "psadmin", "idle", user="psadmin") for i in range(psadmin_sessions)]
    return ConnectionActivity(
        taken_at=T0 + timedelta(seconds=2 * tick),
        max_connections=caps.max_connections,
        usable_connections=caps.usable_connections,
        by_state=count_states(s.state for s in (*aged, *own)),
        sessions=tuple(aged),
        psadmin_sessions=len(own),
        pools=app_pools(aged, {"psscript-api": 10, "psadmin": 3}, own),
        blocking=blocking_tree(aged),
    )


def pgbouncer_up() -> PgBouncerStatus:
    return PgBouncerStatus(
        pools=(PgBouncerPool("psscript", "api", 8, 3, 5, 0, 1, 0, 0, 2.5, "transaction"),),
        stats=(PgBouncerStats("psscript", 1000, 2000, 0, 10, 20, 1500, 800, 40),),
    )
