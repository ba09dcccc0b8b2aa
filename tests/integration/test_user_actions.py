"""Unlock / lock / reset executors on real PostgreSQL and Redis, including concurrent logins."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import psycopg
import pytest
import redis.asyncio as aioredis

from psadmin.backend import action_executor
from psadmin.demo.servers import PostgresCluster, RedisServer
from psadmin.demo.workload import FAILED_LOGIN
from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.user_actions import unlock_request
from psadmin.models.users import UserRow
from queries.actions import ActionContext
from queries.capabilities import detect_capabilities
from tests.integration.helpers import backend_for
from tests.integration.users_data import (
    Account,
    add_accounts,
    create_users_table,
    key_template,
    table_state,
)

NewDb = Callable[[PostgresCluster, str], str]
Ctx = Callable[..., contextlib.AbstractAsyncContextManager[ActionContext]]


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def users_dsn(cluster: PostgresCluster, fresh_database: NewDb) -> str:
    dsn = fresh_database(cluster, "useractions")
    create_users_table(dsn)
    return dsn


@pytest.fixture
def template() -> str:
    return key_template()


@pytest.fixture
def action_context(users_dsn: str, redis_server: RedisServer, template: str) -> Ctx:
    @contextlib.asynccontextmanager
    async def make(redis_url: str | None = redis_server.url) -> AsyncIterator[ActionContext]:
        conn = await asyncpg.connect(users_dsn, server_settings={"lock_timeout": "1000"})
        client = aioredis.from_url(redis_url, decode_responses=True) if redis_url else None
        try:
            caps = await detect_capabilities(conn)
            yield ActionContext(conn, caps, client, (template,))
        finally:
            await conn.close()
            if client is not None:
                await client.aclose()

    return make


async def run(ctx: ActionContext, kind: str, **params: Any) -> ActionOutcome:
    execute = action_executor(kind)
    assert execute is not None, kind
    return await execute(ctx, params)


def row(dsn: str, user_id: int) -> tuple[Any, ...]:
    """login_attempts, whether locked now, seconds of lock left."""
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            "SELECT login_attempts, locked_until > now(),"
            " extract(epoch FROM locked_until - now())::float8 FROM users WHERE id = %s",
            (user_id,),
        ).fetchone()
    assert found is not None
    return tuple(found)


async def redis_keys(url: str, template: str, *names: str) -> list[bool]:
    client = aioredis.from_url(url, decode_responses=True)
    try:
        return [bool(await client.exists(template.format(username=n))) for n in names]
    finally:
        await client.aclose()


async def set_keys(url: str, template: str, *names: str) -> None:
    client = aioredis.from_url(url, decode_responses=True)
    try:
        for name in names:
            await client.set(template.format(username=name), 5, ex=1800)
    finally:
        await client.aclose()


async def test_unlock_clears_row_and_redis_and_a_second_unlock_is_a_no_op(
    users_dsn: str, action_context: Ctx, redis_server: RedisServer, template: str
) -> None:
    ids = add_accounts(users_dsn, [Account("alice", 5, 900), Account("bob", 5, 900)])
    await set_keys(redis_server.url, template, "alice", "bob")
    async with action_context() as ctx:
        outcome = await run(ctx, "unlock_user", user_id=ids["alice"], username="alice")
        assert outcome.status is OutcomeStatus.OK
        assert outcome.message.startswith("unlocked alice (lock had 1")  # ~15 minutes left
        assert "5 failed attempts" in outcome.message and "deleted 1 Redis key" in outcome.message
        assert outcome.details["login_attempts_before"] == 5
        assert outcome.details["locked_until_before"].endswith("Z")
        assert row(users_dsn, ids["alice"])[:2] == (0, None)
        assert await redis_keys(redis_server.url, template, "alice", "bob") == [False, True]
        assert row(users_dsn, ids["bob"])[:2] == (5, True)  # the other account is untouched

        again = await run(ctx, "unlock_user", user_id=ids["alice"])
        assert again.status is OutcomeStatus.NO_OP
        assert again.message == "alice was not locked and had no failed attempts: nothing to unlock"


async def test_unlocking_an_unlocked_account_with_failures_clears_them(
    users_dsn: str, action_context: Ctx
) -> None:
    ids = add_accounts(
        users_dsn, [Account("carol", 3), Account("dave", 5, -60), Account("ed", 0, -60)]
    )
    async with action_context() as ctx:
        carol = await run(ctx, "unlock_user", user_id=ids["carol"])
        dave = await run(ctx, "unlock_user", user_id=ids["dave"])  # lock ran out, count stayed
        ed = await run(ctx, "unlock_user", user_id=ids["ed"])
    assert carol.status is OutcomeStatus.OK
    assert carol.message == "carol was not locked; cleared 3 failed attempts"
    assert dave.message == "dave was not locked; cleared 5 failed attempts and an expired lock"
    assert ed.status is OutcomeStatus.OK and ed.message.endswith("cleared an expired lock")
    for name in ("carol", "dave", "ed"):
        assert row(users_dsn, ids[name])[:2] == (0, None)


async def test_lock_for_minutes_and_invalid_minutes_change_nothing(
    users_dsn: str, action_context: Ctx
) -> None:
    ids = add_accounts(users_dsn, [Account("erin", 2), Account("frank")])
    async with action_context() as ctx:
        outcome = await run(ctx, "lock_user", user_id=ids["erin"], minutes=15)
        assert outcome.status is OutcomeStatus.OK and "locked erin for 15 min" in outcome.message
        attempts, locked, left_s = row(users_dsn, ids["erin"])
        assert attempts == 2 and locked and 14 * 60 < left_s <= 15 * 60
        before = table_state(users_dsn)
        for bad in (0, -1, 525_601, 10**12, "15", True, None, 1.5):
            with pytest.raises(BackendError, match="minutes"):
                await run(ctx, "lock_user", user_id=ids["frank"], minutes=bad)
        for bad_id in (None, "1", True, -1, 2**40):
            with pytest.raises(BackendError, match="invalid user id"):
                await run(ctx, "lock_user", user_id=bad_id, minutes=5)
        with pytest.raises(BackendError, match="no user with id 999999"):
            await run(ctx, "unlock_user", user_id=999999)
        assert table_state(users_dsn) == before


async def test_reset_attempts_keeps_the_lock(
    users_dsn: str, action_context: Ctx, redis_server: RedisServer, template: str
) -> None:
    ids = add_accounts(users_dsn, [Account("gina", 5, 600), Account("hank")])
    await set_keys(redis_server.url, template, "gina")
    async with action_context() as ctx:
        gina = await run(ctx, "reset_attempts", user_id=ids["gina"])
        hank = await run(ctx, "reset_attempts", user_id=ids["hank"])
    assert gina.status is OutcomeStatus.OK and "(5 → 0)" in gina.message
    assert row(users_dsn, ids["gina"])[:2] == (0, True)
    assert await redis_keys(redis_server.url, template, "gina") == [False]
    assert hank.status is OutcomeStatus.NO_OP


async def test_bulk_unlock_by_ids_then_all_locked(
    users_dsn: str, action_context: Ctx, redis_server: RedisServer, template: str
) -> None:
    accounts = [Account(f"locked{i}", 5, 600) for i in range(6)]
    accounts += [Account("risky", 4), Account("calm")]
    ids = add_accounts(users_dsn, accounts)
    await set_keys(redis_server.url, template, *(a.username for a in accounts))
    chosen = [ids["locked0"], ids["locked1"], ids["calm"], 999_999]
    async with action_context() as ctx:
        first = await run(ctx, "unlock_users", user_ids=chosen)
        assert first.status is OutcomeStatus.OK
        assert first.message.startswith("unlocked 2 of 4 accounts (1 had nothing to unlock)")
        assert "no user with id 999999" in first.message
        assert first.details["missing_ids"] == [999_999]
        assert first.details["redis_keys_deleted"] == 3  # every account found, calm's too
        assert [row(users_dsn, ids[f"locked{i}"])[:2] for i in range(3)] == [
            (0, None),
            (0, None),
            (5, True),
        ]
        rest = await run(ctx, "unlock_users", all_locked=True)
        assert rest.message.startswith("unlocked 4 locked accounts")
        assert sorted(rest.details["unlocked_users"]) == [f"locked{i}" for i in range(2, 6)]
        assert row(users_dsn, ids["risky"])[:2] == (4, None)  # at risk, not locked: untouched
        assert await redis_keys(redis_server.url, template, "risky", "locked5") == [True, False]
        none_left = await run(ctx, "unlock_users", all_locked=True)
        assert none_left.status is OutcomeStatus.NO_OP
        for bad in ([], ["1"], [True], "1,2", None):
            with pytest.raises(BackendError):
                await run(ctx, "unlock_users", user_ids=bad)


async def test_redis_trouble_is_reported_and_the_unlock_stands(
    users_dsn: str, action_context: Ctx, template: str
) -> None:
    ids = add_accounts(users_dsn, [Account("ivan", 5, 600), Account("judy", 5, 600)])
    async with action_context(redis_url="redis://127.0.0.1:1/0") as ctx:
        outcome = await run(ctx, "unlock_user", user_id=ids["ivan"])
    assert (
        outcome.status is OutcomeStatus.OK and "Redis failed, keys not deleted" in outcome.message
    )
    async with action_context(redis_url=None) as ctx:
        outcome = await run(ctx, "unlock_user", user_id=ids["judy"])
    assert "Redis not configured" in outcome.message
    assert row(users_dsn, ids["ivan"])[:2] == row(users_dsn, ids["judy"])[:2] == (0, None)


async def test_concurrent_failed_logins_during_a_bulk_unlock_stay_consistent(
    users_dsn: str, action_context: Ctx, redis_server: RedisServer, template: str
) -> None:
    """The application's failed-login UPDATE hammers the accounts while they are unlocked.

    They are all locked first, so an increment can only succeed after the unlock committed:
    every account must end with exactly as many failures as succeeded for it, and be locked
    again exactly when that reached 5. A lost update or an unlock that is undone breaks it.
    """
    names = [f"victim{i:02d}" for i in range(40)]
    ids = add_accounts(users_dsn, [Account(n, 5, 1200) for n in names])
    await set_keys(redis_server.url, template, *names)
    victims = list(ids.values())
    succeeded = dict.fromkeys(victims, 0)
    tried = 0
    stop = asyncio.Event()
    progress = asyncio.Condition()

    async def attacker(seed: int) -> None:
        nonlocal tried
        rng = random.Random(seed)
        conn = await asyncpg.connect(users_dsn)
        try:
            while not stop.is_set():
                victim = rng.choice(victims)
                if await conn.fetchrow(FAILED_LOGIN, victim, 5, 30) is not None:
                    succeeded[victim] += 1
                tried += 1
                async with progress:
                    progress.notify_all()
        finally:
            await conn.close()

    async def until(condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(60), progress:
            await progress.wait_for(condition)

    attackers = [asyncio.create_task(attacker(seed)) for seed in range(8)]
    try:
        await until(lambda: tried >= 200)  # they are all running and all refused
        assert sum(succeeded.values()) == 0
        async with action_context() as ctx:
            outcome = await run(ctx, "unlock_users", all_locked=True)
        await until(lambda: sum(succeeded.values()) >= 150)
    finally:
        stop.set()
        await asyncio.gather(*attackers)
    assert outcome.details["unlocked"] == 40 and outcome.details["redis_keys_deleted"] == 40
    for victim in victims:
        attempts, locked, _ = row(users_dsn, victim)
        assert attempts == succeeded[victim] <= 5, victim
        assert bool(locked) == (attempts == 5), victim
    assert any(n == 5 for n in succeeded.values())  # some were locked again, by the app


async def test_a_row_held_by_the_application_times_out_and_nothing_changes(
    users_dsn: str, redis_server: RedisServer
) -> None:
    ids = add_accounts(users_dsn, [Account("kate", 5, 600)])
    before = table_state(users_dsn)
    backend = backend_for(users_dsn, redis_server.url)
    holder = psycopg.connect(users_dsn)
    try:
        await backend.connect()
        holder.execute("SELECT * FROM users WHERE id = %s FOR UPDATE", (ids["kate"],))
        kate = UserRow(ids["kate"], "kate", "kate@example.com", "user", 5, None, None, None)
        with pytest.raises(BackendError, match="lock timeout"):
            await backend.execute_action(unlock_request(kate, None, ("auth:{username}",)))
    finally:
        holder.rollback()
        holder.close()
        await backend.close()
    assert table_state(users_dsn) == before
    assert timedelta(0) < timedelta(seconds=row(users_dsn, ids["kate"])[2])
