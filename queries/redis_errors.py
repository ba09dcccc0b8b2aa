"""Redis failures phrased for a person: what is missing, and what would fix it."""

from __future__ import annotations

import re

from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ConnectionError,
    NoPermissionError,
    RedisError,
    TimeoutError,
)

_RUN = re.compile(r"no permissions to run the '([^']+)' command", re.IGNORECASE)

UNREACHABLE: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
"""Failures that mean the server is not there (back off), as opposed to a refusal."""


def missing_command(exc: BaseException) -> str | None:
    """``info`` for "no permissions to run the 'info' command", else None."""
    match = _RUN.search(str(exc))
    return match.group(1).lower() if match and isinstance(exc, NoPermissionError) else None


def key_denied(exc: BaseException) -> bool:
    """The ACL key patterns exclude a key the command named (SCAN still lists such keys)."""
    return isinstance(exc, NoPermissionError) and "access" in str(exc) and "key" in str(exc)


def describe_redis_error(exc: BaseException) -> str:
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    command = missing_command(exc)
    if command in {"client", "client|setname"}:  # Redis 6 names only the command
        return (
            "the Redis user may not run CLIENT SETNAME (psadmin names its connections): "
            "add +client|setname to its ACL"
        )
    if command is not None:
        hint = " (INFO is in @dangerous, so +@all -@dangerous excludes it)" * (command == "info")
        shown = command.upper().replace("|", " ")
        return f"the Redis user may not run {shown}: add +{command} to its ACL{hint}"
    if key_denied(exc):
        return "the Redis user's key patterns (~pattern in its ACL) exclude this key"
    if isinstance(exc, AuthenticationError | AuthorizationError):
        return f"Redis refused the login: {text}"
    if isinstance(exc, UNREACHABLE):
        return f"unreachable: {text}"
    if isinstance(exc, RedisError):
        return f"Redis error: {text}"
    return f"{type(exc).__name__}: {text}"
