"""Cancel / terminate requests built from the Connections screen's selection.

Pure functions, so what the confirmation says (target, effect, statement) is tested directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.activity import SIGNAL_STATEMENTS, BlockingNode, Session
from psadmin.models.capabilities import Capabilities
from psadmin.models.session_filter import one_line, short_age


@dataclass(frozen=True, slots=True)
class SignalPlan:
    """The request to confirm, or why there is none."""

    request: ActionRequest | None
    refusal: str | None = None


def may_signal_note(caps: Capabilities | None, sessions: Sequence[Session]) -> str | None:
    """What this role may signal, when that is less than every session; None otherwise."""
    if caps is None or caps.is_superuser:
        return None
    allowed = sum(s.can_signal for s in sessions)
    if caps.pg_signal_backend:
        if allowed == len(sessions):
            return None
        return (
            f"{caps.role} may cancel/terminate {allowed} of {len(sessions)} sessions: "
            "superusers' sessions need a superuser (greyed pids)"
        )
    return (
        f"{caps.role} may cancel/terminate only sessions of its own roles: {allowed} of "
        f"{len(sessions)} (others greyed). GRANT pg_signal_backend TO {caps.role}"
    )


def _who(s: Session) -> str:
    state = s.state or "not visible"
    return f"pid {s.pid} ({s.user or '?'}@{s.application or '(no name)'}, {state})"


def _pids(sessions: Sequence[Session]) -> str:
    shown = ", ".join(str(s.pid) for s in sessions[:8])
    return shown + (f" and {len(sessions) - 8} more" if len(sessions) > 8 else "")


def signal_plan(
    kind: str,
    sessions: Sequence[Session],
    caps: Capabilities | None,
    *,
    root: BlockingNode | None = None,
) -> SignalPlan:
    """A cancel_backend / terminate_backend request for the sessions this role may signal."""
    if not sessions:
        return SignalPlan(None, "no session selected (move the cursor or mark with space)")
    allowed = [s for s in sessions if s.can_signal and s.backend_start is not None]
    denied = [s for s in sessions if s not in allowed]
    role = caps.role if caps else "this role"
    if not allowed:
        fix = "" if caps and caps.pg_signal_backend else f" (GRANT pg_signal_backend TO {role})"
        return SignalPlan(None, f"{role} may not signal pid {_pids(denied)}{fix}")
    terminate = kind == "terminate_backend"
    if len(allowed) == 1:
        target = _who(allowed[0])
        challenge = str(allowed[0].pid)
    else:
        target = f"{len(allowed)} sessions (pid {_pids(allowed)})"
        challenge = f"{len(allowed)} sessions"
    if root is not None:
        freed = root.released
        xact = root.session.xact_age_s
        effect = (
            f"Terminates the root blocker {target}"
            + (f", in a transaction for {short_age(xact)}" if xact is not None else "")
            + f", rolling back its transaction. This frees {root.frees} waiting "
            + ("session" if root.frees == 1 else "sessions")
            + (f" (pid {', '.join(map(str, freed))})." if freed else ".")
        )
    elif terminate:
        effect = (
            "Ends the session(s) and rolls back any open transaction; the client sees its "
            "connection dropped."
        )
    else:
        idle = [s for s in allowed if s.state != "active"]
        effect = "Cancels the running query; the session stays connected."
        if idle:
            effect += f" pid {_pids(idle)} runs no query: cancelling does nothing there."
    if len(allowed) == 1 and allowed[0].query:
        effect += f" Query: {one_line(allowed[0].query, 80)}"
    if denied:
        effect += f" Skipped, not permitted for {role}: pid {_pids(denied)}."
    return SignalPlan(
        ActionRequest(
            kind=kind,
            target=target,
            effect=effect,
            statement=SIGNAL_STATEMENTS[kind],
            params={
                "sessions": [
                    {"pid": s.pid, "backend_start": s.backend_start.isoformat()}
                    for s in allowed
                    if s.backend_start is not None
                ]
            },
            risk=Risk.HIGH if terminate else Risk.LOW,
            confirm_text=challenge if terminate else None,
        )
    )
