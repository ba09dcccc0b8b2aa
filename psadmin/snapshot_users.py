"""The ``users`` snapshot panel, and the JSON form of an account shared with ``users list``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psadmin.models.users import (
    LockoutPolicy,
    UserCounts,
    UserFilter,
    UserQuery,
    UserRow,
    UserSort,
    format_remaining,
)

if TYPE_CHECKING:  # the CLI imports this module; the drivers load only when a command runs
    from psadmin.backend import LiveBackend
    from psadmin.config import Settings

LIST_LIMIT = 1000
"""Each list stops here (``*_truncated`` says so); the counts are always exact."""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def policy_json(policy: LockoutPolicy) -> dict[str, int]:
    return {
        "max_attempts": policy.max_attempts,
        "lock_minutes": policy.lock_minutes,
        "at_risk_attempts": policy.at_risk_attempts,
    }


def counts_json(counts: UserCounts) -> dict[str, int]:
    return {
        "total": counts.total,
        "locked": counts.locked,
        "at_risk": counts.at_risk,
        "admins": counts.admins,
    }


def user_json(row: UserRow, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "email": row.email,
        "role": row.role,
        "login_attempts": row.login_attempts,
        "locked": row.locked_at(now),
        "locked_until": iso(row.locked_until),
        "lock_remaining_s": round(row.remaining_s(now), 1),
        "last_login_at": iso(row.last_login_at),
        "created_at": iso(row.created_at),
    }


def user_line(row: UserRow, now: datetime) -> str:
    """One account as a line of text (``users list`` and the text snapshot)."""
    left = format_remaining(row.remaining_s(now))
    state = f"locked, {left} left" if left else "-"
    return (
        f"{row.id:>7}  {row.username[:32]:<32}  {(row.role or '')[:8]:<8}  "
        f"{row.login_attempts:>8}  {state}"
    )


async def users_panel(
    backend: LiveBackend, settings: Settings, interval_s: float
) -> dict[str, Any]:
    """Policy, counts, and who is locked or close to it."""
    summary = await backend.users_summary()
    if not summary.available or summary.counts is None:
        return {
            "available": False,
            "reason": summary.reason,
            "fix": summary.fix,
            "policy": policy_json(summary.policy),
        }
    locked = await backend.users_page(
        UserQuery(UserFilter.LOCKED, sort=UserSort.LOCKED_UNTIL, limit=LIST_LIMIT)
    )
    at_risk = await backend.users_page(
        UserQuery(UserFilter.AT_RISK, sort=UserSort.ATTEMPTS, limit=LIST_LIMIT)
    )
    counts = summary.counts
    now = locked.as_of
    lines = [
        f"policy: {summary.policy.max_attempts} failed logins lock an account for "
        f"{summary.policy.lock_minutes} min",
        f"{counts.total} users, {counts.locked} locked, {counts.at_risk} at risk "
        f"(>= {summary.policy.at_risk_attempts} failed logins), {counts.admins} admins",
        *(f"locked   {user_line(row, now)}" for row in locked.rows),
        *(f"at risk  {user_line(row, at_risk.as_of)}" for row in at_risk.rows),
    ]
    return {
        "available": True,
        "as_of": iso(now),
        "policy": policy_json(summary.policy),
        "counts": counts_json(counts),
        "locked": [user_json(row, now) for row in locked.rows],
        "locked_truncated": locked.has_next,
        "at_risk": [user_json(row, at_risk.as_of) for row in at_risk.rows],
        "at_risk_truncated": at_risk.has_next,
        "can_update": summary.can_update,
        "_lines": lines,
    }
