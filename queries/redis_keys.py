"""The keyspace by family (SCAN in bounded steps, never KEYS) and targeted invalidation.

The scan runs on a connection of its own with ``CLIENT NO-TOUCH`` (Redis 7.2+) so analysis
does not disturb LRU/LFU; per page it pipelines PTTL for every key and MEMORY USAGE for a
bounded sample per family. PTTL counts as a keyspace hit or miss in INFO, so psadmin keeps a
ledger of its own lookups and subtracts them: the hit rate shown is the application's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError, ResponseError

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.cache import (
    UNLINK_BATCH,
    FamilyScan,
    KeyFamily,
    glob_regex,
    printable_key,
)
from psadmin.models.redis import RedisSample
from queries.actions import ActionContext, executor
from queries.redis_errors import describe_redis_error, key_denied, missing_command
from queries.redis_tally import KeyspaceTally

SCAN_COUNT = 500
"""SCAN's COUNT hint: keys examined per step (a few milliseconds of server time)."""
MAX_KEYS = 200_000
"""The scan stops here and says so; counts are then lower bounds."""
SAMPLE_PER_FAMILY = 20
"""Keys per family whose MEMORY USAGE is read."""
PROGRESS_EVERY_S = 0.25


class OwnLookups:
    """Keyspace hits and misses psadmin itself caused, and the lock that keeps them exact.

    INFO is read under the same lock as a scan step runs, so a reading never includes a step
    whose lookups are not counted yet.
    """

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.lock = asyncio.Lock()

    def count_pttl(self, replies: Sequence[object]) -> None:
        for reply in replies:
            if isinstance(reply, int):  # errors (ACL) never reached the keyspace
                if reply == -2:
                    self.misses += 1
                else:
                    self.hits += 1

    def discount(self, sample: RedisSample) -> RedisSample:
        return dataclasses.replace(
            sample,
            keyspace_hits=sample.keyspace_hits - self.hits,
            keyspace_misses=sample.keyspace_misses - self.misses,
        )


@contextlib.asynccontextmanager
async def raw_connection(client: Redis) -> AsyncIterator[Redis]:
    """A client of one connection, like ``client`` but returning bytes (key names need not be
    UTF-8), closed afterwards so per-connection state such as NO-TOUCH never leaks."""
    source = client.connection_pool
    kwargs = {**source.connection_kwargs, "decode_responses": False}
    pool = ConnectionPool(connection_class=source.connection_class, max_connections=1, **kwargs)
    raw = Redis.from_pool(pool)
    try:
        yield raw
    finally:
        with contextlib.suppress(Exception):
            await raw.aclose()


async def _no_touch(conn: Redis) -> tuple[bool, str | None]:
    try:
        await conn.client_no_touch("ON")
    except ResponseError as exc:
        if missing_command(exc):
            why = "CLIENT NO-TOUCH not permitted (+client|no-touch)"
        else:
            why = "CLIENT NO-TOUCH needs Redis 7.2+"
        return (
            False,
            f"{why}; the scan uses only SCAN, PTTL and MEMORY USAGE, which do not update LRU/LFU",
        )
    return True, None


async def _dbsize(conn: Redis, notes: list[str]) -> int | None:
    try:
        return int(await conn.dbsize())
    except ResponseError as exc:
        notes.append(f"progress unknown: {describe_redis_error(exc)}")
        return None


