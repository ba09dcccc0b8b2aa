"""PSScript accounts: the lockout list, its counts, and the unlock / lock / reset executors.

Every value a person typed is a bound parameter. The page query is assembled from fixed
fragments (filter, keyset condition, order) chosen by enum, never from input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from asyncpg import Record
from redis.exceptions import RedisError

from psadmin.models.actions import ActionOutcome, OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.users import (
    KeyDeletion,
    LockoutPolicy,
    UserChange,
    UserCounts,
    UserFilter,
    UserPage,
    UserQuery,
    UserRow,
    UserSort,
    UsersSummary,
    format_remaining,
    like_pattern,
    storable,
    validate_minutes,
)
from queries import sql
from queries.actions import ActionContext, executor
from queries.executor import Executor

MAX_PAGE = 1000
KEY_BATCH = 500
DETAIL_LIMIT = 100
"""Lists in audit details are cut here; the counts next to them are exact."""

# (sort key over the table, the same key over a bound cursor value). NULLs sort as the
# lowest value so keyset comparisons never meet a NULL.
_SORT_KEYS: dict[UserSort, tuple[str, str]] = {
    UserSort.USERNAME: ("username", "{p}::text"),
    UserSort.ID: ("id", "{p}::integer"),
    UserSort.ATTEMPTS: ("coalesce(login_attempts, 0)", "coalesce({p}::integer, 0)"),
    UserSort.LOCKED_UNTIL: (
        "coalesce(locked_until::timestamptz, '-infinity')",
        "coalesce({p}::timestamptz, '-infinity')",
    ),
    UserSort.LAST_LOGIN: (
        "coalesce(last_login_at::timestamptz, '-infinity')",
        "coalesce({p}::timestamptz, '-infinity')",
    ),
    UserSort.CREATED: (
        "coalesce(created_at::timestamptz, '-infinity')",
        "coalesce({p}::timestamptz, '-infinity')",
    ),
}

_NOT_LOCKED = "(locked_until IS NULL OR locked_until <= now())"


def _row(record: Record) -> UserRow:
    return UserRow(
        id=record["id"],
        username=record["username"],
        email=record["email"],
        role=record["role"],
        login_attempts=record["login_attempts"],
        locked_until=record["locked_until"],
        last_login_at=record["last_login_at"],
        created_at=record["created_at"],
    )


async def users_summary(
    conn: Executor, policy: LockoutPolicy, unlock_redis_keys: tuple[str, ...] = ()
) -> UsersSummary:
    """The policy with counts of locked and at-risk accounts, or why they cannot be read."""
    access = await conn.fetchrow(sql.load("users_access"))
    assert access is not None
    if not access["present"]:
        return UsersSummary(
            policy,
            available=False,
            reason="no users table in this database (is it the PSScript database?)",
            fix="connect to the PSScript database, or set search_path to its schema",
            table_present=False,
        )
    if not access["can_select"]:
        role = access["role"]
        return UsersSummary(
            policy,
            available=False,
            reason=f"role {role} may not read the users table",
            fix=f"GRANT SELECT, UPDATE ON users TO {role}",
        )
    row = await conn.fetchrow(sql.load("users_counts"), policy.at_risk_attempts)
    assert row is not None
    counts = UserCounts(row["total"], row["locked"], row["at_risk"], row["admins"])
    return UsersSummary(
        policy,
        counts,
        row["as_of"],
        can_update=access["can_update"],
        unlock_redis_keys=unlock_redis_keys,
    )


class _Params:
    """Numbers bound values ($1, $2, …) as fragments ask for them."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def bind(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _page_statement(query: UserQuery, policy: LockoutPolicy, limit: int) -> tuple[str, list[Any]]:
    params = _Params()
    where: list[str] = []
    if query.filter is UserFilter.LOCKED:
        where.append("locked_until > now()")
    elif query.filter is UserFilter.AT_RISK:
        threshold = params.bind(policy.at_risk_attempts)
        # NULL attempts are never >= the threshold; the bare column lets the index serve this
        where.append(f"login_attempts >= {threshold} AND {_NOT_LOCKED}")
    elif query.filter is UserFilter.ADMINS:
        where.append("role = 'admin'")
    if query.search:
        pattern = params.bind(like_pattern(query.search))
        where.append(f"(username ILIKE {pattern} ESCAPE '\\' OR email ILIKE {pattern} ESCAPE '\\')")
    key, cursor_key = _SORT_KEYS[query.sort]
    # Walking backwards flips both the comparison and the order; rows are reversed after.
    backwards = query.before is not None
    descending = query.sort.descending != backwards
    cursor = query.before or query.after
    if cursor is not None:
        value = cursor_key.format(p=params.bind(cursor.value))
        where.append(
            f"({key}, id) {'<' if descending else '>'} ({value}, {params.bind(cursor.id)})"
        )
    direction = "DESC" if descending else "ASC"
    text = (
        sql.load("users_page")
        .replace("/* where */", " AND ".join(where) or "true")
        .replace("/* order */", f"{key} {direction}, id {direction}")
        .replace("/* limit */", params.bind(limit + 1))
    )
    return text, params.values


