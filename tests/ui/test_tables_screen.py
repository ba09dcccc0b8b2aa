"""The Tables screen with a fake backend: rows, lights, sort, filter, estimate cadence,
measurements, and VACUUM from options to confirmation, progress, cancel and comparison."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets import Button, Checkbox, Input, Static

from psadmin.app import PsadminApp
from psadmin.models.actions import Risk
from psadmin.models.audit import AuditEvent
from screens.confirm import ConfirmScreen
from screens.error import ErrorScreen
from screens.tables import TablesScreen
from screens.vacuum_options import NoticesScreen, VacuumOptionsScreen
from tests.ui.fakes import FakeBackend
from widgets.keyed_table import KeyedTable
from widgets.vacuum_progress import VacuumProgressPanel


async def until(pilot: object, condition: Callable[[], bool], what: str) -> None:
    """Let the app process messages until ``condition`` holds (no fixed sleeps)."""
    for _ in range(500):
        if condition():
            return
        await pilot.pause()  # type: ignore[attr-defined]
    raise AssertionError(f"never happened: {what}")


async def opened(app: PsadminApp, pilot: object) -> TablesScreen:
    await pilot.press("3")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, TablesScreen), "Tables screen shown")
    screen = app.screen
    assert isinstance(screen, TablesScreen)
    await until(pilot, lambda: screen.report is not None, "first load")
    return screen


def table_keys(screen: TablesScreen) -> list[object]:
    return screen.query_one("#tables", KeyedTable).row_keys


def text_of(screen: TablesScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_rows_lights_and_hidden_statistics_warning() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        # worst first: script_versions (1400 % dead, autovacuum off) leads
        assert table_keys(screen)[0] == 101
        assert set(table_keys(screen)) == {101, 102, 103, 104}
        summary = text_of(screen, "#tables-summary")
        assert "4 of 4 tables" in summary and "1 critical" in summary
        assert "hidden from psadmin" in summary and "pg_read_all_data" in summary
        detail = text_of(screen, "#tables-detail")
        assert "public.script_versions" in detail and "1400 %" in detail
        assert "autovacuum disabled" in detail
        assert "pgstattuple_approx reads" in detail  # the measurement's cost, stated up front


async def test_catalog_and_estimate_run_on_open_and_on_demand_not_every_tick() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend, refresh_s=0.2)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await until(pilot, lambda: backend.calls.count("table_stats") >= 3, "three ticks")
        assert backend.calls.count("table_bloat") == 1
        assert backend.calls.count("table_catalog") == 1  # every minute, not every tick
        await pilot.press("e")
        await until(pilot, lambda: backend.calls.count("table_bloat") == 2, "re-estimate")
        assert screen.bloat is not None


async def test_sort_reverse_header_click_and_filter() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("s")  # next column: table name
        assert screen.sort == "table"
        assert table_keys(screen) == [104, 102, 101, 103]
        await pilot.press("S")
        assert table_keys(screen) == [103, 101, 102, 104]
        await pilot.click("#tables", offset=(60, 0))  # a header cell: sorts by that column
        assert screen.sort != "table"
        screen.sort, screen.reverse = "dead", False
        screen.show_rows()
        assert table_keys(screen)[:2] == [101, 102]
        await pilot.press("slash")
        assert screen.focused is not None and screen.focused.id == "tables-filter"
        await pilot.press(*"analysis")
        assert table_keys(screen) == [102]
        await pilot.press("enter")
        assert screen.focused is screen.query_one("#tables", KeyedTable)


async def test_measure_approx_and_exact_on_demand() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("m")
        await until(pilot, lambda: screen.measurement is not None, "approx measured")
        await pilot.press("M")
        await until(pilot, lambda: len(backend.tables.measured) == 2, "exact measured")
        assert backend.tables.measured == [(101, False), (101, True)]
        shown = "measured pgstattuple "
        await until(pilot, lambda: shown in text_of(screen, "#tables-detail"), "measurement shown")


async def vacuum_dialog(app: PsadminApp, pilot: object, full: bool = False) -> None:
    await pilot.press("v")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, VacuumOptionsScreen), "options modal")
    modal = app.screen
    assert isinstance(modal, VacuumOptionsScreen)
    assert "BUFFER_USAGE_LIMIT" in modal.supported  # the fake server is 18
    if full:
        modal.query_one("#opt-full", Checkbox).value = True
        await pilot.pause()  # type: ignore[attr-defined]
        assert modal.query_one("#full-warning").has_class("-shown")
    modal.query_one("#continue", Button).press()
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")


async def test_vacuum_with_progress_and_before_after_comparison() -> None:
    backend = FakeBackend()
    backend.tables.release = asyncio.Event()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await vacuum_dialog(app, pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.request.kind == "vacuum" and confirm.request.risk is Risk.LOW
        assert confirm.request.statement == "VACUUM (ANALYZE) public.script_versions"
        assert confirm.request.params["relid"] == 101
        await pilot.click("#yes")
        await until(pilot, backend.tables.started.is_set, "VACUUM started")
        screen.tick()
        panel = screen.query_one(VacuumProgressPanel)
        await until(pilot, lambda: panel.fraction == 0.5, "progress bar at 50 %")
        assert "scanning heap" in panel.label and "2,560/5,120" in panel.label
        backend.tables.release.set()
        await until(pilot, lambda: screen.comparison is not None, "comparison")
        await until(pilot, lambda: not panel.has_class("-shown"), "panel hidden")
        assert "last VACUUM dead tuples 210,000 → 0" in text_of(screen, "#tables-detail")
        assert [r.event for r in backend.audited] == [AuditEvent.REQUESTED, AuditEvent.OK]
        await until(pilot, lambda: screen.rows[101].health.dead_tuples == 0, "refreshed")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoticesScreen), "notices")


async def test_vacuum_full_needs_the_typed_table_name() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        await opened(app, pilot)
        await vacuum_dialog(app, pilot, full=True)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.request.risk is Risk.HIGH
        assert confirm.request.challenge == "public.script_versions"
        assert "ACCESS EXCLUSIVE" in confirm.request.effect
        assert confirm.request.statement.startswith("VACUUM (FULL, ANALYZE)")
        assert confirm.query_one("#yes", Button).disabled
        confirm.query_one("#challenge", Input).value = "public.script_versions"
        await pilot.pause()
        assert not confirm.query_one("#yes", Button).disabled
        await pilot.press("escape")  # declined after all
        await until(pilot, lambda: bool(backend.audited), "declined audited")
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.DECLINED]


async def test_cancel_stops_the_running_vacuum() -> None:
    backend = FakeBackend()
    backend.tables.release = asyncio.Event()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await vacuum_dialog(app, pilot)
        await pilot.click("#yes")
        await until(pilot, backend.tables.started.is_set, "VACUUM started")
        screen.tick()
        await until(pilot, lambda: any(p.own for p in screen.progress), "own progress seen")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen), "error shown")
        assert "cancel_vacuum" in backend.calls and backend.tables.cancelled
        assert backend.audited[-1].event is AuditEvent.ERROR
        await pilot.press("enter")
        await until(pilot, lambda: screen.pending is None, "vacuum over")


async def test_options_cancel_sends_nothing() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, VacuumOptionsScreen), "options")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back")
        assert backend.executed == [] and backend.audited == [] and screen.pending is None


async def test_bad_option_values_block_continue() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, VacuumOptionsScreen), "options")
        modal = app.screen
        modal.query_one("#opt-buffer_usage_limit", Input).value = "12 parsecs"
        await pilot.pause()
        assert modal.query_one("#continue", Button).disabled
        assert "BUFFER_USAGE_LIMIT" in str(modal.query_one("#problems", Static).render())
        modal.query_one("#opt-buffer_usage_limit", Input).value = "2MB"
        modal.query_one("#opt-full", Checkbox).value = True
        modal.query_one("#opt-parallel", Input).value = "2"
        await pilot.pause()
        assert modal.query_one("#continue", Button).disabled  # FULL cannot run in parallel


async def test_read_only_refuses_without_options() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("v")
        await until(pilot, lambda: bool(backend.audited), "refusal audited")
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]
        assert backend.executed == []
        assert any("read-only" in n.message for n in app._notifications)
        await until(pilot, lambda: screen.pending is None, "nothing pending")


async def test_table_the_role_may_not_vacuum_is_explained_not_offered() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await opened(app, pilot)
        keys = table_keys(screen)
        screen.query_one("#tables", KeyedTable).move_cursor(row=keys.index(104))
        await pilot.press("v")
        await pilot.pause()
        assert app.screen is screen
        assert any("GRANT MAINTAIN" in n.message for n in app._notifications)
        assert backend.executed == [] and backend.audited == []
