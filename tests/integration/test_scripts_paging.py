"""Keyset pages of scripts on the embedded PostgreSQL 18: contiguous under concurrent inserts,
filters and text search (ILIKE with escaped wildcards, pg_trgm when a trigram index exists).
"""

from __future__ import annotations

import asyncio
import random
import string
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import psycopg
import pytest

from psadmin.backend import LiveBackend
from psadmin.demo.servers import PostgresCluster
from psadmin.models.scripts import (
    ScriptFilter,
    ScriptQuery,
    ScriptRow,
    ScriptSort,
    SearchMethod,
    cursor_of,
)
from psadmin.schema import create_schema
from tests.conftest import new_database
from tests.integration.helpers import backend_for, wait_until

T = TypeVar("T")
ROWS = 400
SPECIAL_TITLES = (
    "Disk 100% full alert",
    "Disk 100 full alert",
    "Check a_b shares",
    "Check axb shares",
    "Path C:\\Temp cleanup",
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def with_backend(dsn: str, work: Callable[[LiveBackend], Awaitable[T]]) -> T:
    backend = backend_for(dsn)
    try:
        await backend.connect()
        return await work(backend)
    finally:
        await backend.close()


@pytest.fixture(scope="module")
def dsn(pg18: PostgresCluster) -> str:
    """Scripts with many ties in every sort key (titles, times, counts, missing scores)."""
    dsn = new_database(pg18, "scripts_paging")
    asyncio.run(create_schema(dsn))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO categories (name) VALUES"
            " ('Active Directory'), ('Backup & Recovery'), ('Network Management')"
        )
        conn.execute("INSERT INTO tags (name) VALUES ('csv'), ('reporting')")
        conn.execute(
            "INSERT INTO users (username, email, password_hash)"
            " VALUES ('alice', 'a@x', 'h'), ('bob', 'b@x', 'h')"
        )
        conn.execute(
            "INSERT INTO scripts (title, content, user_id, category_id, is_public,"
            " execution_count, updated_at)"
            " SELECT 'Script ' || (i %% 97), 'Get-Date', 1 + i %% 2, 1 + i %% 3, i %% 2 = 0,"
            " i %% 7, timestamptz '2026-01-01' + (i %% 50) * interval '1 hour'"
            " FROM generate_series(1, %s) AS i",
            (ROWS,),
        )
        for title in SPECIAL_TITLES:
            conn.execute(
                "INSERT INTO scripts (title, content, category_id) VALUES (%s, 'x', 1)", (title,)
            )
        conn.execute(
            "INSERT INTO script_analysis (script_id, security_score)"
            " SELECT id, (id * 37) % 100 FROM scripts WHERE id % 2 = 0"
        )
        conn.execute(
            "INSERT INTO script_tags (script_id, tag_id)"
            " SELECT id, 1 + id % 2 FROM scripts WHERE id % 5 = 0"
        )
    return dsn


def sort_key(row: ScriptRow, sort: ScriptSort) -> tuple[Any, int]:
    value = cursor_of(row, sort).value
    if sort is ScriptSort.SECURITY and value is None:
        value = float("inf")
    if sort is ScriptSort.EXECUTIONS:
        value = value or 0
    return (value, row.id)


