"""Table health, the bloat estimate and VACUUM options as plain data (no servers)."""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import UTC, datetime

import pytest

from psadmin.models.actions import Risk
from psadmin.models.bloat import ColumnLayout, TableColumns, estimate_bloat, tuple_bytes
from psadmin.models.health import Level
from psadmin.models.tables import (
    AutovacuumSettings,
    autovacuum_outlook,
    parse_reloptions,
    table_level,
)
from psadmin.models.vacuum import (
    TableState,
    VacuumComparison,
    VacuumOptions,
    VacuumProgress,
    buffer_limit_kb,
    quote_ident,
    supported_options,
    vacuum_request,
)
from queries import sql
from tests.ui.fake_tables import table

INT4 = (4, "i", 4, 0.0, True)
INT8 = (8, "d", 8, 0.0, True)
BOOL = (1, "c", 1, 0.0, True)
TEXT100 = (-1, "i", 100, 0.0, True)


def layout(*columns: tuple[int, str, int | None, float | None, bool]) -> ColumnLayout:
    return ColumnLayout.of(columns)


def test_tuple_bytes_pads_between_columns_like_the_heap() -> None:
    # bool at 0, int8 aligned to 8: 1 + 7 padding + 8 = 16 data bytes after a 24-byte header
    assert tuple_bytes(layout(BOOL, INT8)) == 24 + 16 + 4
    # int8 first needs no padding: 8 + 1 = 9, MAXALIGNed to 16
    assert tuple_bytes(layout(INT8, BOOL)) == 24 + 16 + 4
    # short varlenas (< 128 bytes stored) are not aligned; avg_width 20 is a mean rounded down,
    # so 20 or 21 bytes: 1 + 20.5 + 2.5 padding to the tuple's MAXALIGN
    assert tuple_bytes(layout(BOOL, (-1, "i", 20, 0.0, True))) == 24 + 24 + 4


