"""Live traffic that behaves like the PSScript API, so every screen has something to show.

Its own pool of 10 connections as ``psscript-api`` (the seed's pool max); cached reads with
the seed's key families and TTLs; logins that fail and lock accounts by the 5-attempt /
30-minute rule; edits that leave dead tuples; and now and then a slow ILIKE, a session idle in
a transaction, and a lock wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable

import asyncpg
import redis.asyncio as aioredis

from psadmin.demo.people import LOCK_MINUTES, MAX_ATTEMPTS

log = logging.getLogger("psadmin.demo.workload")

APP_NAME = "psscript-api"
POOL_MAX = 10
SEARCH_TERMS = ("Get-ADUser", "Invoke-Command", "password", "Export-Csv", "Get-WinEvent", "Azure")

FAILED_LOGIN = """
UPDATE users
   SET login_attempts = login_attempts + 1,
       locked_until = CASE WHEN login_attempts + 1 >= $2
                           THEN now() + make_interval(mins => $3) ELSE locked_until END,
       updated_at = now()
 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
RETURNING login_attempts, locked_until
"""
GOOD_LOGIN = """
UPDATE users SET login_attempts = 0, locked_until = NULL, last_login_at = now()
 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())
RETURNING id
"""


class Workload:
    """Runs until :meth:`stop`; every loop survives errors (a demo must not fall over)."""

    def __init__(self, dsn: str, redis_url: str | None, seed: int = 11) -> None:
        self.dsn = dsn
        self.redis_url = redis_url
        self.rng = random.Random(seed)
        self._stop = asyncio.Event()
        self.pool: asyncpg.Pool | None = None
        self.redis: aioredis.Redis | None = None
        self.scripts = 1
        self.users: list[tuple[int, str]] = []
        self.locked_by_workload: set[int] = set()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=4,
            max_size=POOL_MAX,
            server_settings={"application_name": APP_NAME},
        )
        if self.redis_url:
            self.redis = aioredis.from_url(self.redis_url, decode_responses=True)
        try:
            self.scripts = await self.pool.fetchval("SELECT max(id) FROM scripts") or 1
            self.users = [
                (r["id"], r["username"])
                for r in await self.pool.fetch("SELECT id, username FROM users ORDER BY id")
            ]
            loops: list[Callable[[], Awaitable[None]]] = [
                self.read_script,
                self.read_script,
                self.read_script,
                self.read_list,
                self.login,
                self.brute_force,
                self.edit,
                self.slow_search,
                self.idle_in_transaction,
                self.lock_wait,
            ]
            await asyncio.gather(*(self._forever(loop) for loop in loops))
        finally:
            if self.redis is not None:
                await self.redis.aclose()
            await self.pool.close()

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless asked to stop; returns False when the workload should end."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        return not self._stop.is_set()

    async def _forever(self, step: Callable[[], Awaitable[None]]) -> None:
        while not self._stop.is_set():
            try:
                await step()
            except (
                asyncpg.PostgresError,
                OSError,
                aioredis.RedisError,
                asyncpg.InterfaceError,
            ) as exc:
                log.debug("%s: %s", step.__name__, exc)
                if not await self._pause(1.0):
                    return

    def _hot_script(self) -> int:
        # A small hot set gets most reads, so the cache hit rate sits near the seed's 90 %.
        if self.rng.random() < 0.9:
            return self.rng.randint(1, min(self.scripts, 100))
        return self.rng.randint(1, self.scripts)

    async def _cached(
        self, key: str, ttl: int | None, load: Callable[[], Awaitable[object]]
    ) -> None:
        if self.redis is not None and await self.redis.get(key) is not None:
            return
        value = json.dumps(await load(), default=str)
        if self.redis is not None:
            await self.redis.set(key, value, ex=ttl)

    async def read_script(self) -> None:
        assert self.pool is not None
        sid = self._hot_script()

        async def load() -> object:
            assert self.pool is not None
            row = await self.pool.fetchrow(
                "SELECT s.id, s.title, s.version, c.name AS category, u.username"
                " FROM scripts s LEFT JOIN categories c ON c.id = s.category_id"
                " LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1",
                sid,
            )
            return dict(row) if row else None

        async def analysis() -> object:
            assert self.pool is not None
            row = await self.pool.fetchrow(
                "SELECT security_score, quality_score, risk_score FROM script_analysis"
                " WHERE script_id = $1",
                sid,
            )
            return dict(row) if row else None

        await self._cached(f"script:{sid}", 600, load)
        await self._cached(f"analysis:{sid}", 600, analysis)
        await self._pause(self.rng.uniform(0.05, 0.3))

    async def read_list(self) -> None:
        assert self.pool is not None
        page = self.rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 8))
        category = self.rng.choice(("all", "all", "1", "2", "3"))

        async def load() -> object:
            assert self.pool is not None
            rows = await self.pool.fetch(
                "SELECT id FROM scripts WHERE ($1 = 'all' OR category_id = $1::int)"
                " ORDER BY updated_at DESC LIMIT 20 OFFSET $2",
                category,
                (page - 1) * 20,
            )
            return [r["id"] for r in rows]

        await self._cached(f"scripts:{page}:20:{category}", 300, load)
        await self._cached("categories:all", None, self._categories)
        if self.rng.random() < 0.1:
            await self._cached("analytics:security-distribution", 3600, self._distribution)
        await self._pause(self.rng.uniform(0.2, 0.6))

    async def _categories(self) -> object:
        assert self.pool is not None
        return [
            r["name"] for r in await self.pool.fetch("SELECT name FROM categories ORDER BY name")
        ]

    async def _distribution(self) -> object:
        assert self.pool is not None
        rows = await self.pool.fetch(
            "SELECT CASE WHEN security_score >= 80 THEN 'high' WHEN security_score >= 50"
            " THEN 'medium' ELSE 'low' END AS level, count(*) FROM script_analysis GROUP BY 1"
        )
        return {r["level"]: r["count"] for r in rows}

    async def _attempt(self, user_id: int, username: str, succeed: bool) -> None:
        assert self.pool is not None
        if succeed:
            if await self.pool.fetchval(GOOD_LOGIN, user_id) and self.redis is not None:
                await self.redis.delete(f"auth:attempts:{username}")
            return
        row = await self.pool.fetchrow(FAILED_LOGIN, user_id, MAX_ATTEMPTS, LOCK_MINUTES)
        if row is not None and self.redis is not None:
            key = f"auth:attempts:{username}"
            await self.redis.incr(key)
            await self.redis.expire(key, LOCK_MINUTES * 60)

    async def login(self) -> None:
        user_id, username = self.rng.choice(self.users)
        await self._attempt(user_id, username, succeed=self.rng.random() < 0.88)
        await self._pause(self.rng.uniform(0.3, 1.0))

    async def brute_force(self) -> None:
        """Someone guesses one account's password until it locks (first within seconds)."""
        assert self.pool is not None
        if not await self._pause(
            self.rng.uniform(3, 6) if not self.locked_by_workload else self.rng.uniform(20, 40)
        ):
            return
        victim = await self.pool.fetchrow(
            "SELECT id, username FROM users WHERE locked_until IS NULL AND login_attempts = 0"
            " ORDER BY random() LIMIT 1"
        )
        if victim is None:
            return
        for _ in range(MAX_ATTEMPTS):
            await self._attempt(victim["id"], victim["username"], succeed=False)
            if not await self._pause(0.4):
                return
        self.locked_by_workload.add(victim["id"])

    async def edit(self) -> None:
        """Re-analysis and commit-message edits: UPDATEs that leave dead tuples behind."""
        assert self.pool is not None
        sid = self.rng.randint(1, self.scripts)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE script_analysis SET security_score = least(100, greatest(0,"
                " security_score + $2)), updated_at = now() WHERE script_id = $1",
                sid,
                self.rng.uniform(-3, 3),
            )
            await conn.execute(
                "UPDATE script_versions SET commit_message = commit_message WHERE script_id = $1",
                sid,
            )
            if self.rng.random() < 0.2:
                await conn.execute(
                    "INSERT INTO execution_logs (script_id, user_id, status, execution_time,"
                    " parameters, ip_address) VALUES ($1, $2, $3, $4, '{}', '10.0.0.7')",
                    sid,
                    self.rng.choice(self.users)[0],
                    self.rng.choice(("success", "success", "failure")),
                    self.rng.uniform(50, 5000),
                )
        if self.redis is not None:
            await self.redis.delete(f"script:{sid}", f"analysis:{sid}")
        await self._pause(self.rng.uniform(0.2, 0.6))

    async def slow_search(self) -> None:
        """The API's unindexed content search: an ILIKE over every script body."""
        assert self.pool is not None
        if not await self._pause(self.rng.uniform(8, 20)):
            return
        await self.pool.fetch(
            "SELECT id, title FROM scripts WHERE content ILIKE '%' || $1 || '%'"
            " OR description ILIKE '%' || $1 || '%' ORDER BY updated_at DESC LIMIT 50",
            self.rng.choice(SEARCH_TERMS),
        )

    async def idle_in_transaction(self) -> None:
        """A request that opened a transaction and forgot it for a while."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.fetchval("SELECT count(*) FROM categories")
            await self._pause(self.rng.uniform(15, 30))
        await self._pause(self.rng.uniform(10, 20))

    async def lock_wait(self) -> None:
        """One request holds a row lock while another waits for it."""
        assert self.pool is not None
        if not await self._pause(self.rng.uniform(15, 30)):
            return
        sid = self.rng.randint(1, self.scripts)
        async with self.pool.acquire() as holder, holder.transaction():
            await holder.execute("UPDATE scripts SET updated_at = now() WHERE id = $1", sid)
            waiter = asyncio.create_task(
                self.pool.execute(
                    "UPDATE scripts SET execution_count = execution_count + 1 WHERE id = $1", sid
                )
            )
            await self._pause(self.rng.uniform(3, 6))
        await waiter
