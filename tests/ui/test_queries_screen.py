"""The Queries screen with a fake backend: ranking, intervals, detail, EXPLAIN, actions."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input, Static

from psadmin.app import PsadminApp
from psadmin.models.actions import ActionOutcome, OutcomeStatus, Risk
from psadmin.models.audit import AuditEvent
from psadmin.models.statements import ExplainMode, StatementKey, StatementSort
from screens.confirm import ConfirmScreen
from screens.queries import QueriesScreen
from screens.statement_modals import (
    LongQueryScreen,
    ParametersScreen,
    PlanScreen,
    StatementDetailScreen,
)
from tests.ui.fake_statements import BEGIN, FAST, MISSING, SLOW, UPDATE
from tests.ui.fakes import FakeBackend
from widgets.keyed_table import KeyedTable

App = PsadminApp
P = Pilot[None]


async def settle(app: App, pilot: P) -> None:
    # bounded: a worker waiting on a modal nobody answers must fail the test, not hang it
    await asyncio.wait_for(app.workers.wait_for_complete(), 30)
    await pilot.pause()


async def until(pilot: P, condition: Callable[[], bool]) -> None:
    """Let the app process messages until ``condition`` holds (a worker may be waiting on a
    modal, so waiting for workers to finish would wait forever)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never became true")


async def open_queries(app: App, pilot: P) -> QueriesScreen:
    await pilot.press("5")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, QueriesScreen)
    return screen


async def next_tick(screen: QueriesScreen, app: App, pilot: P) -> None:
    screen.tick()
    await settle(app, pilot)


def shown(screen: QueriesScreen) -> list[StatementKey]:
    keys = screen.query_one("#statements", KeyedTable).row_keys
    return [k for k in keys if isinstance(k, StatementKey)]


def summary(screen: QueriesScreen) -> str:
    return str(screen.query_one("#queries-summary", Static).render())


def select(screen: QueriesScreen, key: StatementKey) -> None:
    table = screen.query_one("#statements", KeyedTable)
    table.move_cursor(row=shown(screen).index(key))
    table.focus()


def with_version(backend: FakeBackend, version_num: int) -> FakeBackend:
    backend.capabilities = dataclasses.replace(backend.capabilities, server_version_num=version_num)
    return backend


async def test_ranks_by_total_time_and_lists_long_running_queries() -> None:
    backend = FakeBackend()
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        assert shown(screen) == [SLOW, FAST, UPDATE, BEGIN]
        text = summary(screen)
        assert "pg_stat_statements 1.12" in text and "since reset" in text
        assert "by total time" in text and "3 of psadmin's own left out" in text
        table = screen.query_one("#statements", KeyedTable)
        slow = table.get_row(str(SLOW))
        calls = 10 + 2 * backend.statements.tick  # the fake's SLOW statement
        assert str(slow[0]) == str(calls) and str(slow[2]) == "250.0"  # calls, mean ms
        assert "ILIKE $1" in str(slow[-1])
        long = screen.query_one("#long-running", KeyedTable)
        assert [k[0] for k in long.row_keys] == [4242]  # type: ignore[index]
        row = long.get_row(long.coordinate_to_cell_key((0, 0)).row_key)
        assert str(row[1]) == "2500 ms" and str(row[2]) == "1m35s"  # query vs transaction age
        assert "≥ 100 ms" in str(screen.query_one("#long-title", Static).render())


async def test_sort_cycles_and_interval_mode_ranks_by_what_happened_since_the_last_tick() -> None:
    app = App(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        await pilot.press("s")
        assert shown(screen) == [SLOW, UPDATE, FAST, BEGIN]  # mean time
        await pilot.press("s")
        assert shown(screen) == [BEGIN, FAST, UPDATE, SLOW]  # calls
        await pilot.press("i")
        await next_tick(screen, app, pilot)
        assert shown(screen) == [FAST, UPDATE, BEGIN, SLOW]  # calls in the interval
        while screen.sort is not StatementSort.TOTAL_TIME:
            await pilot.press("s")  # round the cycle back to total time
        assert "by total time" in summary(screen)
        assert shown(screen) == [SLOW, UPDATE, FAST, BEGIN]  # 500, 60, 50, 0.1 ms
        row = screen.query_one("#statements", KeyedTable).get_row(str(SLOW))
        assert str(row[0]) == "2" and str(row[1]) == "500.0"
        assert str(row[3]) == f"{500 / 610.1 * 100:.1f} %"
        assert "last interval (2.0 s)" in summary(screen)


async def test_cursor_stays_on_its_statement_across_refreshes() -> None:
    app = App(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, UPDATE)
        await next_tick(screen, app, pilot)
        await next_tick(screen, app, pilot)
        assert screen.query_one("#statements", KeyedTable).selected_key == UPDATE


async def test_detail_shows_full_text_and_queryid_and_leads_to_explain() -> None:
    backend = FakeBackend()
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, SLOW)
        await pilot.press("d")
        detail = app.screen
        assert isinstance(detail, StatementDetailScreen)
        text = str(detail.query_one("#statement-text", Static).render())
        assert "ORDER BY updated_at DESC" in text
        assert "111" in str(detail.query_one(".fields", Static).render())
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.result.mode is ExplainMode.GENERIC
        assert backend.statements.explained == [(SLOW, None)]
        await pilot.press("escape")
        assert app.screen is screen


