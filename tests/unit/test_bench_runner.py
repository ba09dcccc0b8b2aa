"""bench.runner: ratios, verdicts, failure isolation, the printed table and the JSON shape."""

from __future__ import annotations

import json
import math

import pytest

from bench.runner import (
    Row,
    Target,
    failed,
    measured,
    results_json,
    row_json,
    run_isolated,
    table_lines,
    verdict,
)
from bench.stats import Summary


def test_ratio_is_against_the_peer_and_judged_on_the_ratio() -> None:
    row = measured("cpu", "%", [2.0, 4.0, 3.0], peer="pg_activity", peer_values=[1.0, 1.0, 1.0],
                   target=Target(1.0))  # fmt: skip
    assert row.ratio == pytest.approx(3.0)
    assert row.met is False and verdict(row) == "MISSED"
    under = measured("rss", "MiB", [70.0], peer="pg_activity", peer_values=[40.0],
                     target=Target(2.0))  # fmt: skip
    assert under.ratio == pytest.approx(1.75) and under.met is True


def test_an_absolute_target_judges_the_median_and_shows_its_ratio_to_the_bound() -> None:
    row = measured("refresh", "ms", [10.0, 30.0, 12.0], target=Target(20.0, on_ratio=False))
    assert row.summary is not None and row.summary.median == 12.0
    assert row.ratio == pytest.approx(0.6)
    assert row.met is True
    over = measured("refresh", "ms", [25.0], target=Target(20.0, on_ratio=False))
    assert over.met is False


def test_higher_is_better_targets() -> None:
    recall = measured("recall", "", [0.97], target=Target(0.98, on_ratio=False,
                                                          higher_is_better=True))  # fmt: skip
    assert recall.met is False
    offset = measured("offset", "ms", [500.0], peer="keyset", peer_values=[2.0],
                      target=Target(100.0, higher_is_better=True))  # fmt: skip
    assert offset.ratio == pytest.approx(250.0) and offset.met is True


def test_a_ratio_target_with_a_peer_on_a_value_target_still_reports_the_peer_ratio() -> None:
    row = measured("similar", "ms", [2.0], peer="exact", peer_values=[1000.0],
                   target=Target(3.0, on_ratio=False))  # fmt: skip
    assert row.ratio == pytest.approx(0.002)
    assert row.met is True  # judged on 2 ms <= 3 ms, not on the ratio


def test_no_target_means_no_verdict_and_a_zero_peer_an_unbounded_ratio() -> None:
    plain = measured("seed", "scripts/s", [1000.0, 1100.0])
    assert plain.ratio is None and plain.met is None and verdict(plain) == "-"
    row = measured("x", "ms", [1.0], peer="zero", peer_values=[0.0], target=Target(1.0))
    assert row.ratio == math.inf and row.met is False
    assert row_json(row)["ratio"] is None  # JSON has no infinity


def test_target_text() -> None:
    assert Target(0.25).describe("ms", "pg_activity") == "<= 0.25x pg_activity"
    assert Target(20.0, on_ratio=False).describe("ms", None) == "<= 20 ms"
    assert Target(0.98, on_ratio=False, higher_is_better=True).describe("", None) == ">= 0.98"


def test_a_failing_measurement_becomes_its_own_row() -> None:
    def broken() -> list[Row]:
        raise RuntimeError("pg_activity is missing")

    rows = run_isolated("cold_start", broken)
    assert len(rows) == 1
    assert rows[0].name == "cold_start" and rows[0].error is not None
    assert "RuntimeError: pg_activity is missing" in rows[0].error
    assert rows[0].met is None and verdict(rows[0]) == "FAILED"
    assert run_isolated("empty", list)[0].error == "the measurement returned no rows"
    good = measured("ok", "s", [1.0])
    assert run_isolated("fine", lambda: [good]) == [good]


def test_no_values_is_a_failure_not_a_zero() -> None:
    row = measured("nothing", "s", [])
    assert row.summary is None and row.error is not None and verdict(row) == "FAILED"


def test_table_has_one_line_per_row_and_the_errors_and_notes_below() -> None:
    rows = [
        measured(
            "cold start: Overview data",
            "s",
            [5.0, 6.0],
            peer="pg_activity",
            peer_values=[2.0, 2.0],
            target=Target(1.0),
            note="tmux 140x40",
        ),
        failed("vector_search", ValueError("boom")),
    ]
    lines = table_lines(rows)
    assert lines[0].split()[:2] == ["measurement", "median"]
    assert set(lines[1]) == {"-"}
    body = lines[2:4]
    assert body[0].startswith("cold start: Overview data")
    assert "5.5 s" in body[0] and "2.75x" in body[0] and body[0].endswith("MISSED")
    assert body[1].startswith("vector_search") and body[1].endswith("FAILED")
    assert "  cold start: Overview data: tmux 140x40" in lines
    assert any(line.startswith("  vector_search: ValueError: boom") for line in lines)
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule line up


def test_json_shape_round_trips() -> None:
    row = Row(
        "find similar",
        "ms",
        Summary(200, 2.5, 7.0, 3.0),
        peer="exact",
        peer_summary=Summary(60, 1000.0, 1200.0, 0.9),
        target=Target(3.0, on_ratio=False),
    )
    data = json.loads(
        json.dumps(results_json([row, failed("x", KeyError("k"))], {"mode": "quick"}))
    )
    assert data["mode"] == "quick"
    first, second = data["rows"]
    assert first["median"] == 2.5 and first["p95"] == 7.0 and first["runs"] == 200
    assert first["peer_summary"]["median"] == 1000.0
    assert first["ratio"] == pytest.approx(0.0025)
    assert first["target"] == {"bound": 3.0, "on": "value", "direction": "<=", "text": "<= 3 ms"}
    assert first["met"] is True and first["status"] == "ok" and first["error"] is None
    assert second["status"] == "failed" and second["met"] is None
    assert "median" not in second and second["error"].startswith("KeyError")