async def server_now(conn: Executor) -> datetime:
    now: datetime = await conn.fetchval(sql.load("server_now"))
    return now


async def users_page(conn: Executor, query: UserQuery, policy: LockoutPolicy) -> UserPage:
    """One page in ``query.sort`` order after/before a cursor; never OFFSET.

    A search that PostgreSQL text cannot even hold (NUL, unpaired surrogates) matches nobody;
    that is answered without asking the server.
    """
    if query.search and not storable(query.search):
        return UserPage((), await server_now(conn), has_next=False, has_previous=False)
    limit = min(max(query.limit, 1), MAX_PAGE)
    text, params = _page_statement(query, policy, limit)
    records = await conn.fetch(text, *params)
    more = len(records) > limit
    records = records[:limit]
    as_of = records[0]["as_of"] if records else await server_now(conn)
    rows = tuple(_row(r) for r in records)
    if query.before is not None:
        if not more:
            # Nothing before this page: show a full first page rather than a short one.
            return await users_page(conn, replace(query, before=None, after=None), policy)
        return UserPage(tuple(reversed(rows)), as_of, has_next=True, has_previous=True)
    return UserPage(rows, as_of, has_next=more, has_previous=query.after is not None)


async def users_by_name(conn: Executor, names: Sequence[str]) -> list[UserRow]:
    """The accounts with exactly these usernames (names that cannot exist are skipped)."""
    wanted = sorted({n for n in names if storable(n)})
    if not wanted:
        return []
    return [_row(r) for r in await conn.fetch(sql.load("users_by_name"), wanted)]


# -- admin actions (run by the dispatcher on the reserved admin connection) ---------------------


