"""The Indexes screen with a fake backend: tables, audit cadence, copy, bloat, create index."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from psadmin.app import PsadminApp
from psadmin.models.actions import Risk
from psadmin.models.audit import AuditEvent
from screens.confirm import ConfirmScreen
from screens.indexes import IndexesScreen
from screens.indexes_cells import MAX_ROWS
from tests.ui.fake_indexes import (
    DUPLICATE_FINDING,
    FK_FINDING,
    KB,
    T0,
    UNUSED_FINDING,
    index,
)
from tests.ui.fakes import FakeBackend
from widgets.keyed_table import KeyedTable

PilotApp = Pilot[None]


async def settle(app: PsadminApp, pilot: PilotApp) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def settle_loads(app: PsadminApp, pilot: PilotApp) -> None:
    """Wait for the screens' loads only (an admin action may still be running)."""
    loads = [w for w in app.workers if w.group == "load"]
    if loads:  # an empty list would mean "every worker", the blocked action included
        await app.workers.wait_for_complete(loads)
    await pilot.pause()


async def open_indexes(app: PsadminApp, pilot: PilotApp) -> IndexesScreen:
    await pilot.press("4")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, IndexesScreen)
    return screen


def table(screen: IndexesScreen, selector: str) -> KeyedTable:
    return screen.query_one(selector, KeyedTable)


def text_of(screen: IndexesScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def select_finding(screen: IndexesScreen, pilot: PilotApp, key: str) -> None:
    findings = table(screen, "#findings-table")
    findings.focus()
    findings.move_cursor(row=findings.row_keys.index(key))
    await pilot.pause()
    finding = screen.selected_finding()
    assert finding is not None and finding.key == key


async def test_opens_on_findings_with_usage_and_seq_scans() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        findings = table(screen, "#findings-table")
        assert findings.row_keys[0] == "schema_drift:users:column:last_login_at"  # worst first
        assert len(findings.row_keys) == 4
        assert str(findings.get_cell(FK_FINDING.key, "kind")) == "fk_without_index"
        summary = text_of(screen, "#summary")
        assert "4 indexes" in summary and "statistics reset 3d 0h 0m ago" in summary
        assert "4 findings (1 critical, 2 warning, 1 info)" in summary
        assert "1 suppressed" in summary and "PSScript schema public" in summary
        usage = table(screen, "#usage-table")
        assert usage.row_keys[:2] == ["public.idx_users_email", "public.users_email_key"]
        assert str(usage.get_cell("public.users_pkey", "flags")) == "primary"
        assert str(usage.get_cell("public.idx_scripts_user", "hit")) == "90.0 %"
        assert str(usage.get_cell("public.idx_scripts_user", "last")) == "5m 0s ago"
        assert table(screen, "#seq-table").row_keys == ["public.scripts"]
        assert "last_login_at" in text_of(screen, "#finding-detail")
        await pilot.press("u")
        assert screen.query_one("#tabs", TabbedContent).active == "usage"
        assert screen.focused is usage
        await pilot.press("t")
        assert screen.focused is table(screen, "#seq-table")


async def test_audit_runs_on_open_and_on_demand_not_every_tick() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        assert backend.calls.count("index_audit") == 1
        for _ in range(3):
            screen.tick()
            await settle(app, pilot)
        assert backend.calls.count("index_usage") == 1  # catalog and sizes, on open
        assert "index_counters" not in backend.calls  # counters: every 10 s at most
        screen.usage_every_s = 0
        for _ in range(3):
            screen.tick()
            await settle(app, pilot)
        assert backend.calls.count("index_counters") >= 3
        assert backend.calls.count("index_usage") == 1  # sizes: every minute at most
        assert backend.calls.count("index_audit") == 1
        assert "index_builds" not in backend.calls  # nothing is being built
        backend.indexes.findings = (DUPLICATE_FINDING,)
        await pilot.press("a")
        await settle(app, pilot)
        assert backend.calls.count("index_audit") == 2
        assert backend.calls.count("index_usage") == 2  # the audit re-reads the index list too
        assert table(screen, "#findings-table").row_keys == [DUPLICATE_FINDING.key]


async def test_copy_puts_the_remediation_on_the_clipboard() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        await select_finding(screen, pilot, DUPLICATE_FINDING.key)
        assert "DROP INDEX CONCURRENTLY public.idx_users_email" in text_of(
            screen, "#finding-detail"
        )
        await pilot.press("y")
        assert app.clipboard == DUPLICATE_FINDING.remediation


async def test_create_index_confirms_by_name_and_shows_progress_until_done() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        await select_finding(screen, pilot, FK_FINDING.key)
        await pilot.press("c")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        request = confirm.request
        assert request.kind == "create_index" and request.risk is Risk.HIGH
        assert request.challenge == "script_tags_tag_id_idx"
        assert request.statement == FK_FINDING.remediation
        assert request.params["columns"] == ["tag_id"] and request.params["table"] == "script_tags"
        assert confirm.query_one("#yes").disabled
        await pilot.click("#challenge")
        await pilot.press(*"script_tags_tag_id_idx")
        await pilot.click("#yes")
        await backend.indexes.started.wait()
        await settle_loads(app, pilot)
        assert app.screen is screen
        screen.tick()
        await settle_loads(app, pilot)
        progress = screen.query_one("#progress", Static)
        assert progress.has_class("-shown")
        assert "building index: scanning table 30%" in text_of(screen, "#progress")
        audits = backend.calls.count("index_audit")
        backend.indexes.release.set()
        await settle(app, pilot)
        await settle(app, pilot)
        assert not progress.has_class("-shown")
        assert backend.calls.count("index_audit") == audits + 1  # re-audited after the build
        assert FK_FINDING.key not in table(screen, "#findings-table").row_keys
        # the index list is re-read with the audit, so the new index is listed with its size
        new = table(screen, "#usage-table").get_cell("public.script_tags_tag_id_idx", "size")
        assert str(new) == "16.0 kB"
        assert "5 indexes" in text_of(screen, "#summary")
        events = [r.event for r in backend.audited]
        assert events == [AuditEvent.REQUESTED, AuditEvent.OK]


async def test_findings_without_an_index_fix_and_read_only_mode_build_nothing() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        await select_finding(screen, pilot, DUPLICATE_FINDING.key)
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is screen  # nothing to confirm: this finding is not an index build
        await select_finding(screen, pilot, FK_FINDING.key)
        await pilot.press("c")
        await settle(app, pilot)
        assert app.screen is screen  # refused before any confirmation
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]
        assert screen.building is None
        assert not screen.query_one("#progress", Static).has_class("-shown")


