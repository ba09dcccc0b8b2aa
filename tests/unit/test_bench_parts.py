"""The pure parts of the bench measurements: RSS from a /proc-like tree, the cold-start
markers, the seeding phases, and the rows read back from bench.vector_search's JSON
(bench.paging's parts are in test_bench_paging)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import NAMES, parse
from bench.cold_start import CONNECTIONS, OVERVIEW, PG_ACTIVITY
from bench.demo_seed import LOAD_ENDS, LOAD_STARTS, phase_seconds
from bench.rss import descendants, tree_rss_mib, vmrss_kib
from bench.wired import vector_rows

OVERVIEW_SKELETON = """ ⭘       psadmin — Overview         03:53:13
 ╭─ Server ──────╮ ╭─ Connections ──╮
 │ ● —           │ │ ● —            │"""
OVERVIEW_DATA = """ ⭘       psadmin — Overview         03:53:14
 ╭─ Server ──────────╮ ╭─ Connections ──────╮
 │ ● PostgreSQL 18.6 │ │ ● 10/97 · 10.3 %   │"""
CONNECTIONS_DATA = """ ⭘     psadmin — Connections      03:53:17
 │ pgbench      127.0.0.1  8/—         0       8     0          0     │"""


def fake_proc(root: Path, tree: dict[int, tuple[int, list[int]]]) -> Path:
    """pid -> (VmRSS KiB, children), laid out like /proc."""
    for pid, (rss, children) in tree.items():
        task = root / str(pid) / "task" / str(pid)
        task.mkdir(parents=True)
        (task / "children").write_text(" ".join(map(str, children)) + (" " if children else ""))
        (root / str(pid) / "status").write_text(
            f"Name:\tx\nState:\tS\nVmPeak:\t 9 kB\nVmRSS:\t    {rss} kB\nThreads:\t1\n"
        )
    return root


def test_rss_sums_the_process_tree(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {10: (2048, [11, 12]), 11: (1024, [13]), 12: (512, []),
                                13: (512, []), 99: (9999, [])})  # fmt: skip
    assert sorted(descendants(10, proc)) == [10, 11, 12, 13]
    assert tree_rss_mib(10, proc) == pytest.approx(4.0)
    assert tree_rss_mib(12, proc) == pytest.approx(0.5)


def test_vmrss_of_a_zombie_is_zero() -> None:
    assert vmrss_kib("Name:\tx\nState:\tZ (zombie)\n") == 0
    assert vmrss_kib("VmRSS:\t  1536 kB\n") == 1536


def test_markers_need_real_data_not_the_skeleton() -> None:
    assert not OVERVIEW.painted(OVERVIEW_SKELETON)
    assert OVERVIEW.painted(OVERVIEW_DATA)
    assert not CONNECTIONS.painted(OVERVIEW_DATA)
    assert CONNECTIONS.painted(CONNECTIONS_DATA)
    assert not CONNECTIONS.painted(" ⭘   psadmin — Connections  \n │ No sessions │")


def test_the_connections_key_is_sent_only_once_a_frame_is_up_and_until_it_switched() -> None:
    assert not CONNECTIONS.wants_key("")  # nothing drawn yet: the key could be lost
    assert CONNECTIONS.wants_key(OVERVIEW_SKELETON)
    assert not CONNECTIONS.wants_key(CONNECTIONS_DATA)
    assert not OVERVIEW.wants_key(OVERVIEW_SKELETON)


def test_pg_activity_marker_is_its_first_screen_with_data() -> None:
    first = (
        "PostgreSQL 18.6 - vm - bench_pgactivity@127.0.0.1:59477/bench - Ref.: 2.0s\n"
        "   Sessions: 10/100 total, 1 active, 9 idle, 0 idle in txn\n"
        "PID    XMIN     DATABASE               APP             USER\n"
    )
    assert PG_ACTIVITY.painted(first)
    assert not PG_ACTIVITY.painted(first.splitlines()[0])


def test_load_phase_is_between_its_progress_messages() -> None:
    marks = [
        (1.0, "creating the PSScript schema"),
        (2.5, f"{LOAD_STARTS} 3000 scripts"),
        (8.0, f"{LOAD_ENDS} on script_embeddings"),
        (9.0, "replaying the re-analysis churn"),
    ]
    assert phase_seconds(marks, LOAD_STARTS, LOAD_ENDS) == pytest.approx(5.5)


VECTOR_RESULT = {
    "scripts": 100000,
    "find_similar_call_ef100": {"median_ms": 4.6, "p95_ms": 8.7, "spread": 2.2, "runs": 200},
    "unfiltered_exact": {"median_ms": 998.0, "p95_ms": 1224.0, "spread": 0.9, "runs": 60},
    "schema_unfiltered_ef100": {"median_ms": 2.5, "p95_ms": 7.2, "spread": 4.1, "runs": 200,
                                "recall_at_10": 0.978, "index": "script_embeddings_idx"},
    "far_page": 10000,  # an older file: paging was measured here, now by bench.paging
    "keyset_page_1": {"median_ms": 0.5, "p95_ms": 0.9, "spread": 1.0, "runs": 30},
    "keyset_far_page": {"median_ms": 0.6, "p95_ms": 1.0, "spread": 1.0, "runs": 30},
    "offset_far_page": {"median_ms": 90.0, "p95_ms": 95.0, "spread": 0.1, "runs": 5},
}  # fmt: skip


def test_vector_rows_from_its_json() -> None:
    rows = {row.name: row for row in vector_rows(VECTOR_RESULT, "v.json")}
    call = rows["find similar call, 100,000 scripts"]
    assert call.met is False  # 4.6 ms against the 3 ms target
    assert call.ratio == pytest.approx(4.6 / 998.0)
    assert rows["find similar, 100,000 scripts"].met is True
    assert rows["find similar recall, 100,000 scripts"].met is False  # 0.978 < 0.98
    assert not any("same category" in name for name in rows)  # absent keys are skipped
    assert not any("page" in name for name in rows)  # bench.paging's rows, not these


def test_vector_rows_below_the_target_sizes_are_not_judged() -> None:
    small = {**VECTOR_RESULT, "scripts": 2000}
    rows = vector_rows(small, "v.json")
    assert rows and all(row.target is None and row.met is None for row in rows)
    assert all(row.ratio is not None for row in rows if row.peer_summary is not None)
    assert "not judged" in rows[0].note


def test_vector_rows_refuse_a_file_without_known_figures() -> None:
    with pytest.raises(RuntimeError, match="no known figures"):
        vector_rows({"scripts": 10}, "empty.json")


def test_command_line() -> None:
    args = parse(["--quick", "--only", "cold_start", "bloat_error"])
    assert args.quick and args.only == ["cold_start", "bloat_error"]
    assert parse([]).only is None
    with pytest.raises(SystemExit):
        parse(["--only", "no_such_measurement"])
    assert {"vector_search", "paging"} <= set(NAMES) and len(set(NAMES)) == len(NAMES)
