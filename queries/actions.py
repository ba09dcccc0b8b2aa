"""What an admin-action executor is given, and the registry the backend dispatches through.

An executor is an async function ``(ActionContext, params) -> ActionOutcome`` registered under
the action's ``kind`` with :func:`executor`. It runs on the connection reserved for admin
actions, binds every user-supplied value as a query parameter, and reports ``NO_OP`` when
nothing needed doing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psadmin.models.actions import ActionOutcome

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from psadmin.models.capabilities import Capabilities
    from queries.executor import Executor


@dataclass(frozen=True)
class ActionContext:
    conn: Executor
    """The reserved admin connection (autocommit; open transactions yourself if needed)."""
    capabilities: Capabilities
    redis: Redis | None = None
    """None when Redis is not configured or unreachable."""
    unlock_redis_keys: tuple[str, ...] = ()
    """Key templates such as ``auth:attempts:{username}`` deleted when a user is unlocked."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Other profile values an executor may need (lockout policy, …)."""


Executor_ = Callable[[ActionContext, Mapping[str, Any]], Awaitable[ActionOutcome]]
EXECUTORS: dict[str, Executor_] = {}


def executor(kind: str) -> Callable[[Executor_], Executor_]:
    """Register ``fn`` as the executor of actions of this ``kind``."""

    def register(fn: Executor_) -> Executor_:
        if kind in EXECUTORS:
            raise ValueError(f"two executors for {kind!r}")
        EXECUTORS[kind] = fn
        return fn

    return register