async def test_bloat_on_demand_sort_and_filter() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        usage = table(screen, "#usage-table")
        assert str(usage.get_cell("public.idx_users_email", "bloat")) == "—"
        assert "index_bloat" not in backend.calls
        await pilot.press("b")
        await settle(app, pilot)
        assert backend.calls.count("index_bloat") == 1
        assert str(usage.get_cell("public.idx_users_email", "bloat")) == "41.7 % · 40.0 kB"
        await pilot.press("s")  # size -> scans
        assert usage.row_keys[0] == "public.idx_users_email"  # 0 scans first
        await pilot.press("slash")
        await pilot.press(*"scripts")
        assert usage.row_keys == ["public.idx_scripts_user"]
        assert table(screen, "#findings-table").row_keys == []
        await pilot.press("enter")
        assert screen.focused is usage


async def test_long_lists_show_the_first_rows_and_say_how_many_there_are() -> None:
    backend = FakeBackend()
    backend.indexes.findings = tuple(
        dataclasses.replace(UNUSED_FINDING, key=f"unused_index:public.i{n:04d}", object=f"i{n}")
        for n in range(MAX_ROWS + 20)
    )
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        findings = table(screen, "#findings-table")
        assert len(findings.row_keys) == MAX_ROWS
        assert findings.border_title == f"findings: {MAX_ROWS} of {MAX_ROWS + 20} (/ to narrow)"
        await pilot.press("slash", *"i0519")
        assert findings.row_keys == ["unused_index:public.i0519"]
        assert findings.border_title == "findings: 1"


async def test_refresh_reads_counters_on_the_known_list_and_sizes_every_minute() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_indexes(app, pilot)
        usage = table(screen, "#usage-table")
        assert str(usage.get_cell("public.idx_users_email", "size")) == "96.0 kB"
        assert "old)" not in text_of(screen, "#summary")  # list, sizes and counters read together
        # meanwhile, in the database: an index grew and was scanned, one was created, one dropped
        fake = backend.indexes
        grown = next(i for i in fake.rows if i.name == "idx_users_email")
        fake.rows = [
            dataclasses.replace(grown, size_bytes=200 * KB, scans=7) if i is grown else i
            for i in fake.rows
            if i.name != "idx_scripts_user"
        ] + [index(16600, "idx_users_new", "users", 8, 0)]
        fake.now = T0 + timedelta(seconds=48)
        screen.usage_every_s = 0
        screen.tick()
        await settle(app, pilot)
        assert "index_counters" in backend.calls
        assert backend.calls.count("index_usage") == 1
        assert str(usage.get_cell("public.idx_users_email", "scans")) == "7"  # counters: fresh
        assert str(usage.get_cell("public.idx_users_email", "size")) == "96.0 kB"  # size: kept
        assert "public.idx_scripts_user" not in usage.row_keys  # dropped: gone at once
        assert "public.idx_users_new" not in usage.row_keys  # created: at the next catalog read
        summary = text_of(screen, "#summary")
        assert "3 indexes" in summary and "(list and sizes 48.0 s old)" in summary
        screen.catalog_every_s = 0  # a minute has passed
        screen.tick()
        await settle(app, pilot)
        assert backend.calls.count("index_usage") == 2
        assert str(usage.get_cell("public.idx_users_email", "size")) == "200.0 kB"
        assert "public.idx_users_new" in usage.row_keys
        summary = text_of(screen, "#summary")
        assert "4 indexes" in summary and "old)" not in summary
