"""The admin actions on accounts as values, built the same way by the Users screen and the CLI.

Their ``kind`` names the executor in ``queries.users``; ``params`` carry ids (never names) to
act on, plus names for the audit trail to read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime

from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.users import (
    BULK_UNLOCK_STATEMENT,
    LOCK_STATEMENT,
    RESET_STATEMENT,
    UNLOCK_ALL_LOCKED_STATEMENT,
    UNLOCK_STATEMENT,
    UserRow,
    format_remaining,
    redis_note,
)

NAMES_SHOWN = 5
NAMES_AUDITED = 100


def _state(user: UserRow, now: datetime | None) -> str:
    attempts = f"{user.login_attempts} failed login{'s' if user.login_attempts != 1 else ''}"
    if now is not None and user.locked_at(now):
        return f"locked, {format_remaining(user.remaining_s(now))} left, {attempts}"
    return f"not locked, {attempts}"


def _keys_effect(templates: Sequence[str], user: UserRow | None = None) -> str:
    """Names the Redis keys: this user's own when there is one user, else the templates."""
    if not templates:
        return ""
    keys = list(templates)
    # A bad template is shown as written here; the executor reports it.
    with contextlib.suppress(KeyError, IndexError, ValueError, AttributeError):
        if user is not None:
            keys = [t.format_map({"username": user.username, "id": user.id}) for t in templates]
    return f" Also deletes Redis key{'s' if len(keys) > 1 else ''} {', '.join(keys)}."


def _target(user: UserRow) -> str:
    return f"user {user.username} (id {user.id})"


def _account_request(
    kind: str,
    user: UserRow,
    effect: str,
    statement: str,
    redis_keys: Sequence[str],
    reason: str | None,
) -> ActionRequest:
    """Unlock and reset share everything but what they do to the row."""
    return ActionRequest(
        kind=kind,
        target=_target(user),
        effect=f"{effect}{_keys_effect(redis_keys, user)}",
        statement=statement + redis_note(tuple(redis_keys)),
        params={"user_id": user.id, "username": user.username},
        risk=Risk.LOW,
        reason=reason,
        reason_required=True,
    )


def unlock_request(
    user: UserRow,
    now: datetime | None,
    redis_keys: Sequence[str] = (),
    reason: str | None = None,
) -> ActionRequest:
    effect = f"Clears the lock and the failed-login count of {user.username} ({_state(user, now)})."
    return _account_request("unlock_user", user, effect, UNLOCK_STATEMENT, redis_keys, reason)


def reset_request(
    user: UserRow,
    now: datetime | None,
    redis_keys: Sequence[str] = (),
    reason: str | None = None,
) -> ActionRequest:
    effect = (
        f"Sets the failed-login count of {user.username} to 0 and keeps any lock "
        f"({_state(user, now)})."
    )
    return _account_request("reset_attempts", user, effect, RESET_STATEMENT, redis_keys, reason)


def lock_request(
    user: UserRow, minutes: int, now: datetime | None, reason: str | None = None
) -> ActionRequest:
    return ActionRequest(
        kind="lock_user",
        target=_target(user),
        effect=(
            f"Locks {user.username} for {minutes} minute{'s' if minutes != 1 else ''} from now "
            f"({_state(user, now)}); logins are refused until then."
        ),
        statement=LOCK_STATEMENT,
        params={"user_id": user.id, "username": user.username, "minutes": minutes},
        risk=Risk.LOW,
        reason=reason,
        reason_required=True,
    )


def bulk_unlock_request(
    users: Sequence[UserRow], redis_keys: Sequence[str] = (), reason: str | None = None
) -> ActionRequest:
    """Unlock these accounts in one statement; confirmed by typing how many there are."""
    names = [u.username for u in users]
    shown = ", ".join(names[:NAMES_SHOWN]) + (", …" if len(names) > NAMES_SHOWN else "")
    count = len(users)
    return ActionRequest(
        kind="unlock_users",
        target=f"{count} user{'s' if count != 1 else ''}: {shown}",
        effect=(
            f"Clears the lock and the failed-login count of {count} "
            f"account{'s' if count != 1 else ''}.{_keys_effect(redis_keys)}"
        ),
        statement=BULK_UNLOCK_STATEMENT + redis_note(tuple(redis_keys)),
        params={"user_ids": [u.id for u in users], "usernames": names[:NAMES_AUDITED]},
        risk=Risk.HIGH,
        confirm_text=str(count),
        reason=reason,
        reason_required=True,
    )


def unlock_all_locked_request(
    locked_now: int, redis_keys: Sequence[str] = (), reason: str | None = None
) -> ActionRequest:
    """Unlock every account locked when it runs (``locked_now`` is the count seen before)."""
    return ActionRequest(
        kind="unlock_users",
        target=f"all locked users ({locked_now} now)",
        effect=(
            f"Clears the lock and the failed-login count of every account locked when this runs "
            f"({locked_now} at the last look).{_keys_effect(redis_keys)}"
        ),
        statement=UNLOCK_ALL_LOCKED_STATEMENT + redis_note(tuple(redis_keys)),
        params={"all_locked": True, "locked_seen": locked_now},
        risk=Risk.HIGH,
        confirm_text=str(locked_now),
        reason=reason,
        reason_required=True,
    )