class Inserter(threading.Thread):
    """Inserts scripts on its own connection whenever the walk hands it a permit."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.inserted = 0
        self.permits = threading.Semaphore(0)
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def allow(self, rows: int) -> None:
        for _ in range(rows):
            self.permits.release()

    def run(self) -> None:
        rng = random.Random(5)
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                while not self.stop.is_set():
                    if not self.permits.acquire(timeout=0.05):
                        continue
                    title = "".join(rng.choices(string.ascii_letters, k=8))
                    conn.execute(
                        "WITH s AS (INSERT INTO scripts (title, content, category_id,"
                        " execution_count, updated_at) VALUES (%s, 'x', %s, %s,"
                        " timestamptz '2026-01-01' + %s * interval '1 hour') RETURNING id)"
                        " INSERT INTO script_analysis (script_id, security_score)"
                        " SELECT id, %s FROM s WHERE %s",
                        (title, rng.randint(1, 3), rng.randint(0, 6), rng.randint(0, 49),
                         rng.randint(0, 99), rng.random() < 0.5),
                    )  # fmt: skip
                    self.inserted += 1
        except BaseException as exc:  # reported by the test thread
            self.error = exc


def inserted_at_least(inserter: Inserter, rows: int) -> bool:
    return inserter.inserted >= rows or inserter.error is not None


@pytest.fixture
def inserter(dsn: str) -> Iterator[Inserter]:
    thread = Inserter(dsn)
    thread.start()
    try:
        yield thread
    finally:
        thread.stop.set()
        thread.join(timeout=30)


def existing_ids(dsn: str) -> set[int]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM scripts").fetchall()}


@pytest.mark.parametrize("sort", [s for s in ScriptSort if s is not ScriptSort.RELEVANCE])
def test_keyset_pages_never_repeat_or_skip_under_concurrent_inserts(
    dsn: str, inserter: Inserter, sort: ScriptSort
) -> None:
    async def walk(b: LiveBackend) -> tuple[set[int], list[ScriptRow], int, int]:
        before = await asyncio.to_thread(existing_ids, dsn)
        started = inserter.inserted
        query = ScriptQuery(sort=sort, limit=25)
        page = await b.scripts_page(query)
        seen = list(page.rows)
        pages = 1
        while page.has_next:
            assert pages < 200, "the walk does not end"
            # three rows go in around every page read: one surely before it, two racing it
            target = inserter.inserted + 1
            inserter.allow(3)
            await asyncio.to_thread(wait_until, partial(inserted_at_least, inserter, target))
            page = await b.scripts_page(replace(query, after=cursor_of(page.rows[-1], sort)))
            seen += page.rows
            pages += 1
        return before, seen, inserter.inserted - started, pages

    before, seen, inserted_meanwhile, pages = run(with_backend(dsn, walk))
    assert inserter.error is None
    assert inserted_meanwhile >= pages - 1  # the inserts really ran during the walk
    ids = [row.id for row in seen]
    assert len(ids) == len(set(ids)), "a row was repeated"
    assert before <= set(ids), f"rows skipped: {sorted(before - set(ids))[:10]}"
    keys = [sort_key(row, sort) for row in seen]
    wanted = sorted(keys, reverse=sort.descending)
    assert keys == wanted


def test_previous_pages_retrace_the_next_pages(dsn: str) -> None:
    async def walk(b: LiveBackend) -> tuple[list[list[int]], list[list[int]]]:
        query = ScriptQuery(ScriptFilter(category="network management"), ScriptSort.TITLE, limit=20)
        forward = [await b.scripts_page(query)]
        while forward[-1].has_next and len(forward) < 5:
            last = cursor_of(forward[-1].rows[-1], ScriptSort.TITLE)
            forward.append(await b.scripts_page(replace(query, after=last)))
        backward = [forward[-1]]
        while backward[-1].has_previous:
            first = cursor_of(backward[-1].rows[0], ScriptSort.TITLE)
            backward.append(await b.scripts_page(replace(query, before=first, after=None)))
        return (
            [[r.id for r in p.rows] for p in forward],
            [[r.id for r in p.rows] for p in reversed(backward)],
        )

    forward, backward = run(with_backend(dsn, walk))
    assert len(forward) == 5 and forward == backward


def ids_where(dsn: str, condition: str) -> set[int]:
    with psycopg.connect(dsn) as conn:
        sql = f"SELECT s.id FROM scripts s WHERE s.id <= {ROWS} AND {condition}"  # noqa: S608
        return {r[0] for r in conn.execute(sql).fetchall()}


def listed(dsn: str, text: str) -> tuple[set[int], SearchMethod]:
    async def work(b: LiveBackend) -> tuple[set[int], SearchMethod]:
        query = ScriptQuery(ScriptFilter.parse(text), limit=1000)
        page = await b.scripts_page(query)
        found = {r.id for r in page.rows}
        while page.has_next:
            after = cursor_of(page.rows[-1], page.sort)
            page = await b.scripts_page(replace(query, after=after))
            found |= {r.id for r in page.rows}
        return {i for i in found if i <= ROWS}, page.search.method

    return run(with_backend(dsn, work))


def test_filters_match_the_database(dsn: str) -> None:
    cases = {
        'cat:"backup & RECOVERY"': "category_id = 2",
        "tag:CSV": "EXISTS (SELECT 1 FROM script_tags t WHERE t.script_id = s.id AND tag_id = 1)",
        "owner:bob": "user_id = 2",
        "public:no": "NOT is_public",
        "sec>=50": "EXISTS (SELECT 1 FROM script_analysis a WHERE a.script_id = s.id"
        " AND a.security_score >= 50)",
        "owner:alice is:public sec>=30": "user_id = 1 AND is_public AND EXISTS (SELECT 1"
        " FROM script_analysis a WHERE a.script_id = s.id AND a.security_score >= 30)",
        "owner:nobody": "false",
    }
    for text, condition in cases.items():
        assert listed(dsn, text)[0] == ids_where(dsn, condition), text


def search(dsn: str, text: str) -> tuple[list[str], SearchMethod]:
    async def work(b: LiveBackend) -> tuple[list[str], SearchMethod]:
        page = await b.scripts_page(ScriptQuery(ScriptFilter(search=text), limit=100))
        return sorted(r.title for r in page.rows), page.search.method

    return run(with_backend(dsn, work))


def test_ilike_search_takes_wildcards_literally(dsn: str) -> None:
    assert search(dsn, "100%") == (["Disk 100% full alert"], SearchMethod.ILIKE)
    assert search(dsn, "a_b")[0] == ["Check a_b shares"]
    assert search(dsn, "C:\\Temp")[0] == ["Path C:\\Temp cleanup"]
    assert search(dsn, "disk 100")[0] == ["Disk 100 full alert", "Disk 100% full alert"]
    assert search(dsn, "nul\x00byte") == ([], SearchMethod.ILIKE)


def test_best_match_without_trigram_index_pages_newest_first(dsn: str) -> None:
    async def work(b: LiveBackend) -> tuple[list[int], ScriptSort]:
        query = ScriptQuery(ScriptFilter(search="Script 1"), ScriptSort.RELEVANCE, limit=7)
        page = await b.scripts_page(query)
        ids = [r.id for r in page.rows]
        while page.has_next:
            after = cursor_of(page.rows[-1], page.sort)
            page = await b.scripts_page(replace(query, after=after))
            ids += [r.id for r in page.rows]
        return ids, page.sort

    ids, sort = run(with_backend(dsn, work))
    assert sort is ScriptSort.NEWEST
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
    assert set(ids) >= ids_where(dsn, "title LIKE 'Script 1%'")


def test_trigram_search_when_an_index_exists(pg18: PostgresCluster) -> None:
    dsn = new_database(pg18, "scripts_trgm")
    asyncio.run(create_schema(dsn))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_trgm")
        for title in [*SPECIAL_TITLES, "Free disk space report", "Mailbox size report"]:
            conn.execute("INSERT INTO scripts (title, content) VALUES (%s, 'x')", (title,))
        conn.execute("CREATE INDEX scripts_title_trgm ON scripts USING gin (title gin_trgm_ops)")

    async def work(b: LiveBackend) -> tuple[list[list[str]], str]:
        query = ScriptQuery(ScriptFilter(search="disk"), ScriptSort.RELEVANCE, limit=1)
        page = await b.scripts_page(query)
        pages = [[r.title for r in page.rows]]
        while page.has_next:
            page = await b.scripts_page(
                replace(query, after=cursor_of(page.rows[-1], ScriptSort.RELEVANCE))
            )
            pages.append([r.title for r in page.rows])
        return pages, page.search.describe()

    pages, method = run(with_backend(dsn, work))
    assert method == "trigram similarity on title (scripts_title_trgm)"
    titles = [t for p in pages for t in p]
    assert sorted(titles) == [
        "Disk 100 full alert",
        "Disk 100% full alert",
        "Free disk space report",
    ]
