"""Scripts and vector models without a server: filters, findings, recall, plans, versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from psadmin.models.scripts import (
    FilterError,
    Finding,
    ScriptFilter,
    findings_from_json,
    notes_from_json,
    tags_text,
)
from psadmin.models.vectors import (
    RecallSummary,
    SimilarQuery,
    VectorHealth,
    embed_missing_request,
    index_params,
    parse_recall_message,
    pgvector_warning,
    recall_at_k,
    recall_check_request,
    recall_message,
    supports_iterative_scan,
)
from queries.vectors import read_plan, search_settings


def test_filter_parses_keys_quotes_and_free_text() -> None:
    parsed = ScriptFilter.parse(
        'cat:"Active Directory" tag:csv owner:alice public:yes sec>=70 disk'
    )
    assert parsed == ScriptFilter(
        category="Active Directory",
        tag="csv",
        owner="alice",
        public=True,
        min_security=70.0,
        search="disk",
    )
    assert ScriptFilter.parse("is:private minsec:12.5").public is False
    assert ScriptFilter.parse("security>=0").min_security == 0
    assert ScriptFilter.parse("  100%  off_line ").search == "100% off_line"
    assert ScriptFilter.parse("").describe() == "all scripts"
    assert "security ≥ 70" in parsed.describe()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('cat:"open', "unbalanced quotes"),
        ("sec>=abc", "must be a number"),
        ("sec>=101", "from 0 to 100"),
        ("public:maybe", "public:yes"),
        ("tag:", "needs a value"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_filter_errors_say_why(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        ScriptFilter.parse(text)


def test_findings_accept_the_shapes_analysers_store() -> None:
    found = findings_from_json(
        [
            {"title": "Plain secret", "severity": "high", "recommendation": "Vault", "line": 3},
            {"rule": "PSAvoidUsingWriteHost", "severity": "Warning", "message": "Use Verbose"},
            "Runs as SYSTEM",
            {"odd": 1},
            None,
        ]
    )
    assert found[0] == Finding("Plain secret", "high", "Vault", 3)
    assert found[1] == Finding("Use Verbose", "Warning", None, None)
    assert found[2] == Finding("Runs as SYSTEM")
    assert found[3].title == "{'odd': 1}"
    assert len(found) == 4
    assert findings_from_json({"not": "a list"}) == ()
    assert notes_from_json(["a", {"text": "b"}, {"x": 1}]) == ("a", "b", "{'x': 1}")
    assert tags_text(("a", "b", "c", "d"), 2) == "a, b +2"


def test_recall_counts_ties_at_the_kth_place_as_hits() -> None:
    exact = [0.1, 0.2, 0.3, 0.3]
    assert recall_at_k([0.1, 0.2, 0.3], exact, 3) == 1.0  # either 0.3 is right
    assert recall_at_k([0.1, 0.3, 0.4], exact, 3) == pytest.approx(2 / 3)
    assert recall_at_k([], exact, 3) == 0.0
    assert recall_at_k([0.5], [0.5], 10) == 1.0  # fewer than k exist
    assert recall_at_k([], [], 10) == 1.0


def test_recall_message_round_trips_through_the_audit_trail() -> None:
    at = datetime(2026, 11, 22, tzinfo=UTC)
    summary = RecallSummary(10, 0.98714, 0.95, 20, 100, index="script_embeddings_idx")
    parsed = parse_recall_message(recall_message(summary), at)
    assert parsed == RecallSummary(10, 0.9871, 0.95, 20, 100, at, "script_embeddings_idx")
    # The audit line must agree with the action's details (rounded to 4 places) even where
    # rounding to 3 places first would tip the other way.
    awkward = RecallSummary(10, 0.9974999999, None, 40, 40)
    reread = parse_recall_message(recall_message(awkward))
    assert reread is not None and reread.recall == round(0.9974999999, 4) == 0.9975
    plain = RecallSummary(5, 1.0, None, 3, 40)
    assert parse_recall_message(recall_message(plain)) == plain
    assert parse_recall_message("unlocked alice") is None
    assert parse_recall_message(None) is None


def test_pgvector_versions() -> None:
    assert supports_iterative_scan("0.8.0") and not supports_iterative_scan("0.7.4")
    assert not supports_iterative_scan(None)
    assert pgvector_warning("0.8.6") is None
    assert "0.8.3" in (pgvector_warning("0.8.1") or "")
    assert "iterative" in (pgvector_warning("0.7.4") or "")
    assert "no HNSW" in (pgvector_warning("0.4.4") or "")


def test_index_params_fill_pgvector_defaults() -> None:
    assert index_params("hnsw", None) == (("m", "16"), ("ef_construction", "64"))
    assert index_params("hnsw", ["m=32"]) == (("m", "32"), ("ef_construction", "64"))
    assert index_params("ivfflat", ["lists=1000"]) == (("lists", "1000"),)


@pytest.mark.parametrize(
    "kwargs",
    [{"script_id": 0}, {"k": 0}, {"k": 1001}, {"ef_search": 1001}, {"k": True}],
)
def test_similar_query_bounds(kwargs: dict[str, int]) -> None:
    values = {"script_id": 1, **kwargs}
    with pytest.raises(ValueError, match="must be a whole number"):
        SimilarQuery(**values)


def test_search_settings() -> None:
    approx = dict(search_settings(SimilarQuery(1, ef_search=200), iterative=True))
    assert approx["hnsw.ef_search"] == "200" and approx["enable_sort"] == "off"
    assert approx["hnsw.iterative_scan"] == "relaxed_order"
    old = dict(search_settings(SimilarQuery(1), iterative=False))
    assert "hnsw.iterative_scan" not in old
    exact = dict(search_settings(SimilarQuery(1, exact=True), iterative=True))
    assert exact == {"enable_indexscan": "off", "statement_timeout": "60s"}


def test_read_plan_finds_the_ordering_index_inside_the_cte() -> None:
    explained = [
        {
            "Plan": {
                "Node Type": "Sort",
                "Plans": [
                    {
                        "Node Type": "Limit",
                        "Parent Relationship": "InitPlan",
                        "Subplan Name": "CTE nearest",
                        "Plans": [
                            {
                                "Node Type": "Index Scan",
                                "Parent Relationship": "InitPlan",
                                "Index Name": "script_embeddings_script_id_key",
                            },
                            {
                                "Node Type": "Index Scan",
                                "Parent Relationship": "Outer",
                                "Index Name": "script_embeddings_idx",
                                "Order By": "(embedding <=> (InitPlan 1).col1)",
                            },
                        ],
                    },
                    {"Node Type": "CTE Scan", "Parent Relationship": "Outer"},
                ],
            }
        }
    ]
    plan = read_plan(explained, (("hnsw.ef_search", "100"),))
    assert plan.index == "script_embeddings_idx"
    assert plan.nodes == ("Limit", "Index Scan (script_embeddings_idx)")
    seq = [{"Plan": {"Node Type": "Limit", "Plans": [{"Node Type": "Seq Scan"}]}}]
    assert read_plan(seq, ()).index is None


def test_requests_say_what_they_cost_and_do() -> None:
    health = VectorHealth(True, scripts=100_000, embedded=80_000, missing=20_000)
    embed = embed_missing_request(health)
    assert embed.params == {"limit": 10_000, "batch": 200} and embed.needs_write
    assert "10000 more need another run" in embed.target
    recall = recall_check_request(health, samples=5)
    assert not recall.needs_write and recall.params["samples"] == 5
    assert "reads all 80000 embeddings" in recall.effect
