"""The pure parts of bench.paging: growth batches, the interleaved schedule, the plan's scan of
``scripts``, the runner's rows and the JSON."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bench.paging import (
    PagingRun,
    growth_batches,
    paging,
    scan_of_scripts,
    schedule,
)
from bench.wired import paging_rows


def test_growth_batches_cover_the_new_ids_once_in_order() -> None:
    batches = growth_batches(2_000, 1_000_000, 100_000)
    assert batches[0] == (2_001, 102_000) and batches[-1][1] == 1_000_000
    assert len(batches) == 10
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(batches))
    assert growth_batches(5_000, 5_000, 100) == []
    assert growth_batches(10, 12, 100) == [(11, 12)]
    with pytest.raises(ValueError):
        growth_batches(0, 10, 0)


def test_schedule_interleaves_and_spreads_the_slow_offset_runs() -> None:
    order = schedule(30, 10)
    assert order.count("page_1") == order.count("far_page") == 30
    assert order.count("offset") == 10
    assert order[:3] == ["page_1", "far_page", "offset"]
    last_offset = len(order) - 1 - order[::-1].index("offset")
    assert last_offset > len(order) * 3 // 4  # not all bunched at the start
    assert "offset" not in schedule(5, 0)
    assert schedule(3, 10).count("offset") == 3


def node(kind: str, *children: dict[str, Any], relation: str = "", **fields: Any) -> dict[str, Any]:
    out = {"Node Type": kind, **fields}
    if relation:
        out["Relation Name"] = relation
    return out | ({"Plans": list(children)} if children else {})


TAGS = node("Sort", node("Index Only Scan", relation="script_tags"))
ANALYSIS = node("Limit", node("Sort", node("Index Scan", relation="script_analysis")))
SCRIPTS = {"Scan Direction": "Backward", "Index Name": "scripts_pkey"}
# the shape of EXPLAIN (FORMAT JSON) of the page statement on PostgreSQL 18, trimmed
KEYSET_PLAN = [
    {
        "Plan": node(
            "Limit",
            node("Nested Loop", node("Index Scan", TAGS, relation="scripts", **SCRIPTS), ANALYSIS),
        )
    }
]


def test_scan_of_scripts_reads_the_plan() -> None:
    # the per-row subqueries' sorts are not a sort of the page's rows
    assert scan_of_scripts(KEYSET_PLAN) == "Index Scan Backward using scripts_pkey"
    sorted_plan = {
        "Plan": node("Limit", node("Sort", node("Seq Scan", **{"Relation Name": "scripts"})))
    }
    assert scan_of_scripts(sorted_plan) == "Seq Scan under a Sort"
    assert scan_of_scripts([{"Plan": node("Result")}]) == "no scan of scripts"


def run_of(scripts: int, far_page: int, far_ms: float, offset_ms: float) -> PagingRun:
    run = PagingRun(scripts, far_page, base_scripts=2_000, grow_s=95.0, analyze_s=20.0)
    run.table_bytes = {"scripts": 3 * 2**30}
    run.plans = {"far_page": "Index Scan"}
    run.times = {
        "page_1": [2.0, 2.2, 1.8],
        "far_page": [far_ms, far_ms + 0.1, far_ms - 0.1],
        "offset": [offset_ms, offset_ms * 1.1],
    }
    return run


def test_paging_rows_are_judged_at_the_issue_sizes() -> None:
    run = run_of(1_000_000, 10_000, far_ms=2.4, offset_ms=900.0)
    rows = {row.name: row for row in paging_rows(run)}
    grown = rows["paging: scripts grown to 1,000,000 rows"]
    assert grown.summary is not None and grown.summary.median == 95.0 and grown.target is None
    assert "VACUUM ANALYZE 20 s" in grown.note and "scripts 3.00 GiB" in grown.note
    assert rows["keyset page 1, 1,000,000 scripts"].met is None
    keyset = rows["keyset page 10,000 vs page 1, 1,000,000 scripts"]
    assert keyset.ratio == pytest.approx(1.2) and keyset.met is True
    assert "Index Scan" in keyset.note
    offset = rows["OFFSET page 10,000 vs keyset, 1,000,000 scripts"]
    assert offset.ratio == pytest.approx(945.0 / 2.4) and offset.met is True
    assert "OFFSET 199,980" in offset.note
    slow_far = {r.name: r for r in paging_rows(run_of(1_000_000, 10_000, 4.0, 300.0))}
    assert slow_far["keyset page 10,000 vs page 1, 1,000,000 scripts"].met is False
    assert slow_far["OFFSET page 10,000 vs keyset, 1,000,000 scripts"].met is False


def test_paging_rows_below_the_issue_sizes_are_not_judged() -> None:
    rows = paging_rows(run_of(5_000, 100, far_ms=2.4, offset_ms=40.0))
    assert all(row.met is None for row in rows)
    assert all("not judged" in row.note for row in rows[1:])


def test_paging_json_has_a_summary_per_statement() -> None:
    data = run_of(1_000_000, 10_000, far_ms=2.4, offset_ms=900.0).as_json()
    assert data["keyset_far_page"]["median_ms"] == pytest.approx(2.4)
    assert data["offset_far_page"]["runs"] == 2 and data["grow_s"] == 95.0
    assert "times" not in data and data["plans"] == {"far_page": "Index Scan"}


def test_a_far_page_beyond_the_table_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="no page 10,000"):
        paging("postgresql://unused", 100_000, 10_000, 1, 1)
