"""Statement statistics without a server: columns by extension version, deltas, ranking,
availability fixes, parameter binding, and the EXPLAIN ANALYZE / reset requests."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from psadmin.models.actions import Risk
from psadmin.models.statement_actions import explain_analyze_request, reset_request
from psadmin.models.statement_availability import (
    StatementsAvailability,
    StatementsFacts,
    extension_version,
    statements_availability,
)
from psadmin.models.statement_params import ParameterError, coerce_parameter, coerce_parameters
from psadmin.models.statements import (
    StatementKey,
    StatementSample,
    StatementSort,
    StatementStats,
    explainable,
    interval_deltas,
    is_own,
    parameter_count,
    rank_statements,
    statement_writes,
)
from queries import sql
from queries.statement_explain import explain_text
from queries.statements import stat_columns
from screens.queries_cells import summary_text

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
OK = StatementsAvailability(True, "1.12")


def stats(queryid: int, calls: int, total: float, **changes: object) -> StatementStats:
    base = StatementStats(
        key=StatementKey(10, queryid),
        query=f"SELECT {queryid}",
        calls=calls,
        total_exec_ms=total,
        min_exec_ms=0.0,
        max_exec_ms=0.0,
        mean_exec_ms=total / calls if calls else 0.0,
        stddev_exec_ms=0.0,
        rows=calls,
        shared_blks_hit=0,
        shared_blks_read=calls * 2,
        shared_blks_dirtied=0,
        shared_blks_written=0,
        temp_blks_read=0,
        temp_blks_written=0,
        blk_read_ms=0.0,
        blk_write_ms=0.0,
        wal_bytes=0,
        stats_since=T0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def sample(at_s: float, *rows: StatementStats) -> StatementSample:
    return StatementSample(T0 + timedelta(seconds=at_s), OK, rows)


# -- columns by installed extension version ------------------------------------------------


def test_columns_follow_the_installed_extension_not_the_server() -> None:
    old = stat_columns((1, 4))
    assert "s.total_time AS total_exec_ms" in old and "NULL::numeric AS wal_bytes" in old
    assert "true AS toplevel" in old
    v18 = stat_columns((1, 8))
    assert "s.total_exec_time AS total_exec_ms" in v18 and "true AS toplevel" in v18
    assert "s.blk_read_time AS blk_read_ms" in v18 and "s.wal_bytes AS wal_bytes" in v18
    new = stat_columns((1, 12))
    assert "s.toplevel AS toplevel" in new
    assert "s.shared_blk_read_time AS blk_read_ms" in new and "s.stats_since AS" in new
    assert extension_version("1.10") > extension_version("1.9")


def test_explain_text_is_tagged_and_keeps_the_statement_whole() -> None:
    text = explain_text("(ANALYZE, BUFFERS)", "SELECT 1 -- note")
    assert text.startswith("/* psadmin:explain */ EXPLAIN (ANALYZE, BUFFERS) SELECT 1 -- note\n")
    assert text.endswith("\n/* psadmin:explain */")  # not swallowed by the -- comment
    assert sql.load("session_reset").count("/* psadmin:session_reset */") == 6


# -- texts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "can_explain", "writes"),
    [
        ("SELECT * FROM users WHERE id = $1 AND name = $12", 12, True, False),
        ("/* app */ select count(*) from scripts", 0, True, False),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", 0, True, True),
        ("SELECT * FROM t WHERE id = $1 FOR UPDATE", 1, True, True),
        ("SELECT nextval($1)", 1, True, True),
        ("UPDATE users SET login_attempts = $1 WHERE id = $2", 2, True, True),
        ("SET statement_timeout = $1", 1, False, True),
        ("BEGIN", 0, False, True),
        ("SELECT updated_at, deleted FROM t", 0, True, False),
    ],
)
def test_statement_texts_are_classified(
    text: str, count: int, can_explain: bool, writes: bool
) -> None:
    assert parameter_count(text) == count
    assert explainable(text) is can_explain
    assert statement_writes(text) is writes


def test_own_statements_are_recognised_by_the_tag_anywhere() -> None:
    assert is_own("SELECT 1\n/* psadmin:x */")  # PostgreSQL 18 keeps only the trailing tag
    assert is_own("/* psadmin:x */ SELECT 1")
    assert not is_own("SELECT 'psadmin'") and not is_own(None)


# -- deltas and ranking ----------------------------------------------------------------------


def test_interval_deltas_and_shares() -> None:
    before = sample(0, stats(1, 10, 100.0), stats(2, 5, 50.0), stats(3, 8, 80.0))
    after = sample(
        2,
        stats(1, 14, 180.0),  # +4 calls, +80 ms
        stats(2, 5, 50.0),  # idle
        stats(3, 2, 30.0),  # reset in between: counts from zero
        stats(4, 1, 20.0),  # new
    )
    deltas = interval_deltas(before, after)
    assert deltas is not None and deltas.seconds == 2.0
    by = {k.queryid: d for k, d in deltas.by_key.items()}
    assert set(by) == {1, 3, 4}
    assert (by[1].calls, by[1].exec_ms, by[1].mean_ms) == (4, 80.0, 20.0)
    assert (by[3].calls, by[3].exec_ms) == (2, 30.0)
    assert (by[4].calls, by[4].exec_ms) == (1, 20.0)
    assert deltas.total_exec_ms == 130.0
    assert by[1].share == pytest.approx(80 / 130)
    assert sum(d.share or 0 for d in by.values()) == pytest.approx(1.0)


def test_entry_recreated_with_more_calls_is_seen_through_stats_since() -> None:
    before = sample(0, stats(1, 10, 100.0))
    after = sample(2, stats(1, 12, 30.0, stats_since=T0 + timedelta(seconds=1)))
    deltas = interval_deltas(before, after)
    assert deltas is not None and deltas.by_key[StatementKey(10, 1)].calls == 12


def test_ranking_since_reset_and_per_interval() -> None:
    before = sample(0, stats(1, 100, 1000.0), stats(2, 10, 500.0))
    after = sample(2, stats(1, 101, 1001.0), stats(2, 20, 1500.0), stats(3, 1000, 10.0))
    deltas = interval_deltas(before, after)
    ids = [r.stats.key.queryid for r in rank_statements(after, deltas)]
    assert ids == [2, 1, 3]  # total time since reset
    mean = rank_statements(after, deltas, StatementSort.MEAN_TIME)
    assert [r.stats.key.queryid for r in mean] == [2, 1, 3]
    per = rank_statements(after, deltas, StatementSort.TOTAL_TIME, per_interval=True)
    assert [r.stats.key.queryid for r in per] == [2, 3, 1]  # 1000, 10, 1 ms in the interval
    calls = rank_statements(after, deltas, StatementSort.CALLS, per_interval=True, limit=1)
    assert [r.stats.key.queryid for r in calls] == [3]
    assert rank_statements(after, None, per_interval=True) == []  # one sample: no interval
    first = rank_statements(after, deltas)[0]
    assert first.total_share == pytest.approx(1500 / 2511)
    assert list(StatementSort)[-1].next() is StatementSort.TOTAL_TIME


def test_summary_waits_for_a_second_sample_in_interval_mode() -> None:
    text = summary_text(sample(0, stats(1, 1, 1.0)), None, StatementSort.CALLS, True, 0)
    assert "waiting for a second sample" in str(text) and "by calls" in str(text)


# -- availability ----------------------------------------------------------------------------


def facts(**changes: object) -> StatementsFacts:
    base = StatementsFacts(
        extension_version="1.12",
        preloaded=True,
        installable=True,
        sees_all=True,
        role="ops",
        database="psscript",
        preload_libraries="auto_explain",
        compute_query_id="auto",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_each_missing_piece_gets_its_exact_fix() -> None:
    assert statements_availability(facts()) == StatementsAvailability(True, "1.12")
    create = "CREATE EXTENSION pg_stat_statements; (as a superuser, in database psscript)"
    missing = statements_availability(facts(extension_version=None))
    assert not missing.available and missing.fix == create
    unloaded = statements_availability(facts(preloaded=False))
    assert unloaded.fix == (
        "ALTER SYSTEM SET shared_preload_libraries = 'auto_explain, pg_stat_statements'; "
        "then restart PostgreSQL"
    )
    both = statements_availability(facts(extension_version=None, preloaded=False))
    assert both.fix is not None and both.fix.endswith(f"; then {create}")
    hidden = statements_availability(facts(preloaded=False, preload_libraries=None))
    assert hidden.fix is not None and "keep the libraries already listed" in hidden.fix
    absent = statements_availability(facts(extension_version=None, installable=False))
    assert absent.fix is not None and absent.fix.startswith("install the PostgreSQL contrib")
    partial = statements_availability(facts(sees_all=False, compute_query_id="off"))
    assert partial.available
    assert partial.notes[0].endswith("GRANT pg_read_all_stats TO ops;")
    assert "compute_query_id = 'auto'" in partial.notes[1]


# -- parameters ------------------------------------------------------------------------------


def test_typed_values_become_driver_values() -> None:
    assert coerce_parameter(1, "42", "int4") == 42
    assert coerce_parameter(1, " 1.5 ", "numeric") == Decimal("1.5")
    assert coerce_parameter(1, "yes", "bool") is True
    assert coerce_parameter(1, "null", "int8") is None
    assert coerce_parameter(1, "NULL", "text") is None
    assert coerce_parameter(1, "x'); DROP TABLE users; --", "text") == "x'); DROP TABLE users; --"
    assert coerce_parameter(1, "2026-01-16", "date") == date(2026, 1, 16)
    assert coerce_parameter(1, "1 day 02:00:00", "interval") == timedelta(days=1, hours=2)
    assert coerce_parameter(1, "90", "interval") == timedelta(seconds=90)
    some = uuid.uuid4()
    assert coerce_parameter(1, str(some), "uuid") == some
    assert coerce_parameter(1, "{1,2,3}", "_int4") == [1, 2, 3]
    assert coerce_parameter(1, "a, b", "_text") == ["a", "b"]
    assert coerce_parameter(1, '{"a": 1}', "jsonb") == '{"a": 1}'
    assert coerce_parameter(1, "active", "user_status") == "active"  # an enum: its text


def test_wrong_values_are_refused_with_the_position_and_type() -> None:
    with pytest.raises(ParameterError, match=r"^\$2 \(int4\): 'forty' is not valid"):
        coerce_parameter(2, "forty", "int4")
    with pytest.raises(ParameterError, match="expected true or false"):
        coerce_parameter(1, "maybe", "bool")
    with pytest.raises(ParameterError, match="takes 2 parameters, 1 given"):
        coerce_parameters(["1"], ("int4", "int4"))


# -- action requests -------------------------------------------------------------------------


def test_explain_analyze_of_a_read_is_read_only_and_of_a_write_is_a_write() -> None:
    key = StatementKey(10, 123)
    read = explain_analyze_request(key, "SELECT * FROM t WHERE id = $1", ("5",))
    assert read.risk is Risk.HIGH and read.confirm_text == "ANALYZE"
    assert read.needs_write is False and read.params["read_only"] is True
    assert read.statement.startswith("BEGIN READ ONLY; SET LOCAL statement_timeout = 10000;")
    assert read.statement.endswith("-- $1 = '5'\nROLLBACK;")
    assert read.params == {
        "userid": 10,
        "queryid": 123,
        "toplevel": True,
        "parameters": ["5"],
        "timeout_ms": 10000,
        "read_only": True,
    }
    write = explain_analyze_request(key, "DELETE FROM t WHERE id = $1", ("5",))
    assert write.needs_write is True and write.params["read_only"] is False
    assert write.statement.startswith("BEGIN; ") and "may write" in write.effect


def test_reset_is_per_database_from_extension_1_7() -> None:
    current = reset_request("psscript", "1.12")
    assert current.needs_write and current.risk is Risk.LOW
    assert current.params == {"scope": "database", "database": "psscript"}
    assert "Other databases keep theirs" in current.effect
    old = reset_request("psscript", "1.6")
    assert old.params["scope"] == "cluster" and "EVERY database" in old.effect
