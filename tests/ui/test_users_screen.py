"""The Users screen with a fake backend: rows, header, filters, paging, requests it builds."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message
from textual.widgets import Input

from psadmin.app import PsadminApp
from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.audit import AuditEvent
from psadmin.models.users import PageCursor, UserFilter, UserSort
from screens.base import PanelScreen
from screens.confirm import ConfirmScreen
from screens.lock_user import LockUserScreen
from screens.users import UsersScreen
from tests.ui.fakes import FakeBackend
from widgets.keyed_table import KeyedTable
from widgets.status_bar import StatusBar


def _requests(into: list[ActionRequest]) -> Callable[[Message], None]:
    """Collects each ActionRequested once (the hook sees it at the screen and at the app)."""
    seen: set[int] = set()

    def hook(message: Message) -> None:
        if isinstance(message, PanelScreen.ActionRequested) and id(message) not in seen:
            seen.add(id(message))
            into.append(message.request)

    return hook


async def open_users(app: PsadminApp, pilot: object) -> UsersScreen:
    await pilot.press("6")  # type: ignore[attr-defined]
    await settle(app)
    screen = app.screen
    assert isinstance(screen, UsersScreen)
    return screen


async def settle(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_for_idle()


def usernames(screen: UsersScreen) -> list[str]:
    table = screen.query_one(KeyedTable)
    return [str(table.get_cell(str(key), "username")) for key in table.row_keys]


def header(screen: UsersScreen) -> str:
    return str(screen.query_one("#users-header").render())


async def test_rows_and_header_counts() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_users(app, pilot)
        names = usernames(screen)
        assert names[:3] == ["user000", "user001", "user002"] and len(names) == 50
        text = header(screen)
        assert "5 fails → locked 30 min" in text and "at risk ≥ 3" in text
        # every 10th of 120 is locked; i % 7 == 2 and not locked: 17 - 2 (23 and 93) at risk
        assert "12 locked" in text and "15 at risk" in text and "120 users" in text
        table = screen.query_one(KeyedTable)
        assert str(table.get_cell("4", "left")) == "12m 00s"  # user003: locked 12 more minutes
        assert str(table.get_cell("4", "attempts")) == "5"
        assert str(table.get_cell("1", "left")) == ""
        assert screen.focused is table  # action keys must not type into the search box


async def test_keyset_paging_forward_and_back() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_users(app, pilot)
        await pilot.press("n")
        await settle(app)
        query = backend.accounts.queries[-1]
        assert query.after == PageCursor("user049", 50) and query.before is None
        assert usernames(screen)[0] == "user050"
        await pilot.press("n")
        await settle(app)
        assert usernames(screen) == [f"user{i}" for i in range(100, 120)]
        assert "page 3" in str(screen.query_one("#users-state").render())
        last = screen.query_state
        await pilot.press("n")  # the last page: nothing after it is asked for
        await settle(app)
        assert screen.query_state == last and usernames(screen)[0] == "user100"
        assert all(q.after != PageCursor("user119", 120) for q in backend.accounts.queries)
        await pilot.press("p")
        await settle(app)
        assert backend.accounts.queries[-1].before == PageCursor("user100", 101)
        assert usernames(screen)[0] == "user050" and usernames(screen)[-1] == "user099"
        await pilot.press("p")
        await settle(app)
        assert usernames(screen)[0] == "user000"
        assert "page 1" in str(screen.query_one("#users-state").render())


async def test_filters_sort_and_search_reach_the_backend() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_users(app, pilot)
        await pilot.press("n")
        await settle(app)
        await pilot.press("f")
        await settle(app)
        query = backend.accounts.queries[-1]
        assert query.filter is UserFilter.LOCKED and query.after is None  # back to page 1
        assert len(usernames(screen)) == 12
        await pilot.press("f")
        await settle(app)
        assert backend.accounts.queries[-1].filter is UserFilter.AT_RISK
        assert len(usernames(screen)) == 15
        await pilot.press("f")
        await settle(app)
        assert backend.accounts.queries[-1].filter is UserFilter.ADMINS
        assert usernames(screen) == ["user001"]
        await pilot.press("f", "s")
        await settle(app)
        query = backend.accounts.queries[-1]
        assert query.filter is UserFilter.ALL and query.sort is UserSort.ATTEMPTS
        assert usernames(screen)[:2] == ["user113", "user103"]  # 5 fails; ties by id, descending
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        await pilot.press(*"user01")
        await settle(app)
        assert backend.accounts.queries[-1].search == "user01"
        assert sorted(usernames(screen)) == [f"user01{i}" for i in range(10)]
        screen.query_one("#users-search", Input).value = "%_\\'\x00" + "x" * 10_000
        await pilot.pause()
        await settle(app)
        assert backend.accounts.queries[-1].search.startswith("%_\\'\x00")
        assert usernames(screen) == []
        await pilot.press("escape")
        assert screen.focused is screen.query_one(KeyedTable)


async def test_unlock_posts_a_low_risk_request_for_the_selected_row() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: list[ActionRequest] = []
    async with app.run_test(size=(140, 40), message_hook=_requests(requests)) as pilot:
        await open_users(app, pilot)
        await pilot.press("down", "down", "down", "u")  # user003, locked
        await pilot.pause()
        (request,) = requests
        assert request.kind == "unlock_user" and request.risk is Risk.LOW
        assert dict(request.params) == {"user_id": 4, "username": "user003"}
        assert request.reason_required and "Redis key auth:attempts:user003." in request.effect
        assert "locked, 12m 00s left, 5 failed logins" in request.effect
        assert request.statement.startswith("UPDATE users SET login_attempts = 0")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # No
        await settle(app)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.DECLINED]


async def test_reset_attempts_request() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: list[ActionRequest] = []
    async with app.run_test(size=(140, 40), message_hook=_requests(requests)) as pilot:
        await open_users(app, pilot)
        await pilot.press("down", "down", "r")  # user002, at risk
        await pilot.pause()
        assert [(r.kind, r.params["user_id"]) for r in requests] == [("reset_attempts", 3)]
        await pilot.press("escape")


async def test_marked_rows_make_a_bulk_request_confirmed_by_count() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: list[ActionRequest] = []
    async with app.run_test(size=(140, 40), message_hook=_requests(requests)) as pilot:
        screen = await open_users(app, pilot)
        await pilot.press("down", "down", "down", "space")  # marks user003, cursor moves on
        await pilot.press(*["down"] * 9, "space")  # user013
        assert set(screen.marked) == {4, 14}
        assert str(screen.query_one(KeyedTable).get_cell("4", "mark")) == "✓"
        await pilot.press("U")
        await pilot.pause()
        (request,) = requests
        assert request.kind == "unlock_users" and request.risk is Risk.HIGH
        assert request.params["user_ids"] == [4, 14] and request.confirm_text == "2"
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#reason")
        await pilot.press(*"incident 7", "tab")
        await pilot.press(*"2")
        await pilot.click("#yes")
        await settle(app)
        assert [r.kind for r in backend.executed] == ["unlock_users"]
        assert screen.marked == {}  # done: marks are cleared


async def test_bulk_unlock_without_marks_means_all_locked() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: list[ActionRequest] = []
    async with app.run_test(size=(140, 40), message_hook=_requests(requests)) as pilot:
        await open_users(app, pilot)
        await pilot.press("U")
        await pilot.pause()
        (request,) = requests
        assert dict(request.params) == {"all_locked": True, "locked_seen": 12}
        assert request.risk is Risk.HIGH and request.challenge == "12"
        await pilot.press("escape")


async def test_lock_asks_minutes_and_reason_then_requests() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: list[ActionRequest] = []
    async with app.run_test(size=(140, 40), message_hook=_requests(requests)) as pilot:
        await open_users(app, pilot)
        await pilot.press("down", "l")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, LockUserScreen)
        minutes = modal.query_one("#lock-minutes", Input)
        assert minutes.value == "30"  # the policy's lock length
        minutes.value = "-3"
        modal.query_one("#lock-reason", Input).value = "suspicious logins"
        await pilot.click("#lock")
        assert "from 1 to 525600" in str(modal.query_one("#lock-error").render())
        assert app.screen is modal and requests == []
        minutes.value = "15"
        modal.query_one("#lock-reason", Input).focus()
        await pilot.press("enter")  # Enter in the reason field submits the form
        await pilot.pause()
        (request,) = requests
        assert request.kind == "lock_user" and request.reason == "suspicious logins"
        assert dict(request.params) == {"user_id": 2, "username": "user001", "minutes": 15}
        await pilot.press("escape")


async def test_read_only_shows_badge_and_refuses() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_users(app, pilot)
        assert "READ-ONLY" in str(screen.query_one(StatusBar).render())
        assert "actions are refused" in header(screen)
        await pilot.press("u")
        await settle(app)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]


async def test_missing_users_table_says_why() -> None:
    backend = FakeBackend()
    backend.accounts.available = False
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_users(app, pilot)
        assert "no users table" in header(screen) and "connect elsewhere" in header(screen)
        assert usernames(screen) == [] and backend.accounts.queries == []
