"""Pure pieces of the Connections panel: blocking tree, pools, filters, requests, SQL text."""

from __future__ import annotations

import dataclasses

import pytest

from psadmin.models.actions import Risk
from psadmin.models.activity import (
    SIGNAL_STATEMENTS,
    app_pools,
    blocking_tree,
    count_states,
    root_of,
)
from psadmin.models.capabilities import Capabilities
from psadmin.models.session_filter import (
    FilterError,
    SessionFilter,
    coarse_age,
    parse_duration,
    short_age,
    sort_sessions,
)
from queries import sql
from screens.connections_actions import may_signal_note, signal_plan
from tests.ui.fake_activity import session

CAPS = Capabilities(180006, "18.6", "psscript", "ops", False, True, True, True, 100, 3, 0, True)


def test_chain_has_one_root_and_frees_counts_every_released_waiter() -> None:
    sessions = [
        session(1, state="idle in transaction"),
        session(2, state="active", blocked_by=[1]),
        session(3, state="active", blocked_by=[2]),
        session(4, state="active", blocked_by=[1]),
        session(5, state="active"),
    ]
    [root] = blocking_tree(sessions)
    assert root.pid == 1 and root.released == (2, 3, 4) and root.frees == 3
    assert [n.pid for n in root.blocked] == [2, 4]
    assert root.blocked[0].frees == 1  # terminating 2 releases 3 only
    assert root_of(3, [root]) is root and root_of(5, [root]) is None


def test_a_waiter_with_two_blockers_is_freed_only_when_both_go() -> None:
    sessions = [
        session(1, state="idle in transaction"),
        session(2, state="idle in transaction"),
        session(3, state="active", blocked_by=[1, 2]),
    ]
    roots = blocking_tree(sessions)
    assert [r.pid for r in roots] == [1, 2]
    assert all(r.frees == 0 for r in roots)  # 3 still waits on the other one
    assert all([n.pid for n in r.blocked] == [3] for r in roots)


def test_a_deadlock_cycle_and_a_prepared_transaction_still_give_roots() -> None:
    cycle = blocking_tree([session(7, blocked_by=[8]), session(8, blocked_by=[7])])
    assert [r.pid for r in cycle] == [7]
    assert [n.pid for n in cycle[0].walk()] == [7, 8]
    [prepared] = blocking_tree([session(9, state="active", blocked_by=[0])])
    assert prepared.pid == 0 and prepared.session.application == "prepared transaction"
    assert prepared.session.backend_start is None and prepared.frees == 1


def test_pools_group_by_application_and_address_with_configured_size() -> None:
    sessions = [
        session(1, state="active"),
        session(2, state="idle"),
        session(3, state="idle in transaction"),
        session(4, state="active", blocked_by=[3], age=7.0),
        session(5, state="idle", client="10.0.0.6"),
        session(6, "cron", "idle", client=None),
    ]
    own = [session(9, "psadmin", "idle")]
    pools = {
        (p.application_name, p.client_addr): p
        for p in app_pools(sessions, {"psscript-api": 10, "psadmin": 3}, own)
    }
    api = pools[("psscript-api", "10.0.0.5")]
    assert (api.total, api.size, api.active, api.idle, api.idle_in_transaction) == (4, 10, 2, 1, 1)
    assert (api.waiting, api.longest_wait_s, api.ratio) == (1, 7.0, 0.4)
    assert pools[("psscript-api", "10.0.0.6")].total == 1
    assert pools[("cron", None)].size is None and pools[("cron", None)].ratio is None
    assert pools[("psadmin", "10.0.0.5")].size == 3
    counts = count_states([s.state for s in sessions] + [None, "disabled"])
    assert (counts.active, counts.idle, counts.not_visible, counts.disabled) == (2, 3, 1, 1)
    assert counts.total == 8


def test_filter_parsing_and_matching() -> None:
    f = SessionFilter.parse("state:iit app:API user:Ap min:2m update", hide_idle=True)
    assert (f.state, f.application, f.user, f.min_duration_s, f.text) == (
        "idle in transaction",
        "api",
        "ap",
        120.0,
        "update",
    )
    old = session(1, state="idle in transaction", xact=300.0, query="UPDATE x")
    assert f.matches(old)
    assert not f.matches(dataclasses.replace(old, xact_age_s=60.0))
    assert not SessionFilter(hide_idle=True).matches(session(2, state="idle"))
    assert SessionFilter.parse("state:waiting").matches(session(3, blocked_by=[1]))
    assert (parse_duration("500ms"), parse_duration("1h"), parse_duration("7")) == (
        0.5,
        3600.0,
        7.0,
    )
    with pytest.raises(FilterError, match="unknown filter"):
        SessionFilter.parse("colour:red")
    with pytest.raises(FilterError, match="not a duration"):
        SessionFilter.parse("min:soon")


def test_sorting_and_ages() -> None:
    sessions = [session(3, state="active", age=5.0), session(1, state="active", age=50.0)]
    assert [s.pid for s in sort_sessions(sessions, "duration")] == [1, 3]
    assert [s.pid for s in sort_sessions(sessions, "pid")] == [1, 3]
    assert [s.pid for s in sort_sessions(sessions, "pid", reverse=True)] == [3, 1]
    assert [coarse_age(x) for x in (42.0, 65.0, 3599.0, 7300.0)] == ["42s", "1m", "59m", "2h01m"]
    assert [short_age(x) for x in (None, 4.9, 65, 7300, 90000)] == [
        "—",
        "4s",
        "1m05s",
        "2h01m",
        "1d01h",
    ]


@pytest.mark.parametrize("kind", ["cancel_backend", "terminate_backend"])
def test_the_confirmation_shows_the_statement_the_executor_runs(kind: str) -> None:
    tag = f"/* psadmin:{kind} */"
    text = sql.load(kind).replace(tag, "")
    assert " ".join(text.split()) == SIGNAL_STATEMENTS[kind]


def test_requests_from_the_selection() -> None:
    a = session(11, state="active", query="SELECT pg_sleep(60)")
    b = session(12, state="idle")
    plan = signal_plan("cancel_backend", [a, b], CAPS)
    assert plan.request is not None
    assert plan.request.risk is Risk.LOW and plan.request.target.startswith("2 sessions")
    assert "pid 12 runs no query" in plan.request.effect
    kill = signal_plan("terminate_backend", [a], CAPS).request
    assert kill is not None and kill.risk is Risk.HIGH and kill.challenge == "11"
    assert "pg_sleep(60)" in kill.effect
    denied = dataclasses.replace(b, can_signal=False)
    partial = signal_plan("terminate_backend", [a, denied], CAPS).request
    assert partial is not None
    assert [s["pid"] for s in partial.params["sessions"]] == [11]
    assert "Skipped, not permitted for ops: pid 12" in partial.effect
    weak = dataclasses.replace(CAPS, pg_signal_backend=False)
    refused = signal_plan("cancel_backend", [denied], weak)
    assert refused.request is None
    assert refused.refusal == "ops may not signal pid 12 (GRANT pg_signal_backend TO ops)"
    assert signal_plan("cancel_backend", [], CAPS).refusal is not None
    assert may_signal_note(CAPS, [a, b]) is None
    assert "only sessions of its own roles: 1 of 2" in (may_signal_note(weak, [a, denied]) or "")
