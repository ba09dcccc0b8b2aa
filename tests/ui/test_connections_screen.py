"""The Connections screen with a fake backend: widgets, filters, cursor, marks, actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from textual.message import Message

from psadmin.app import PsadminApp
from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.activity import SIGNAL_STATEMENTS
from psadmin.models.health import Level
from screens.base import PanelScreen
from screens.confirm import ConfirmScreen
from screens.connections import ConnectionsScreen
from screens.session_detail import SessionDetailScreen
from tests.ui.fake_activity import T0, pgbouncer_up, session
from tests.ui.fakes import FakeBackend
from widgets.blocking_tree import BlockingTree
from widgets.history_chart import HistoryChart
from widgets.text_table import TextTable
from widgets.utilization_gauge import UtilizationGauge


def collect(into: list[ActionRequest]) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        # the message bubbles from the screen to the app: count each one once
        if isinstance(message, PanelScreen.ActionRequested) and not any(
            r is message.request for r in into
        ):
            into.append(message.request)

    return hook


async def settle(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_for_idle()


async def open_connections(app: PsadminApp, pilot: object) -> ConnectionsScreen:
    await pilot.press("2")  # type: ignore[attr-defined]
    await settle(app)
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ConnectionsScreen)
    return screen


def sessions_table(screen: ConnectionsScreen) -> TextTable:
    return screen.query_one("#sessions", TextTable)


def shown_pids(screen: ConnectionsScreen) -> list[int]:
    return [key[0] for key in sessions_table(screen).row_keys]  # type: ignore[index]


def put_cursor_on(screen: ConnectionsScreen, pid: int) -> None:
    table = sessions_table(screen)
    table.move_cursor(row=shown_pids(screen).index(pid))
    table.focus()


async def test_renders_gauge_pools_list_chart_and_tree() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        gauge = screen.query_one("#gauge", UtilizationGauge)
        assert gauge.reading is not None
        assert (gauge.reading.used, gauge.reading.capacity) == (14, 97)  # 12 + psadmin's 2
        assert gauge.reading.threshold == 0.80 and gauge.reading.level is Level.OK
        assert "14/97" in str(gauge.render())
        pools = screen.query_one("#pools", TextTable)
        assert ("psscript-api", "10.0.0.5") in pools.row_keys
        assert ("psadmin", "10.0.0.5") in pools.row_keys
        api = pools.get_row(("psscript-api", "10.0.0.5"))
        assert str(api[2]).startswith("11/10")  # over its configured size of 10
        assert str(api[6]) == "2"  # 202 and 203 wait on locks
        assert len(shown_pids(screen)) == 12  # psadmin's own sessions are not listed
        assert 900 not in shown_pids(screen)
        tree = screen.query_one("#blocking", BlockingTree)
        assert [root.pid for root in tree.roots] == [201]
        assert tree.roots[0].frees == 2
        labels = tree.labels
        assert tree.row_keys == [(201,), (201, 202), (201, 202, 203)]  # depth first
        assert labels[0].startswith("pid 201") and "frees 2" in labels[0]
        assert labels[1].startswith("└─ pid 202") and "ShareLock" in labels[1]
        assert labels[2].startswith("   └─ pid 203")
        assert screen.query_one("#chart", HistoryChart).values[-1] == pytest.approx(1400 / 97)
        assert not screen.query_one("#pgbouncer").has_class("-shown")


async def test_filters_narrow_the_list() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"state:active")
        await pilot.pause()
        assert sorted(shown_pids(screen)) == [107, 202, 203, 300]
        await pilot.press("enter")
        assert sessions_table(screen).has_focus
        screen.query_one("#filter").value = "app:report"  # type: ignore[attr-defined]
        await pilot.pause()
        assert shown_pids(screen) == [300]
        screen.query_one("#filter").value = "user:api min:1m"  # type: ignore[attr-defined]
        await pilot.pause()
        assert shown_pids(screen) == [201]  # in a transaction for over a minute
        screen.query_one("#filter").value = "state:waiting"  # type: ignore[attr-defined]
        await pilot.pause()
        assert sorted(shown_pids(screen)) == [202, 203]
        screen.query_one("#filter").value = ""  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("i")  # hide idle
        assert sorted(shown_pids(screen)) == [107, 201, 202, 203, 300]
        assert "idle hidden" in str(sessions_table(screen).border_title)
        screen.query_one("#filter").value = "min:fast"  # type: ignore[attr-defined]
        await pilot.pause()
        assert "not a duration" in str(screen.query_one("#filter").border_subtitle)


async def test_cursor_stays_on_its_session_across_refreshes_and_reorders() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        put_cursor_on(screen, 202)
        assert screen.selected_session() is not None
        for _ in range(2):
            screen.tick()
            await settle(app)
        assert screen.selected_session().pid == 202  # type: ignore[union-attr]
        # a new long-running session sorts first and 107 disappears: 202 keeps the cursor
        backend.sessions = [s for s in backend.sessions if s.pid != 107]
        backend.sessions.append(session(400, "batch", "active", age=9999.0))
        screen.tick()
        await settle(app)
        assert shown_pids(screen)[0] == 400
        assert screen.selected_session().pid == 202  # type: ignore[union-attr]
        await pilot.press("s")  # sort by pid
        assert shown_pids(screen) == sorted(shown_pids(screen))
        assert screen.selected_session().pid == 202  # type: ignore[union-attr]


async def test_cancel_posts_a_low_risk_request_for_the_selected_session() -> None:
    requests: list[ActionRequest] = []
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40), message_hook=collect(requests)) as pilot:
        screen = await open_connections(app, pilot)
        put_cursor_on(screen, 107)
        await pilot.press("c")
        await pilot.pause()
        assert len(requests) == 1
        request = requests[0]
        assert request.kind == "cancel_backend" and request.risk is Risk.LOW
        assert request.statement == SIGNAL_STATEMENTS["cancel_backend"]
        started = session(107).backend_start
        assert started is not None
        assert request.params == {"sessions": [{"pid": 107, "backend_start": started.isoformat()}]}
        assert "pid 107" in request.target
        assert isinstance(app.screen, ConfirmScreen)  # the app asks before anything runs


async def test_terminate_marked_sessions_needs_typed_confirmation_and_runs_once() -> None:
    requests: list[ActionRequest] = []
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40), message_hook=collect(requests)) as pilot:
        screen = await open_connections(app, pilot)
        for pid in (100, 101):
            put_cursor_on(screen, pid)
            await pilot.press("space")
        assert "2 marked" in str(sessions_table(screen).border_title)
        await pilot.press("k")
        await pilot.pause()
        request = requests[-1]
        assert request.kind == "terminate_backend" and request.risk is Risk.HIGH
        assert [s["pid"] for s in request.params["sessions"]] == [100, 101]
        assert request.challenge == "2 sessions"
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#challenge")
        await pilot.press(*"2 sessions")
        await pilot.click("#yes")
        await settle(app)
        assert [r.kind for r in backend.executed] == ["terminate_backend"]


async def test_terminate_root_blocker_says_how_many_it_frees() -> None:
    requests: list[ActionRequest] = []
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40), message_hook=collect(requests)) as pilot:
        screen = await open_connections(app, pilot)
        put_cursor_on(screen, 203)  # a waiter at the end of the chain: its root is 201
        await pilot.press("b")
        await pilot.pause()
        request = requests[-1]
        assert request.kind == "terminate_backend" and request.risk is Risk.HIGH
        assert [s["pid"] for s in request.params["sessions"]] == [201]
        assert "frees 2 waiting sessions (pid 202, 203)" in request.effect
        assert request.challenge == "201"


async def test_sessions_this_role_may_not_signal_are_refused_with_the_reason() -> None:
    requests: list[ActionRequest] = []
    backend = FakeBackend()
    backend.capabilities = dataclasses.replace(backend.capabilities, pg_signal_backend=False)
    backend.sessions = [
        dataclasses.replace(s, can_signal=s.user == "psadmin") for s in backend.sessions
    ]
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40), message_hook=collect(requests)) as pilot:
        screen = await open_connections(app, pilot)
        note = str(screen.query_one("#signal-note").render())
        assert "only sessions of its own roles" in note
        assert "GRANT pg_signal_backend TO psadmin" in note
        put_cursor_on(screen, 300)
        await pilot.press("c")
        await pilot.pause()
        assert requests == []
        assert isinstance(app.screen, ConnectionsScreen)  # nothing to confirm
        assert any("may not signal pid 300" in n.message for n in app._notifications)


async def test_detail_view_shows_the_full_query() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        put_cursor_on(screen, 300)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
        text = str(app.screen.query_one("#query-text").render())
        assert "FROM script_versions\nWHERE created_at" in text  # line breaks kept
        await pilot.press("escape")
        assert isinstance(app.screen, ConnectionsScreen)


async def test_history_survives_switching_screens_and_pgbouncer_is_shown() -> None:
    backend = FakeBackend()
    backend.pgbouncer = pgbouncer_up()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        points = len(screen.history)
        await pilot.press("1")
        await pilot.press("2")
        await settle(app)
        assert app.screen is screen and len(screen.history) > points
        table = screen.query_one("#pgbouncer", TextTable)
        assert table.has_class("-shown")
        row = table.get_row(("psscript", "api"))
        assert (row[2], str(row[3]), row[4]) == (8, "3", 5)  # cl_active, cl_waiting, sv_active
        assert row[7] == "2.5s"


def test_fake_sessions_are_stable() -> None:
    assert session(1).backend_start == session(1).backend_start
    assert session(1).backend_start is not None and session(1).backend_start < T0


async def test_read_only_mode_refuses_cancel_before_any_confirmation() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        put_cursor_on(screen, 107)
        await pilot.press("c")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)  # no confirmation was shown
        assert backend.executed == []
        assert [r.event.value for r in backend.audited] == ["refused"]


async def test_escape_leaves_the_filter_and_keeps_it() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_connections(app, pilot)
        await pilot.press("slash", *"app:report")
        await pilot.pause()
        box = screen.query_one("#filter")
        assert box.has_focus and shown_pids(screen) == [300]
        await pilot.press("escape")
        assert sessions_table(screen).has_focus
        assert shown_pids(screen) == [300] and box.has_class("-shown")  # still applied
        await pilot.press("slash", "ctrl+u", "escape")  # emptied: the box goes away
        await pilot.pause()
        assert sessions_table(screen).has_focus and not box.has_class("-shown")
        assert len(shown_pids(screen)) > 1