def heap_rows(*columns: tuple[int, str, int, float, bool]) -> float:
    """Mean MAXALIGNed size (+ line pointer) of rows laid out one by one as heap_form_tuple
    does, over every NULL pattern weighted by its probability (fixed-width columns)."""
    alignment = {"c": 1, "s": 2, "i": 4, "d": 8}
    expected = 0.0
    for pattern in itertools.product((False, True), repeat=len(columns)):  # True: NULL
        weight = 1.0
        offset = 0
        for (length, align, _width, null_frac, _visible), is_null in zip(
            columns, pattern, strict=True
        ):
            weight *= null_frac if is_null else 1 - null_frac
            if not is_null:
                offset = math.ceil(offset / alignment[align]) * alignment[align] + length
        header = math.ceil((23 + (len(columns) + 7) // 8 * any(pattern)) / 8) * 8
        expected += weight * (header + math.ceil(offset / 8) * 8 + 4)
    return expected


def test_tuple_bytes_lays_out_each_null_pattern_like_the_heap() -> None:
    # an int4 that is NULL in half the rows: the int8 after it starts at 0 or at 8 (after 4
    # bytes of padding), so rows are 32 or 40 bytes; padding the all-present layout gave 44
    int4_half = (4, "i", 4, 0.5, True)
    assert tuple_bytes(layout(int4_half, INT8)) == heap_rows(int4_half, INT8) == 36 + 4
    # each tuple is MAXALIGNed: 4, 8 or 12 data bytes (1/4, 1/2, 1/4 of the rows) take 8, 8 or
    # 16, 10 on average; aligning the average row (8 bytes) gave 8
    assert tuple_bytes(layout(INT4, int4_half, int4_half)) == 24 + 10 + 4
    # the null bitmap only in rows with a NULL: 9 columns, one NULL in 10 % of the rows ->
    # a 32-byte header in those rows, 24 in the others
    rare = (4, "i", 4, 0.1, True)
    nine = (INT4,) * 8 + (rare,)
    assert tuple_bytes(layout(*nine)) == pytest.approx(heap_rows(*nine))
    assert tuple_bytes(layout(*nine)) == pytest.approx(0.9 * (24 + 40) + 0.1 * (32 + 32) + 4)
    # NULL-heavy mixes of alignments, against every NULL pattern
    shapes = [
        (INT4, (2, "s", 2, 0.3, True), (8, "d", 8, 0.75, True), BOOL, (4, "i", 4, 0.6, True)),
        ((1, "c", 1, 0.5, True), (8, "d", 8, 0.5, True), (2, "s", 2, 0.9, True), INT8),
        tuple((4, "i", 4, 0.2 * (i % 4), True) for i in range(10)),
        ((16, "c", 16, 0.4, True), (4, "i", 4, 1.0, True), (8, "d", 8, 0.25, True), BOOL),
    ]
    for shape in shapes:
        assert tuple_bytes(layout(*shape)) == pytest.approx(heap_rows(*shape)), shape


def columns(pages: int, reltuples: float, fillfactor: int = 100) -> TableColumns:
    return TableColumns(
        relid=1,
        schema="public",
        name="t",
        pages=pages,
        reltuples=reltuples,
        toast_pages=0,
        toast_tuples=-1,
        fillfactor=fillfactor,
        columns=layout(INT8, TEXT100),
        analyzed=True,
    )


def test_estimate_compares_live_bytes_with_pages_and_respects_fillfactor() -> None:
    per_tuple = tuple_bytes(columns(1, 1).columns)  # 24 + 8 + 100 -> 136, + 4 = 140
    packed = round(8168 / per_tuple)
    tight = estimate_bloat(columns(100, 100 * packed))
    assert tight.bloat_ratio is not None and tight.bloat_ratio < 0.02
    half = estimate_bloat(columns(200, 100 * packed))
    assert half.bloat_ratio == pytest.approx(0.5, abs=0.02)
    assert half.bloat_bytes == half.unused_bytes
    ff = estimate_bloat(columns(125, 100 * packed, fillfactor=80))
    assert ff.unused_ratio == pytest.approx(0.2, abs=0.02)  # pgstattuple counts the reserve
    assert ff.bloat_ratio is not None and ff.bloat_ratio < 0.02  # but it is not bloat


def test_estimate_leaves_dead_rows_line_pointers_out_of_bloat() -> None:
    # pgstattuple counts a dead row's bytes as dead but not its line pointer, which stays
    # until VACUUM (also once pruning has freed the row)
    table = columns(400, 10_000)
    churned = estimate_bloat(dataclasses.replace(table, dead_tuples=40_000))
    plain = estimate_bloat(table)
    pointers = 40_000 * 4 * 8192 / 8168
    assert plain.unused_bytes - churned.unused_bytes == pytest.approx(pointers, abs=1)
    assert churned.bloat_bytes == churned.unused_bytes  # fillfactor 100
    reserved = estimate_bloat(dataclasses.replace(table, dead_tuples=40_000, fillfactor=80))
    assert reserved.unused_bytes == churned.unused_bytes
    assert estimate_bloat(dataclasses.replace(table, fillfactor=80)).bloat_bytes - (
        reserved.bloat_bytes
    ) == pytest.approx(pointers, abs=1)


def test_estimate_says_when_statistics_are_missing_or_hidden() -> None:
    hidden = dataclasses.replace(
        columns(100, 1000),
        columns=layout(INT8, (-1, "i", None, None, False)),
    )
    estimate = estimate_bloat(hidden, role="watcher")
    assert estimate.stats_hidden and not estimate.reliable
    assert "GRANT SELECT ON public.t TO watcher" in estimate.note
    never = estimate_bloat(dataclasses.replace(columns(100, -1), analyzed=False))
    assert not never.reliable and "ANALYZE public.t" in never.note
    churned = estimate_bloat(dataclasses.replace(columns(100, 1000), mod_since_analyze=14_000))
    assert not churned.reliable and churned.note.startswith("stale: 14,000 rows changed")
    recent = estimate_bloat(dataclasses.replace(columns(100, 1000), mod_since_analyze=200))
    assert recent.reliable
    assert estimate_bloat(columns(0, 0)).bloat_ratio is None


def test_autovacuum_outlook_follows_relation_needs_vacanalyze() -> None:
    server = AutovacuumSettings(vacuum_max_threshold=100_000_000)
    t = table(1, "public", "t", reltuples=1_000_000, dead_tuples=200_100, pages=1000)
    outlook = autovacuum_outlook(t, server)
    assert outlook.dead_threshold == 50 + 0.2 * 1_000_000 and outlook.vacuum_due
    capped = autovacuum_outlook(t, dataclasses.replace(server, vacuum_max_threshold=1000))
    assert capped.dead_threshold == 1000
    frozen = dataclasses.replace(t, all_frozen_pages=750, dead_tuples=0, ins_since_vacuum=0)
    assert autovacuum_outlook(frozen, server).insert_threshold == 1000 + 0.2 * 1_000_000 * 0.25
    options = parse_reloptions(
        ["autovacuum_enabled=off", "autovacuum_vacuum_insert_threshold=-1", "fillfactor=70"]
    )
    own = autovacuum_outlook(dataclasses.replace(t, reloptions=options), server)
    assert not own.enabled and own.insert_threshold is None and own.trigger == "due, disabled"
    never = dataclasses.replace(t, reltuples=-1, dead_tuples=51)
    assert autovacuum_outlook(never, server).dead_threshold == 50  # reltuples -1 counts as 0
    old = dataclasses.replace(t, xid_age=250_000_000)
    assert autovacuum_outlook(old, server).wraparound_due


def test_lights_judge_dead_tuples_bloat_and_age() -> None:
    server = AutovacuumSettings()
    ok = table(1, "public", "ok")
    assert table_level(ok, autovacuum_outlook(ok, server)) == (Level.OK, ())
    dead = table(2, "public", "dead", dead_tuples=20_000)
    level, reasons = table_level(dead, autovacuum_outlook(dead, server))
    assert level is Level.CRITICAL and "more dead than live tuples" in reasons
    assert table_level(ok, autovacuum_outlook(ok, server), bloat_ratio=0.4)[0] is Level.WARNING
    tiny = dataclasses.replace(ok, heap_bytes=8192)
    assert table_level(tiny, autovacuum_outlook(tiny, server), bloat_ratio=0.9)[0] is Level.OK
    old = dataclasses.replace(ok, xid_age=1_500_000_000)
    assert table_level(old, autovacuum_outlook(old, server))[0] is Level.CRITICAL


def test_options_by_version_and_validation() -> None:
    assert "BUFFER_USAGE_LIMIT" not in supported_options(150004)
    assert "BUFFER_USAGE_LIMIT" in supported_options(160000)
    assert VacuumOptions(buffer_usage_limit="2MB").problems(150004) == [
        "BUFFER_USAGE_LIMIT needs PostgreSQL 16 or later"
    ]
    assert VacuumOptions(full=True, parallel=2).problems(180000)
    assert VacuumOptions(full=True, buffer_usage_limit="2MB", analyze=False).problems(180000)
    assert buffer_limit_kb("2MB") == 2048 and buffer_limit_kb("64kB") is None
    assert buffer_limit_kb("1; DROP TABLE x") is None
    assert VacuumOptions(index_cleanup="sometimes").problems(180000)
    options = VacuumOptions(
        verbose=True, freeze=True, index_cleanup="off", parallel=2, buffer_usage_limit="2MB"
    )
    assert options.problems(180000) == []
    assert options.statement("public.t") == (
        "VACUUM (FREEZE, VERBOSE, ANALYZE, INDEX_CLEANUP OFF, PARALLEL 2, "
        "BUFFER_USAGE_LIMIT '2048kB') public.t"
    )
    assert VacuumOptions(analyze=False).statement("public.t") == "VACUUM public.t"
    assert VacuumOptions.from_params(options.to_params()) == options
    with pytest.raises(ValueError):
        VacuumOptions.from_params({"full": "yes"})


def test_requests_quote_names_and_raise_risk_for_full() -> None:
    assert quote_ident("script_versions") == "script_versions"
    assert quote_ident('We"ird') == '"We""ird"'
    plain = vacuum_request("public", "Weird Name", 42, VacuumOptions())
    assert plain.statement == 'VACUUM (ANALYZE) public."Weird Name"'
    assert plain.risk is Risk.LOW and plain.params["relid"] == 42 and plain.needs_write
    full = vacuum_request("public", "t", 42, VacuumOptions(full=True))
    assert full.risk is Risk.HIGH and full.challenge == "public.t"
    assert "ACCESS EXCLUSIVE" in full.effect


def test_progress_fraction_by_phase() -> None:
    base = VacuumProgress(1, 2, "public.t", "VACUUM", "scanning heap", False, True)
    scanning = dataclasses.replace(base, heap_blks_total=200, heap_blks_scanned=50)
    assert scanning.fraction == 0.25
    vacuuming = dataclasses.replace(scanning, phase="vacuuming heap", heap_blks_vacuumed=100)
    assert vacuuming.fraction == 0.5
    indexes = dataclasses.replace(base, phase="vacuuming indexes")
    assert indexes.fraction is None  # 15/16 cannot tell
    assert dataclasses.replace(indexes, indexes_total=4, indexes_processed=1).fraction == 0.25
    full = dataclasses.replace(
        base, command="VACUUM FULL", phase="writing new heap", tuples_scanned=10, tuples_written=5
    )
    assert full.fraction == 0.5 and "written" in full.counts()


def test_comparison_round_trips_through_audit_details() -> None:
    moment = datetime(2026, 1, 16, 12, tzinfo=UTC)
    before = TableState(10, 140, 8192 * 100, 8192 * 120, None)
    after = TableState(10, 0, 8192 * 100, 8192 * 120, moment)
    details = {
        "relid": 7,
        "table": "public.t",
        "before": before.to_json(),
        "after": after.to_json(),
        "notices": ["INFO: vacuuming"],
    }
    assert VacuumComparison.from_details(details) == VacuumComparison(
        7, "public.t", before, after, ("INFO: vacuuming",)
    )
    assert VacuumComparison.from_details({"notices": []}) is None


@pytest.mark.parametrize(
    ("name", "version", "marker"),
    [
        ("table_catalog", 150004, "pg_has_role(c.relowner"),
        ("table_catalog", 170000, "'MAINTAIN'"),
        ("table_catalog", 180006, "c.relallfrozen"),
        ("vacuum_progress", 160002, "max_dead_tuples"),
        ("vacuum_progress", 170000, "num_dead_item_ids"),
        ("vacuum_target", 150004, "pg_has_role(c.relowner"),
        ("vacuum_target", 180006, "'MAINTAIN'"),
    ],
)
def test_sql_variants_by_version(name: str, version: int, marker: str) -> None:
    assert marker in sql.load(name, version)
