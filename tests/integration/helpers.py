"""Small helpers shared by integration tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from psadmin.backend import LiveBackend
from psadmin.config import Overrides, Profile, Settings, resolve_settings


def settings_for(
    dsn: str,
    redis_url: str | None = None,
    *,
    read_only: bool = False,
    profile: Profile | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    return resolve_settings(
        Overrides(dsn=dsn, redis_url=redis_url, read_only=read_only),
        env or {},
        profile or Profile(),
    )


def backend_for(dsn: str, redis_url: str | None = None, **kwargs: object) -> LiveBackend:
    return LiveBackend(settings_for(dsn, redis_url, **kwargs))  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Poll a real condition with a deadline (never a fixed sleep as synchronisation)."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def clean_env() -> dict[str, str]:
    """The environment without connection variables, so tests choose their own targets."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PG", "DB_", "REDIS_", "DATABASE_URL", "PSADMIN_"))
    }
