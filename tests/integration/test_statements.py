"""pg_stat_statements, long-running queries and EXPLAIN against real servers (15 and 18).

Each test works in a fresh database: the statistics live in cluster-wide shared memory, but
psadmin reads only the connected database's entries, so tests do not see each other's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import DEBIAN_PG15_BIN, PostgresCluster
from psadmin.models.actions import OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.statement_actions import explain_analyze_request, reset_request
from psadmin.models.statements import (
    ExplainMode,
    StatementSample,
    StatementSort,
    StatementStats,
    interval_deltas,
    rank_statements,
)
from psadmin.snapshot_statements import slow_queries_panel
from tests.integration.helpers import settings_for

NewDb = Callable[[PostgresCluster, str], str]
SLEEP_S = 0.2
SLEEP_CALLS = 3


def make_db(cluster: PostgresCluster, new_db: NewDb, version: str | None = "") -> str:
    """A fresh database with pg_stat_statements (``None``: without it) and a small table."""
    dsn = new_db(cluster, "stmts")
    name = dsn.rsplit("/", 1)[1]
    setup = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\n"
    setup += "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g;\n"
    setup += "ANALYZE items;\n"
    if version is not None:
        setup += "CREATE EXTENSION pg_stat_statements"
        setup += f" VERSION '{version}';\n" if version else ";\n"
    cluster.psql(setup, name)
    return dsn


def backend_for(dsn: str, tmp_path: Path, *, read_only: bool = False) -> LiveBackend:
    profile = dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl")
    return LiveBackend(settings_for(dsn, read_only=read_only, profile=profile))


async def run(dsn: str, statement: str, *args: object, times: int = 1) -> None:
    """The application's side: a plain session, not psadmin's."""
    conn = await asyncpg.connect(dsn, server_settings={"application_name": "psscript-api"})
    try:
        for _ in range(times):
            await conn.fetch(statement, *args)
    finally:
        await conn.close()


async def sample_of(dsn: str, tmp_path: Path) -> StatementSample:
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        return await backend.statement_sample()
    finally:
        await backend.close()


def find(sample: StatementSample, fragment: str) -> StatementStats:
    found = [s for s in sample.statements if s.query and fragment in s.query]
    assert len(found) == 1, [s.query for s in sample.statements]
    return found[0]


@pytest.fixture(scope="module")
def pg15_unloaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """PostgreSQL 15 without pg_stat_statements in shared_preload_libraries."""
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path_factory.mktemp("pg15-plain"), preload=())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.parametrize(
    ("server", "version"),
    [("pg18", ""), ("pg18", "1.8"), ("pg18", "1.4"), ("pg15", "")],
    ids=["18-current", "18-ext1.8", "18-ext1.4", "15-current"],
)
async def test_known_statement_is_ranked_with_its_calls_and_mean(
    server: str, version: str, request: pytest.FixtureRequest, fresh_database: NewDb, tmp_path: Path
) -> None:
    cluster: PostgresCluster = request.getfixturevalue(server)
    dsn = make_db(cluster, fresh_database, version)
    await run(dsn, "SELECT pg_sleep($1)", SLEEP_S, times=SLEEP_CALLS)
    await run(dsn, "SELECT name FROM items WHERE id = $1", 7, times=20)
    sample = await sample_of(dsn, tmp_path)
    expected = version or {"pg18": "1.12", "pg15": "1.10"}[server]
    assert sample.availability.available
    assert sample.availability.extension_version == expected
    by_total = rank_statements(sample, None, StatementSort.TOTAL_TIME)
    top = by_total[0].stats
    assert top.query == "SELECT pg_sleep($1)"
    assert top.calls == SLEEP_CALLS
    assert SLEEP_S * 1000 <= top.mean_exec_ms < SLEEP_S * 1000 + 150
    assert top.total_exec_ms == pytest.approx(top.mean_exec_ms * SLEEP_CALLS)
    by_calls = rank_statements(sample, None, StatementSort.CALLS)[0].stats
    assert (by_calls.query, by_calls.calls, by_calls.rows) == (
        "SELECT name FROM items WHERE id = $1",
        20,
        20,
    )
    assert (top.wal_bytes is None) == (version == "1.4")  # WAL counters arrived in 1.8
    # psadmin's own statements (tagged) are left out, also on 18 where the leading tag is lost
    assert sample.own > 0
    assert not [s for s in sample.statements if s.query and "psadmin:" in s.query]


@pytest.mark.parametrize("server", ["pg18", "pg15"])
async def test_interval_deltas_count_exactly_the_calls_between_two_samples(
    server: str, request: pytest.FixtureRequest, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(request.getfixturevalue(server), fresh_database)
    await run(dsn, "SELECT count(*) FROM items WHERE name LIKE $1", "item 1%", times=4)
    await run(dsn, "SELECT max(id) FROM items", times=2)
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        first = await backend.statement_sample()
        await run(dsn, "SELECT count(*) FROM items WHERE name LIKE $1", "item 2%", times=7)
        await run(dsn, "SELECT min(id) FROM items WHERE id > $1", 5, times=3)  # new in between
        second = await backend.statement_sample()
    finally:
        await backend.close()
    deltas = interval_deltas(first, second)
    assert deltas is not None and deltas.seconds > 0
    like = find(second, "name LIKE $1")
    new = find(second, "min(id)")
    idle = find(second, "max(id)")
    assert like.calls == 11
    assert deltas.by_key[like.key].calls == 7
    assert deltas.by_key[new.key].calls == 3
    assert idle.key not in deltas.by_key  # nothing happened to it in the interval
    assert set(deltas.by_key) == {like.key, new.key}  # psadmin's own sampling is not counted
    share = sum(d.share or 0 for d in deltas.by_key.values())
    assert share == pytest.approx(1.0)
    ranked = rank_statements(second, deltas, StatementSort.CALLS, per_interval=True)
    assert [r.stats.key for r in ranked] == [like.key, new.key]


async def test_missing_extension_gives_the_instructions_and_long_running_still_works(
    pg18: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg18, fresh_database, None)
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        sample = await backend.statement_sample()
        long = await backend.long_running_queries(100)
        panel = await slow_queries_panel(backend, backend.settings, 0.0)
    finally:
        await backend.close()
    availability = sample.availability
    assert not availability.available and sample.statements == ()
    assert availability.reason is not None and "not installed" in availability.reason
    assert availability.fix is not None
    assert availability.fix.startswith("CREATE EXTENSION pg_stat_statements;")
    assert long.queries == ()
    assert panel["available"] is False and "error" not in panel
    assert panel["fix"] == availability.fix and panel["long_running"] == []


async def test_not_preloaded_says_to_change_shared_preload_libraries(
    pg15_unloaded: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    installed = make_db(pg15_unloaded, fresh_database)  # CREATE EXTENSION works unloaded
    neither = make_db(pg15_unloaded, fresh_database, None)
    loaded = (await sample_of(installed, tmp_path)).availability
    both = (await sample_of(neither, tmp_path)).availability
    assert not loaded.available and loaded.extension_version == "1.10"
    assert loaded.reason == (
        "pg_stat_statements is installed but not loaded (shared_preload_libraries)"
    )
    assert loaded.fix == (
        "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; then restart PostgreSQL"
    )
    assert both.fix is not None and "shared_preload_libraries" in both.fix
    assert both.fix.endswith(
        "CREATE EXTENSION pg_stat_statements; (as a superuser, in database "
        f"{neither.rsplit('/', 1)[1]})"
    )


async def test_role_without_pg_read_all_stats_is_told_what_to_grant(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg15, fresh_database)
    name = dsn.rsplit("/", 1)[1]
    await run(dsn, "SELECT name FROM items WHERE id = $1", 3, times=2)  # as the superuser
    pg15.psql("DROP ROLE IF EXISTS plain_watcher; CREATE ROLE plain_watcher LOGIN;", name)
    backend = backend_for(pg15.dsn(name, user="plain_watcher"), tmp_path)
    try:
        await backend.connect()
        sample = await backend.statement_sample()
        outcome = await ActionRunner(backend).run(reset_request(name, "1.10"))
    finally:
        await backend.close()
    assert sample.availability.available and sample.hidden >= 1
    assert any("GRANT pg_read_all_stats TO plain_watcher" in n for n in sample.availability.notes)
    assert outcome.status is OutcomeStatus.ERROR
    assert "GRANT EXECUTE ON FUNCTION public.pg_stat_statements_reset(oid, oid, bigint)" in (
        outcome.message
    )


async def test_explain_uses_the_generic_plan_on_18(
    pg18: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg18, fresh_database)
    await run(dsn, "SELECT name FROM items WHERE id = $1", 42)
    await run(dsn, "SELECT count(*) FROM items")  # no constants: no parameters
    backend = backend_for(dsn, tmp_path, read_only=True)
    try:
        await backend.connect()
        sample = await backend.statement_sample()
        by_id = find(sample, "WHERE id = $1")
        generic = await backend.explain_statement(by_id.key)
        custom = await backend.explain_statement(by_id.key, ["42"])
        types = await backend.statement_parameters(by_id.key)
        plain = await backend.explain_statement(find(sample, "count(*) FROM items").key)
    finally:
        await backend.close()
    assert generic.mode is ExplainMode.GENERIC
    assert generic.statement == "EXPLAIN (GENERIC_PLAN) SELECT name FROM items WHERE id = $1"
    assert "Index Cond: (id = $1)" in generic.plan
    assert custom.mode is ExplainMode.PARAMETERS and "Index Cond: (id = 42)" in custom.plan
    assert types == ("int4",)
    assert plain.mode is ExplainMode.PLAIN and plain.plan.startswith("Aggregate")


async def test_explain_on_15_needs_the_parameters_and_binds_them(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg15, fresh_database)
    await run(dsn, "SELECT name FROM items WHERE id = $1 AND name <> $2", 42, "x")
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        key = find(await backend.statement_sample(), "WHERE id = $1").key
        with pytest.raises(BackendError, match="give their values"):
            await backend.explain_statement(key)
        hostile = "x'); DROP TABLE items; --"
        result = await backend.explain_statement(key, ["42", hostile])
        with pytest.raises(BackendError, match=r"\$1 \(int4\)"):
            await backend.explain_statement(key, ["forty-two", "x"])
    finally:
        await backend.close()
    assert result.mode is ExplainMode.PARAMETERS
    assert "Index Cond: (id = 42)" in result.plan
    assert "DROP TABLE" in result.plan  # bound as a value: it shows up as a string constant
    pg15.psql("SELECT count(*) FROM items", dsn.rsplit("/", 1)[1])  # the table is still there


@pytest.mark.parametrize("server", ["pg18", "pg15"])
async def test_explain_analyze_of_a_write_is_rolled_back_and_audited(
    server: str, request: pytest.FixtureRequest, fresh_database: NewDb, tmp_path: Path
) -> None:
    cluster: PostgresCluster = request.getfixturevalue(server)
    dsn = make_db(cluster, fresh_database)
    name = dsn.rsplit("/", 1)[1]
    await run(dsn, "UPDATE items SET name = $1 WHERE id = $2", "item 5", 5)
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        update = find(await backend.statement_sample(), "UPDATE items")
        analyze = explain_analyze_request(update.key, update.query or "", ("changed", "5"))
        outcome = await ActionRunner(backend).run(analyze)
    finally:
        await backend.close()
    assert analyze.needs_write and analyze.params["read_only"] is False
    assert outcome.status is OutcomeStatus.OK, outcome.message
    assert "rolled back" in outcome.message
    plan = outcome.details["plan"]
    assert "Update on items" in plan and "actual time=" in plan and "Execution Time" in plan
    assert cluster.psql("SELECT name FROM items WHERE id = 5", name) == "item 5"
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["event"], e["action"]) for e in events][-2:] == [
        ("requested", "explain_analyze"),
        ("ok", "explain_analyze"),
    ]
    assert events[-2]["params"]["parameters"] == ["changed", "5"]


async def test_read_only_mode_runs_analyze_of_reads_only_and_refuses_the_rest(
    pg18: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg18, fresh_database)
    name = dsn.rsplit("/", 1)[1]
    await run(dsn, "UPDATE items SET name = $1 WHERE id = $2", "item 5", 5)
    await run(dsn, "SELECT pg_sleep($1)", 0.01)
    await run(dsn, "SELECT count(*) FROM items WHERE id < $1", 100)
    backend = backend_for(dsn, tmp_path, read_only=True)
    runner = ActionRunner(backend)
    try:
        await backend.connect()
        sample = await backend.statement_sample()
        update, sleep, count = (find(sample, f) for f in ("UPDATE", "pg_sleep", "count(*)"))
        with pytest.raises(BackendError, match="read-only"):
            await runner.run(explain_analyze_request(update.key, update.query or "", ("x", "5")))
        with pytest.raises(BackendError, match="read-only"):
            await runner.run(reset_request(name, "1.12"))
        read = await runner.run(explain_analyze_request(count.key, count.query or "", ("100",)))
        slow = explain_analyze_request(sleep.key, sleep.query or "", ("5",), timeout_ms=300)
        timed_out = await runner.run(slow)
        after = await backend.statement_sample()
    finally:
        await backend.close()
    assert read.status is OutcomeStatus.OK and "actual time=" in read.details["plan"]
    assert timed_out.status is OutcomeStatus.ERROR and "statement timeout" in timed_out.message
    assert timed_out.duration_ms < 3000
    assert len(after.statements) >= 3  # nothing was reset
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    refused = [e["action"] for e in events if e["event"] == "refused"]
    assert refused == ["explain_analyze", "reset_statement_stats"]


@pytest.mark.parametrize(
    ("server", "version"),
    [("pg18", ""), ("pg18", "1.8"), ("pg15", "")],
    ids=["18-current", "18-ext1.8", "15-current"],
)
async def test_reset_through_the_action_runner_empties_this_database_and_is_audited(
    server: str, version: str, request: pytest.FixtureRequest, fresh_database: NewDb, tmp_path: Path
) -> None:
    cluster: PostgresCluster = request.getfixturevalue(server)
    dsn = make_db(cluster, fresh_database, version)
    other = make_db(cluster, fresh_database)
    await run(dsn, "SELECT name FROM items WHERE id = $1", 1, times=3)
    await run(other, "SELECT name FROM items WHERE id = $1", 1, times=2)
    backend = backend_for(dsn, tmp_path)
    try:
        caps = await backend.connect()
        before = await backend.statement_sample()
        ext = before.availability.extension_version
        outcome = await ActionRunner(backend).run(reset_request(caps.database, ext))
        after = await backend.statement_sample()
    finally:
        await backend.close()
    assert find(before, "WHERE id = $1").calls == 3
    assert outcome.status is OutcomeStatus.OK and outcome.details["scope"] == "database"
    assert (outcome.details["reset_at"] is None) == (ext in {"1.8", "1.10"})  # void before 1.11
    assert after.statements == ()
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["requested", "ok"]
    assert events[0]["action"] == "reset_statement_stats"
    untouched = await sample_of(other, tmp_path)
    assert find(untouched, "WHERE id = $1").calls == 2  # other databases keep theirs


async def test_long_running_query_shows_query_age_apart_from_transaction_age(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = make_db(pg15, fresh_database)
    app = await asyncpg.connect(dsn, server_settings={"application_name": "psscript-api"})
    backend = backend_for(dsn, tmp_path)
    try:
        await backend.connect()
        async with app.transaction():
            await app.execute("SELECT pg_sleep(0.4)")  # the transaction gets older
            slow = asyncio.create_task(app.execute("SELECT pg_sleep(1.5)"))
            found = None
            for _ in range(100):  # poll the real view until the query is past the threshold
                found = next((q for q in (await backend.long_running_queries(100)).queries), None)
                if found is not None:
                    break
                await asyncio.sleep(0.05)
            await slow
    finally:
        await backend.close()
        await app.close()
    assert found is not None
    assert found.application == "psscript-api" and found.state == "active"
    assert found.query == "SELECT pg_sleep(1.5)"
    assert 100 <= found.query_ms < 1500
    assert found.xact_age_s is not None and found.xact_age_s * 1000 >= found.query_ms + 350