def _change(record: Record) -> UserChange:
    return UserChange(
        id=record["id"],
        username=record["username"],
        attempts_before=record["attempts_before"],
        locked_until_before=record["locked_until_before"],
        attempts_after=record["attempts_after"],
        locked_until_after=record["locked_until_after"],
        changed=record["changed"],
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _user_id(params: Mapping[str, Any]) -> int:
    user_id = params.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        raise BackendError(f"invalid user id {user_id!r}")
    return user_id


async def _delete_keys(ctx: ActionContext, users: Sequence[tuple[int, str]]) -> KeyDeletion:
    """UNLINK the configured per-user keys (the application's attempt counters)."""
    if not ctx.unlock_redis_keys or not users:
        return KeyDeletion()
    try:
        keys = [
            template.format_map({"username": name, "id": user_id})
            for user_id, name in users
            for template in ctx.unlock_redis_keys
        ]
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        return KeyDeletion(error=f"bad unlock_redis_keys template ({type(exc).__name__}: {exc})")
    if ctx.redis is None:
        return KeyDeletion(keys=tuple(keys), error="Redis not configured, keys not deleted")
    deleted = 0
    try:
        for start in range(0, len(keys), KEY_BATCH):
            deleted += await ctx.redis.unlink(*keys[start : start + KEY_BATCH])
    except (RedisError, OSError, TimeoutError) as exc:
        detail = (str(exc) or type(exc).__name__).splitlines()[0]
        return KeyDeletion(deleted, tuple(keys), error=f"Redis failed, keys not deleted: {detail}")
    return KeyDeletion(deleted, tuple(keys))


def _redis_text(keys: KeyDeletion) -> str:
    if keys.error:
        return f"; {keys.error}"
    if keys.deleted:
        return f"; deleted {keys.deleted} Redis key{'s' if keys.deleted != 1 else ''}"
    return ""


def _redis_details(keys: KeyDeletion) -> dict[str, Any]:
    details: dict[str, Any] = {"redis_keys_deleted": keys.deleted}
    if keys.keys:
        details["redis_keys"] = list(keys.keys[:DETAIL_LIMIT])
    if keys.error:
        details["redis_error"] = keys.error
    return details


def _one_details(change: UserChange) -> dict[str, Any]:
    return {
        "user_id": change.id,
        "username": change.username,
        "changed": change.changed,
        "login_attempts_before": change.attempts_before,
        "locked_until_before": _iso(change.locked_until_before),
        "login_attempts_after": change.attempts_after,
        "locked_until_after": _iso(change.locked_until_after),
    }


async def _change_one(ctx: ActionContext, name: str, *args: Any) -> tuple[UserChange, datetime]:
    record = await ctx.conn.fetchrow(sql.load(name), *args)
    if record is None:
        raise BackendError(f"no user with id {args[0]} (deleted meanwhile?)")
    return _change(record), record["at"]


@executor("unlock_user")
async def unlock_user(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    change, at = await _change_one(ctx, "unlock_user", _user_id(params))
    keys = await _delete_keys(ctx, [(change.id, change.username)])
    name = change.username
    before = change.locked_until_before
    if not change.changed:
        text = f"{name} was not locked and had no failed attempts: nothing to unlock"
    elif before is not None and before > at:
        left = format_remaining((before - at).total_seconds())
        text = f"unlocked {name} (lock had {left} left, {change.attempts_before} failed attempts)"
    else:
        cleared = [f"{change.attempts_before} failed attempts"] if change.attempts_before else []
        cleared += ["an expired lock"] if before is not None else []
        text = f"{name} was not locked; cleared {' and '.join(cleared)}"
    status = OutcomeStatus.OK if change.changed or keys.deleted else OutcomeStatus.NO_OP
    details = _one_details(change) | _redis_details(keys)
    return ActionOutcome(status, text + _redis_text(keys), details=details)


@executor("reset_attempts")
async def reset_attempts(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    change, _ = await _change_one(ctx, "reset_attempts", _user_id(params))
    keys = await _delete_keys(ctx, [(change.id, change.username)])
    if change.changed:
        text = f"reset {change.username}'s failed attempts ({change.attempts_before} → 0)"
    else:
        text = f"{change.username} had no failed attempts: nothing to reset"
    status = OutcomeStatus.OK if change.changed or keys.deleted else OutcomeStatus.NO_OP
    details = _one_details(change) | _redis_details(keys)
    return ActionOutcome(status, text + _redis_text(keys), details=details)


@executor("lock_user")
async def lock_user(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    minutes = params.get("minutes")
    try:
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            raise ValueError(f"minutes must be a whole number, not {minutes!r}")
        minutes = validate_minutes(minutes)
    except ValueError as exc:
        raise BackendError(str(exc)) from None
    change, _ = await _change_one(ctx, "lock_user", _user_id(params), minutes)
    until = change.locked_until_after
    text = f"locked {change.username} for {minutes} min (until {_iso(until)})"
    return ActionOutcome(
        OutcomeStatus.OK, text, details=_one_details(change) | {"minutes": minutes}
    )


def _user_ids(params: Mapping[str, Any]) -> list[int]:
    ids = params.get("user_ids")
    if not isinstance(ids, list | tuple) or not ids:
        raise BackendError("user_ids must be a non-empty list of user ids")
    return sorted({_user_id({"user_id": value}) for value in ids})


@executor("unlock_users")
async def unlock_users(ctx: ActionContext, params: Mapping[str, Any]) -> ActionOutcome:
    """Bulk unlock, in one statement: the listed ids, or every account locked right now."""
    all_locked = params.get("all_locked") is True
    if all_locked:
        records = await ctx.conn.fetch(sql.load("unlock_all_locked"))
        wanted: list[int] = [r["id"] for r in records]
    else:
        wanted = _user_ids(params)
        records = await ctx.conn.fetch(sql.load("unlock_users"), wanted)
    changes = [_change(r) for r in records]
    unlocked = [c for c in changes if c.changed]
    found = {c.id for c in changes}
    missing = [i for i in wanted if i not in found]
    keys = await _delete_keys(ctx, [(c.id, c.username) for c in changes])
    if all_locked:
        text = f"unlocked {len(unlocked)} locked account{'s' if len(unlocked) != 1 else ''}"
    else:
        text = f"unlocked {len(unlocked)} of {len(wanted)} accounts"
        untouched = len(changes) - len(unlocked)
        if untouched:
            text += f" ({untouched} had nothing to unlock)"
        if missing:
            text += f"; no user with id {', '.join(map(str, missing[:5]))}"
            text += "…" if len(missing) > 5 else ""
    status = OutcomeStatus.OK if unlocked or keys.deleted else OutcomeStatus.NO_OP
    details: dict[str, Any] = {
        "all_locked": all_locked,
        "requested": len(wanted),
        "unlocked": len(unlocked),
        "unchanged": len(changes) - len(unlocked),
        "missing_ids": missing[:DETAIL_LIMIT],
        "unlocked_users": [c.username for c in unlocked[:DETAIL_LIMIT]],
    }
    return ActionOutcome(status, text + _redis_text(keys), details=details | _redis_details(keys))
