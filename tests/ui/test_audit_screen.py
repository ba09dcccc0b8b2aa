"""The Audit screen with a fake backend: newest first, filter, refresh after actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from psadmin.app import PsadminApp
from psadmin.models.audit import AuditEvent, AuditRecord
from screens.audit import AuditScreen
from tests.ui.fakes import FakeBackend
from widgets.keyed_table import KeyedTable

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def record(i: int, event: AuditEvent, target: str) -> AuditRecord:
    return AuditRecord(
        action_id=f"a{i}",
        at=T0 + timedelta(minutes=i),
        event=event,
        action="unlock_user",
        target=target,
        os_user="ops",
        db_role="psadmin",
        server="postgresql://psadmin@db/ps",
        reason="incident 7" if i % 2 else None,
    )


async def test_records_newest_first_and_filter() -> None:
    backend = FakeBackend()
    backend.audited = [
        record(1, AuditEvent.REQUESTED, "user alice"),
        record(1, AuditEvent.OK, "user alice"),
        record(2, AuditEvent.DECLINED, "user bob"),
    ]
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("9")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(KeyedTable)
        assert table.row_keys == [("a2", "declined"), ("a1", "ok"), ("a1", "requested")]
        await pilot.press("slash")
        await pilot.press(*"bob")
        await pilot.pause()
        assert table.row_keys == [("a2", "declined")]
        assert "1 of 3" in str(screen.query_one("#audit-summary").render())
