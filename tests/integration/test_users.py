"""Accounts on real PostgreSQL 15/18: keyset pages, filters, hostile search, the page plan."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
import psycopg
import pytest

from psadmin.demo.servers import PostgresCluster
from psadmin.models.users import (
    LockoutPolicy,
    PageCursor,
    UserFilter,
    UserQuery,
    UserRow,
    UserSort,
    cursor_of,
)
from queries.users import _page_statement, users_by_name, users_page, users_summary
from tests.integration.users_data import (
    HOSTILE_NAMES,
    Account,
    add_accounts,
    create_users_table,
    mixed_accounts,
    table_state,
)

NewDb = Callable[[PostgresCluster, str], str]
POLICY = LockoutPolicy()
LOWEST = datetime.min.replace(tzinfo=UTC)


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def users_dsn(cluster: PostgresCluster, fresh_database: NewDb) -> str:
    dsn = fresh_database(cluster, "users")
    create_users_table(dsn)
    return dsn


@pytest.fixture
async def conn(users_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(users_dsn)
    try:
        yield connection
    finally:
        await connection.close()


async def every_row(conn: asyncpg.Connection) -> list[UserRow]:
    records = await conn.fetch(
        "SELECT id, username, email, role, login_attempts, locked_until, last_login_at,"
        " created_at FROM users"
    )
    return [UserRow(**dict(r)) for r in records]


def expected_order(rows: list[UserRow], sort: UserSort) -> list[int]:
    """The order the screen promises, computed here in Python (the cluster collates in C)."""

    def key(row: UserRow) -> tuple[Any, int]:
        value = getattr(row, sort.value)
        if value is None:
            value = 0 if sort is UserSort.ATTEMPTS else LOWEST
        return value, row.id

    return [r.id for r in sorted(rows, key=key, reverse=sort.descending)]


async def walk(conn: asyncpg.Connection, query: UserQuery) -> list[list[int]]:
    pages: list[list[int]] = []
    page = await users_page(conn, query, POLICY)
    pages.append([r.id for r in page.rows])
    while page.has_next:
        query = replace(query, after=cursor_of(page.rows[-1], query.sort), before=None)
        page = await users_page(conn, query, POLICY)
        assert page.has_previous
        pages.append([r.id for r in page.rows])
    return pages


@pytest.mark.parametrize("sort", list(UserSort), ids=[s.value for s in UserSort])
async def test_keyset_pages_cover_every_row_once_both_ways(
    users_dsn: str, conn: asyncpg.Connection, sort: UserSort
) -> None:
    add_accounts(users_dsn, mixed_accounts())
    expected = expected_order(await every_row(conn), sort)
    pages = await walk(conn, UserQuery(sort=sort, limit=17))
    forward = [i for p in pages for i in p]
    assert forward == expected and len(set(forward)) == 237
    assert all(len(p) == 17 for p in pages[:-1])

    # back from the last page: the same pages, in reverse
    by_id = {r.id: r for r in await every_row(conn)}
    query = UserQuery(sort=sort, limit=17)
    backward = [pages[-1]]
    first = by_id[pages[-1][0]]
    while True:
        page = await users_page(conn, replace(query, before=cursor_of(first, sort)), POLICY)
        backward.append([r.id for r in page.rows])
        if not page.has_previous:
            break
        first = page.rows[0]
    assert backward[::-1] == pages


async def test_rows_inserted_before_the_cursor_neither_repeat_nor_skip(
    users_dsn: str, conn: asyncpg.Connection
) -> None:
    add_accounts(users_dsn, mixed_accounts(120))
    query = UserQuery(limit=20)
    page1 = await users_page(conn, query, POLICY)
    page2 = await users_page(
        conn, replace(query, after=cursor_of(page1.rows[-1], query.sort)), POLICY
    )
    add_accounts(users_dsn, [Account(f"AAA{i}") for i in range(30)])  # all sort first
    seen = [r.id for r in (*page1.rows, *page2.rows)]
    rest = await walk(conn, replace(query, after=cursor_of(page2.rows[-1], query.sort)))
    after_cursor = expected_order(await every_row(conn), UserSort.USERNAME)
    after_cursor = after_cursor[after_cursor.index(page2.rows[-1].id) + 1 :]
    assert [i for p in rest for i in p] == after_cursor
    assert not set(seen) & set(after_cursor)


async def test_filters_and_counts_match_the_table(users_dsn: str, conn: asyncpg.Connection) -> None:
    add_accounts(users_dsn, mixed_accounts())
    rows = await every_row(conn)
    now: datetime = await conn.fetchval("SELECT now()")
    locked = {r.id for r in rows if r.locked_at(now)}
    at_risk = {r.id for r in rows if not r.locked_at(now) and r.login_attempts >= 3}
    admins = {r.id for r in rows if r.role == "admin"}
    assert locked and at_risk and admins  # the data exercises every filter
    for flt, expected in (
        (UserFilter.LOCKED, locked),
        (UserFilter.AT_RISK, at_risk),
        (UserFilter.ADMINS, admins),
        (UserFilter.ALL, {r.id for r in rows}),
    ):
        pages = await walk(conn, UserQuery(flt, sort=UserSort.LOCKED_UNTIL, limit=9))
        found = [i for p in pages for i in p]
        assert sorted(found) == sorted(expected), flt
    summary = await users_summary(conn, POLICY, ("auth:attempts:{username}",))
    assert summary.available and summary.can_update
    assert summary.counts is not None
    assert (summary.counts.total, summary.counts.locked) == (237, len(locked))
    assert (summary.counts.at_risk, summary.counts.admins) == (len(at_risk), len(admins))
    assert summary.unlock_redis_keys == ("auth:attempts:{username}",)


async def test_search_is_literal_and_hostile_text_changes_nothing(
    users_dsn: str, conn: asyncpg.Connection
) -> None:
    add_accounts(users_dsn, mixed_accounts())
    before = table_state(users_dsn)

    async def names(term: str) -> set[str]:
        pages = await walk(conn, UserQuery(search=term, limit=50))
        by_id = {r.id: r.username for r in await every_row(conn)}
        return {by_id[i] for p in pages for i in p}

    assert await names("%") == {"a%b"}
    assert await names("_") == {"a_b"}
    assert await names("\\") == {"back\\slash"}
    assert await names("'") == {"o'quote", "'; DROP TABLE users; --"}
    assert await names('"') == {'dq"uote'}
    assert await names("; DROP TABLE users; --") == {"'; DROP TABLE users; --"}
    assert await names("zo") == {"zoë", "ZOË"}  # case-insensitive
    assert "zoë" in await names("zoë")
    assert await names("USER000") == {f"user000{i}" for i in range(10)}
    assert await names("%_%") == set()
    for impossible in ("\x00", "a\x00b", "\udcff", "x" * 10_000, "é" * 3000):
        assert await names(impossible) == set()
    assert len(await names("")) == 237
    assert table_state(users_dsn) == before


async def test_lookup_by_exact_name(users_dsn: str, conn: asyncpg.Connection) -> None:
    add_accounts(users_dsn, mixed_accounts())
    found = await users_by_name(
        conn, [*HOSTILE_NAMES, "A%B", "nobody", "\x00", "\udcff", "y" * 10_000]
    )
    assert sorted(r.username for r in found) == sorted(HOSTILE_NAMES)


async def test_unreadable_users_table_says_why(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "nousers")
    connection = await asyncpg.connect(dsn)
    try:
        summary = await users_summary(connection, POLICY)
        assert not summary.available and "no users table" in (summary.reason or "")
        create_users_table(dsn)
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("DROP ROLE IF EXISTS stranger")
            admin.execute("CREATE ROLE stranger LOGIN")
        db = dsn.rsplit("/", 1)[1]
        stranger = await asyncpg.connect(cluster.dsn(db, user="stranger"))
        try:
            summary = await users_summary(stranger, POLICY)
        finally:
            await stranger.close()
        assert not summary.available
        assert summary.fix == "GRANT SELECT, UPDATE ON users TO stranger"
    finally:
        await connection.close()


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", ()):
        nodes.extend(plan_nodes(child))
    return nodes


async def test_deep_pages_of_100k_users_read_one_page_of_rows(
    pg18: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(pg18, "users100k")
    create_users_table(dsn)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            "INSERT INTO users (username, email, password_hash, login_attempts, locked_until)"
            " SELECT 'u' || lpad(g::text, 6, '0'), 'u' || g || '@example.com', 'x', g % 6,"
            " CASE WHEN g % 50 = 0 THEN now() + interval '10 minutes' END"
            " FROM generate_series(1, 100000) AS g"
        )
        admin.execute("ANALYZE users")
    connection = await asyncpg.connect(dsn)
    try:
        deep = PageCursor("u090000", 90000)
        cases = (
            # a page of 50 (+1 to know there is more, +1 for an incremental sort's peek)
            (UserQuery(after=deep), 52),
            (UserQuery(before=deep), 52),
            (UserQuery(sort=UserSort.ID, after=PageCursor(90000, 90000)), 52),
            # the locked ones only (2 %), through idx_users_locked_until
            (UserQuery(UserFilter.LOCKED, sort=UserSort.LOCKED_UNTIL), 2000),
        )
        for query, most in cases:
            text, params = _page_statement(query, POLICY, 50)
            raw = await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {text}", *params)
            nodes = plan_nodes(json.loads(raw)[0]["Plan"])
            assert max(n["Actual Rows"] for n in nodes) <= most, (query, nodes)
            assert not any(n["Node Type"] == "Seq Scan" for n in nodes), (query, nodes)
        page = await users_page(connection, UserQuery(after=deep), POLICY)
        assert page.rows[0].username == "u090001" and len(page.rows) == 50
    finally:
        await connection.close()