async def test_explain_on_15_asks_for_the_parameters_and_binds_them() -> None:
    backend = with_version(FakeBackend(), 150004)
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, SLOW)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ParametersScreen))
        assert isinstance(app.screen, ParametersScreen)
        assert app.screen.types == ("text",)
        await pilot.press(*"%backup%", "enter")
        await settle(app, pilot)
        assert backend.statements.explained == [(SLOW, ("%backup%",))]
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.result.mode is ExplainMode.PARAMETERS


async def test_parameter_values_are_checked_against_their_types_before_anything_runs() -> None:
    backend = FakeBackend()
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, UPDATE)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ParametersScreen))
        modal = app.screen
        assert isinstance(modal, ParametersScreen)
        await pilot.press("1", "enter", *"forty", "enter")
        await pilot.pause()
        assert app.screen is modal  # not dismissed
        assert "$2 (int4)" in str(modal.query_one("#parameter-error", Static).render())
        assert backend.statements.explained == []
        modal.query_one("#parameter-2", Input).value = "42"
        await pilot.click("#run")
        await settle(app, pilot)
        assert backend.statements.explained == [(UPDATE, ("1", "42"))]


async def test_utility_statements_are_not_explained() -> None:
    backend = FakeBackend()
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, BEGIN)
        await pilot.press("e")
        await settle(app, pilot)
        assert backend.statements.explained == []
        assert app.screen is screen


async def test_explain_analyze_needs_typed_confirmation_and_shows_the_plan() -> None:
    backend = FakeBackend()
    backend.outcome = ActionOutcome(
        OutcomeStatus.OK,
        "EXPLAIN ANALYZE of statement 111: ran 250 ms, rolled back",
        details={"statement": "EXPLAIN (ANALYZE, BUFFERS) SELECT …", "plan": "Seq Scan (actual)"},
    )
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, SLOW)
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, ParametersScreen))
        await pilot.press(*"%vpn%", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        request = confirm.request
        assert request.kind == "explain_analyze" and request.risk is Risk.HIGH
        assert request.needs_write is False  # a read: runs READ ONLY, allowed in read-only
        assert request.params["queryid"] == 111 and request.params["parameters"] == ["%vpn%"]
        assert "BEGIN READ ONLY" in request.statement and "ROLLBACK" in request.statement
        assert confirm.query_one("#yes").disabled
        await pilot.click("#challenge")
        await pilot.press(*"ANALYZE")
        assert not confirm.query_one("#yes").disabled
        await pilot.click("#yes")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert [r.kind for r in backend.executed] == ["explain_analyze"]
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.result.mode is ExplainMode.ANALYZE
        assert "Seq Scan (actual)" in str(app.screen.query_one("#plan-text", Static).render())
        events = [r.event for r in backend.audited]
        assert events == [AuditEvent.REQUESTED, AuditEvent.OK]


async def test_read_only_refuses_analyze_of_a_writing_statement_and_the_reset() -> None:
    backend = FakeBackend(read_only=True)
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        select(screen, UPDATE)
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, ParametersScreen))
        await pilot.press("1", "enter", "2", "enter")
        await settle(app, pilot)
        assert app.screen is screen  # refused before any confirmation
        await pilot.press("R")
        await settle(app, pilot)
        assert app.screen is screen
        assert backend.executed == []
        refused = [r for r in backend.audited if r.event is AuditEvent.REFUSED]
        assert [r.action for r in refused] == ["explain_analyze", "reset_statement_stats"]


async def test_reset_is_confirmed_and_declining_changes_nothing() -> None:
    backend = FakeBackend()
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_queries(app, pilot)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.request.kind == "reset_statement_stats"
        assert "database psscript" in confirm.request.effect
        await pilot.press("enter")  # No is focused
        await settle(app, pilot)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.DECLINED]


async def test_missing_extension_shows_the_fix_and_still_the_long_running_queries() -> None:
    backend = FakeBackend()
    backend.statements.availability = MISSING
    app = App(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_queries(app, pilot)
        text = summary(screen)
        assert "not installed in database psscript" in text
        assert "CREATE EXTENSION pg_stat_statements" in text
        assert shown(screen) == []
        long = screen.query_one("#long-running", KeyedTable)
        assert len(long.row_keys) == 1
        long.focus()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, LongQueryScreen)
        assert "%backup%" in str(app.screen.query_one("#long-query-text", Static).render())


async def test_fits_80_by_24() -> None:
    app = App(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queries(app, pilot)
        statements = screen.query_one("#statements", KeyedTable)
        long = screen.query_one("#long-running", KeyedTable)
        assert statements.region.height >= 4 and long.region.height >= 3
        assert "pg_stat_statements 1.12" in summary(screen)
