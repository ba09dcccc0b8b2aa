"""The Redis half of LiveBackend for the Cache screen: health and key scans that never raise.

Unreachable Redis backs off (shared with the Overview's Redis figures, so one dead server
costs one attempt per backoff step); refusals (ACL, wrong password) are reported with what is
missing and retried on the next tick, since they cost the server nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, RedisError

from psadmin.config import Settings
from psadmin.connect import scrub
from psadmin.models.cache import FamilyScan, psscript_families
from psadmin.models.cache_health import CacheStatus
from psadmin.models.redis import RedisSample
from queries.redis_errors import UNREACHABLE, describe_redis_error
from queries.redis_health import redis_health, redis_sample
from queries.redis_keys import OwnLookups, scan_key_families

if TYPE_CHECKING:
    from psadmin.backend import Backoff

NOT_CONFIGURED = "Redis not configured (--redis-url or REDIS_URL)"


class RedisCache:
    def __init__(
        self,
        settings: Settings,
        client: Callable[[], Redis | None],
        backoff: Backoff,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self._client = client
        self._backoff = backoff
        self._clock = clock
        self._last_error = ""
        self.own = OwnLookups()
        profile = settings.profile
        self.families = psscript_families(profile.unlock_redis_keys, profile.lockout_minutes)

    def _describe(self, exc: BaseException) -> str:
        where = self.settings.redis.display() if self.settings.redis else "Redis"
        detail = scrub(describe_redis_error(exc), self.settings.secrets)
        if isinstance(exc, UNREACHABLE) and not isinstance(exc, AuthenticationError):
            return f"Redis unreachable at {where}: {detail.removeprefix('unreachable: ')}"
        return f"Redis at {where}: {detail}"

    def _failed(self, exc: BaseException) -> str:
        reason = self._describe(exc)
        if isinstance(exc, UNREACHABLE):
            self._backoff.failed(self._clock())
            self._last_error = reason
        return reason

    def _waiting(self) -> str | None:
        left = self._backoff.wait_left(self._clock())
        if not self._backoff.down or left <= 0:
            return None
        return f"{self._last_error or 'Redis unreachable'}; retrying in {left:.0f} s"

    async def sample(self, client: Redis) -> RedisSample:
        """The Overview's INFO reading, without the lookups psadmin's own scans made."""
        async with self.own.lock:
            return self.own.discount(await redis_sample(client))

    async def health(self) -> CacheStatus:
        client = self._client()
        if client is None:
            return CacheStatus(None, NOT_CONFIGURED)
        if (waiting := self._waiting()) is not None:
            return CacheStatus(None, waiting)
        try:
            async with self.own.lock:
                health = await redis_health(client)
                health = dataclasses.replace(health, sample=self.own.discount(health.sample))
        except (RedisError, OSError) as exc:
            return CacheStatus(None, self._failed(exc))
        self._backoff.succeeded()
        return CacheStatus(health)

    async def scan(self) -> AsyncIterator[FamilyScan]:
        client = self._client()
        reason = NOT_CONFIGURED if client is None else self._waiting()
        if client is None or reason is not None:
            yield FamilyScan((), 0, None, True, 0.0, error=reason)
            return
        last: FamilyScan | None = None
        try:
            async for result in scan_key_families(client, self.families, self.own):
                last = result
                yield result
        except (RedisError, OSError) as exc:
            error = self._failed(exc)
            if last is None:
                yield FamilyScan((), 0, None, True, 0.0, error=error)
            else:
                yield dataclasses.replace(last, done=True, capped=True, error=error)
            return
        self._backoff.succeeded()