async def scan_key_families(
    client: Redis,
    families: tuple[KeyFamily, ...],
    own: OwnLookups,
    *,
    count: int = SCAN_COUNT,
    max_keys: int = MAX_KEYS,
    samples: int = SAMPLE_PER_FAMILY,
    progress_every_s: float = PROGRESS_EVERY_S,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[FamilyScan]:
    """Partial results every ``progress_every_s`` while SCAN runs, then the final result.

    Raises RedisError when the scan cannot go on (unreachable, SCAN not permitted); per-key
    refusals (ACL key patterns) are counted, not raised.
    """
    started = clock()
    async with raw_connection(client) as conn:
        no_touch, note = await _no_touch(conn)
        notes = [note] if note else []
        dbsize = await _dbsize(conn, notes)
        tally = KeyspaceTally(families, samples)
        seen: set[bytes] = set()
        cursor, capped, last_yield = -1, False, started
        while cursor != 0 and not capped:
            cursor, page = await conn.scan(max(cursor, 0), count=count)
            raw_page = [k if isinstance(k, bytes) else k.encode() for k in page]
            fresh = list(dict.fromkeys(k for k in raw_page if k not in seen))  # SCAN may repeat
            if len(seen) + len(fresh) > max_keys:
                fresh, capped = fresh[: max_keys - len(seen)], True
            seen.update(fresh)
            if fresh:
                await _read_step(conn, fresh, tally, own, notes)
            if clock() - last_yield >= progress_every_s and cursor != 0:
                last_yield = clock()
                yield tally.scan(len(seen), dbsize, False, last_yield - started, no_touch, notes)
        if capped:
            notes.append(f"stopped after {max_keys:,} keys: counts are lower bounds")
        if no_touch:
            with contextlib.suppress(RedisError):
                await conn.client_no_touch("OFF")
        yield tally.scan(len(seen), dbsize, True, clock() - started, no_touch, notes, capped)


async def _read_step(
    conn: Redis, keys: list[bytes], tally: KeyspaceTally, own: OwnLookups, notes: list[str]
) -> None:
    names = [k.decode("utf-8", "surrogateescape") for k in keys]
    groups = [tally.classify(name) for name in names]
    sampled = tally.reserve_samples(groups)
    pipe = conn.pipeline(transaction=False)
    for key in keys:
        pipe.pttl(key)
    for i in sampled:
        pipe.memory_usage(keys[i])
    async with own.lock:
        replies: list[Any] = await pipe.execute(raise_on_error=False)
        own.count_pttl(replies[: len(keys)])
    ttls, sizes = replies[: len(keys)], dict(zip(sampled, replies[len(keys) :], strict=True))
    for reply in (*ttls, *sizes.values()):
        if isinstance(reply, BaseException) and not key_denied(reply):
            if missing_command(reply) is None:
                raise reply  # e.g. the connection broke mid-pipeline
            note = describe_redis_error(reply)
            if note not in notes:
                notes.append(note)
    for i, (name, group) in enumerate(zip(names, groups, strict=True)):
        tally.add(group, name, ttls[i], sizes.get(i), i in sizes)


# -- invalidation (admin actions) -----------------------------------------------------------


def _key_bytes(params: Mapping[str, Any]) -> bytes:
    if "key_hex" in params:
        return bytes.fromhex(str(params["key_hex"]))
    return str(params["key"]).encode("utf-8", "surrogateescape")


NOT_CONFIGURED = ActionOutcome(OutcomeStatus.ERROR, "Redis is not configured (--redis-url)")


async def _unlink(conn: Redis, keys: list[bytes]) -> tuple[int, int]:
    """(removed, refused): a batch with a key outside the ACL's key patterns is refused whole,
    so it is retried key by key and the refused keys are counted."""
    try:
        return int(await conn.unlink(*keys)), 0
    except ResponseError as exc:
        if not key_denied(exc):
            raise
    removed = refused = 0
    for key in keys:
        try:
            removed += int(await conn.unlink(key))
        except ResponseError as exc:
            if not key_denied(exc):
                raise
            refused += 1
    return removed, refused


@executor("invalidate_key")
async def invalidate_key(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    if ctx.redis is None:
        return NOT_CONFIGURED
    shown = printable_key(str(params["key"]))
    try:
        async with raw_connection(ctx.redis) as conn:
            removed = int(await conn.unlink(_key_bytes(params)))
    except RedisError as exc:
        return ActionOutcome(
            OutcomeStatus.ERROR, f"{shown} not removed: {describe_redis_error(exc)}"
        )
    if not removed:
        return ActionOutcome(
            OutcomeStatus.NO_OP,
            f"{shown} did not exist (expired or already removed)",
            details={"keys_removed": 0},
        )
    return ActionOutcome(OutcomeStatus.OK, f"removed 1 key: {shown}", details={"keys_removed": 1})


@executor("invalidate_family")
async def invalidate_family(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """SCAN MATCH pattern, skip keys of the excluded families, UNLINK in batches."""
    if ctx.redis is None:
        return NOT_CONFIGURED
    pattern = str(params["pattern"])
    excluded = [glob_regex(p) for p in params.get("exclude", ())]
    removed = scanned = refused = 0
    try:
        async with raw_connection(ctx.redis) as conn:
            batch: list[bytes] = []
            async for key in conn.scan_iter(match=pattern, count=1000):
                scanned += 1
                if not any(rx.fullmatch(key.decode("utf-8", "surrogateescape")) for rx in excluded):
                    batch.append(key)
                if len(batch) >= UNLINK_BATCH:
                    done, denied = await _unlink(conn, batch)
                    removed, refused, batch = removed + done, refused + denied, []
            if batch:
                done, denied = await _unlink(conn, batch)
                removed, refused = removed + done, refused + denied
    except RedisError as exc:
        return ActionOutcome(
            OutcomeStatus.ERROR,
            f"removed {removed:,} keys matching {pattern}, then: {describe_redis_error(exc)}",
            details={"keys_removed": removed, "pattern": pattern},
        )
    details = {"keys_removed": removed, "keys_refused": refused, "pattern": pattern}
    text = f"removed {removed:,} {'key' if removed == 1 else 'keys'} matching {pattern}"
    if refused:
        text += f"; {refused:,} refused by the ACL's key patterns"
        return ActionOutcome(OutcomeStatus.ERROR, text, details=details)
    if not removed:
        return ActionOutcome(OutcomeStatus.NO_OP, f"no keys matched {pattern}", details=details)
    return ActionOutcome(OutcomeStatus.OK, text, details=details)
