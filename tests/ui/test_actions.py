"""The admin-action path in the TUI: refusal, confirmation, audit, execution, report."""

from __future__ import annotations

from psadmin.app import PsadminApp
from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus, Risk
from psadmin.models.audit import AuditEvent
from screens.base import PanelScreen
from screens.confirm import ConfirmScreen
from screens.error import ErrorScreen
from tests.ui.fakes import FakeBackend

UNLOCK = ActionRequest(
    kind="unlock_user",
    target="user alice (id 42)",
    effect="Resets login_attempts and clears locked_until.",
    statement="UPDATE users SET login_attempts = 0, locked_until = NULL WHERE id = $1",
    params={"user_id": 42},
)
TERMINATE = ActionRequest(
    kind="terminate_backend",
    target="pid 4242",
    effect="Ends the session and rolls back its transaction.",
    statement="SELECT pg_terminate_backend($1)",
    params={"pid": 4242},
    risk=Risk.HIGH,
)


def panel(app: PsadminApp) -> PanelScreen:
    assert isinstance(app.screen, PanelScreen)
    return app.screen


async def settle(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()


async def test_decline_changes_nothing_and_is_audited() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(UNLOCK)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.press("enter")  # Enter on the focused No
        await settle(app)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.DECLINED]


async def test_accept_runs_once_and_audits_before_and_after() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    finished: list[PanelScreen.ActionFinished] = []
    async with app.run_test(size=(100, 30), message_hook=_collect(finished)) as pilot:
        panel(app).request_action(UNLOCK)
        await pilot.pause()
        await pilot.click("#reason")
        await pilot.press(*"ticket 123")
        await pilot.click("#yes")
        await settle(app)
        await pilot.pause()
        assert len(backend.executed) == 1
        assert backend.executed[0].reason == "ticket 123"
        events = [r.event for r in backend.audited]
        assert events == [AuditEvent.REQUESTED, AuditEvent.OK]
        assert backend.audited[0].action_id == backend.audited[1].action_id
        assert backend.audited[0].reason == "ticket 123"
        assert backend.audited[1].duration_ms is not None
        assert finished and finished[-1].outcome is not None


async def test_read_only_refuses_before_any_confirmation() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(UNLOCK)
        await settle(app)
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]


async def test_high_risk_needs_the_target_typed() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(TERMINATE)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        yes = screen.query_one("#yes")
        assert yes.disabled
        await pilot.click("#challenge")
        await pilot.press(*"pid 424")
        assert yes.disabled  # almost is not enough
        await pilot.press("2")
        assert not yes.disabled
        await pilot.click("#yes")
        await settle(app)
        assert [r.target for r in backend.executed] == ["pid 4242"]


async def test_required_reason_blocks_yes() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    request = _with_reason_required(UNLOCK)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(request)
        await pilot.pause()
        yes = app.screen.query_one("#yes")
        assert yes.disabled
        await pilot.click("#reason")
        await pilot.press(*"incident 7")
        assert not yes.disabled


async def test_audit_failure_blocks_the_action() -> None:
    backend = FakeBackend()
    backend.audit_fails = True
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(UNLOCK)
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        assert "audit trail" in app.screen.message
        assert backend.executed == []


async def test_executor_error_is_shown_and_audited() -> None:
    backend = FakeBackend()
    backend.outcome = ActionOutcome(OutcomeStatus.ERROR, "permission denied to signal pid 4242")
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        panel(app).request_action(UNLOCK)
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        assert [r.event for r in backend.audited] == [AuditEvent.REQUESTED, AuditEvent.ERROR]


def _with_reason_required(request: ActionRequest) -> ActionRequest:
    import dataclasses

    return dataclasses.replace(request, reason_required=True)


def _collect(into: list[PanelScreen.ActionFinished]):  # type: ignore[no-untyped-def]
    def hook(message: object) -> None:
        if isinstance(message, PanelScreen.ActionFinished):
            into.append(message)

    return hook
