"""The Scripts screen with a fake backend: list, pages, filters, similar, detail, actions."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static

from psadmin.app import PsadminApp
from psadmin.models.audit import AuditEvent
from psadmin.models.errors import BackendError
from psadmin.models.scripts import ScriptSort
from psadmin.models.vectors import DEFAULT_EF_SEARCH
from screens.confirm import ConfirmScreen
from screens.script_detail import ScriptDetailScreen
from screens.scripts import ScriptsScreen, step_ef_search
from tests.ui.fakes import FakeBackend
from widgets.code_view import CodeView
from widgets.keyed_table import KeyedTable
from widgets.status_bar import StatusBar

PilotT = Pilot[None]


async def settle(app: PsadminApp, pilot: PilotT) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_scripts(app: PsadminApp, pilot: PilotT) -> ScriptsScreen:
    await pilot.press("7")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ScriptsScreen)
    return screen


def keys(screen: ScriptsScreen, table: str = "#scripts-table") -> list[object]:
    return screen.query_one(table, KeyedTable).row_keys


def text(screen: ScriptsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_first_page_health_and_no_requery_on_ticks() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        assert keys(screen)[:3] == [120, 119, 118]
        assert len(keys(screen)) == 50
        assert "all scripts · newest first · page 1 · more" in text(screen, "#scripts-summary")
        health = text(screen, "#vector-health")
        assert "115/120 embedded" in health and "5 missing" in health
        assert "script_embeddings_idx hnsw m=16, ef_construction=64" in health
        assert "ef_search 64 (server 40)" in health
        for _ in range(3):
            screen.tick()
            await settle(app, pilot)
        assert backend.calls.count("scripts_page") == 1  # the list is read on demand only
        assert backend.calls.count("vector_health") == 1
        assert backend.calls.count("index_builds") >= 3  # progress is followed every tick
        await pilot.press("r")
        await settle(app, pilot)
        assert backend.calls.count("scripts_page") == 2
        assert backend.calls.count("vector_health") == 2


async def test_keyset_pages_forward_and_back() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert keys(screen)[0] == 70 and keys(screen)[-1] == 21
        assert "page 2" in text(screen, "#scripts-summary")
        assert backend.scripts.queries[-1].after is not None
        assert backend.scripts.queries[-1].after.id == 71
        await pilot.press("n")
        await settle(app, pilot)
        assert keys(screen) == list(range(20, 0, -1))
        await pilot.press("n")  # last page: nothing asked
        await settle(app, pilot)
        assert len(backend.scripts.queries) == 3
        await pilot.press("p")
        await settle(app, pilot)
        assert keys(screen)[0] == 70 and backend.scripts.queries[-1].before is not None
        await pilot.press("g")
        await settle(app, pilot)
        assert keys(screen)[0] == 120
        assert "page 1" in text(screen, "#scripts-summary")


async def test_filter_applies_on_enter_and_bad_filter_is_refused() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("slash")
        await pilot.press(*'cat:"backup & recovery" public:yes')
        await settle(app, pilot)
        assert backend.calls.count("scripts_page") == 1  # nothing until enter
        await pilot.press("enter")
        await settle(app, pilot)
        wanted = backend.scripts.queries[-1].filter
        assert wanted.category == "backup & recovery" and wanted.public is True
        assert all(k % 3 == 1 and k % 2 == 0 for k in keys(screen))  # type: ignore[operator]
        assert "category backup & recovery, public" in text(screen, "#scripts-summary")
        await pilot.press("slash")
        box = screen.query_one("#scripts-filter", Input)
        box.value = 'cat:"unbalanced'
        await pilot.press("enter")
        await settle(app, pilot)
        assert "unbalanced quotes" in str(box.border_subtitle)
        assert backend.calls.count("scripts_page") == 2


async def test_sort_cycles_and_starts_again() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("n", "s", "s")
        await settle(app, pilot)
        query = backend.scripts.queries[-1]
        assert query.sort is ScriptSort.TITLE and query.after is None
        assert keys(screen)[:2] == [1, 2]
        assert "title A→Z · page 1" in text(screen, "#scripts-summary")


async def test_find_similar_category_and_ef_search() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("down", "m")  # script 119
        await settle(app, pilot)
        similar = keys(screen, "#similar-table")
        assert len(similar) == 10 and 119 not in similar
        table = screen.query_one("#similar-table", KeyedTable)
        assert "Similar to #119 · top 10 · all categories" in str(table.border_title)
        assert "script_embeddings_idx · ef_search 64" in str(table.border_subtitle)
        await pilot.press("c")
        await settle(app, pilot)
        query = backend.scripts.similar_queries[-1]
        assert query.same_category and query.script_id == 119
        assert all(k % 3 == 119 % 3 for k in keys(screen, "#similar-table"))  # type: ignore[operator]
        await pilot.press("plus")
        await settle(app, pilot)
        assert backend.scripts.similar_queries[-1].ef_search == 100
        assert "ef_search 100" in text(screen, "#vector-health")
        assert backend.calls.count("scripts_page") == 1  # similar never re-reads the list


def test_ef_search_steps() -> None:
    assert step_ef_search(DEFAULT_EF_SEARCH, 1) == 100
    assert step_ef_search(DEFAULT_EF_SEARCH, -1) == 40
    assert step_ef_search(100, 1) == 200
    assert step_ef_search(100, -1) == 64
    assert step_ef_search(1000, 1) == 1000
    assert step_ef_search(40, -1) == 40
    assert step_ef_search(150, -1) == 100


async def test_similar_failure_is_shown_not_raised() -> None:
    backend = FakeBackend()
    backend.scripts.fail_similar = "script 120 has no embedding (Embed missing computes one)"
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        table = screen.query_one("#similar-table", KeyedTable)
        assert "has no embedding" in str(table.border_subtitle)
        assert table.row_keys == []


async def test_detail_shows_content_analysis_history_and_similar() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_scripts(app, pilot)
        await pilot.press("down", "down", "enter")  # script 118
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, ScriptDetailScreen)
        assert detail.script_id == 118
        meta = str(detail.query_one("#detail-meta", Static).render())
        assert "#118 Script 118" in meta and "embedding: none" in meta
        code = detail.query_one("#detail-code", CodeView)
        assert "Get-ADComputer" in code.code
        analysis = str(detail.query_one("#detail-analysis", Static).render())
        assert "Plain-text secret line 38" in analysis and "Add -WhatIf support." in analysis
        history = str(detail.query_one("#detail-history", Static).render())
        assert "Add CmdletBinding" in history and "success 80%" in history
        await pilot.press("m")
        await settle(app, pilot)
        similar = detail.query_one("#detail-similar", KeyedTable)
        assert 118 not in similar.row_keys and len(similar.row_keys) == 10
        await pilot.press("enter")  # the nearest one opens on top
        await settle(app, pilot)
        assert isinstance(app.screen, ScriptDetailScreen) and app.screen.script_id != 118
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ScriptsScreen)


async def test_embed_missing_goes_through_confirmation_and_audit() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_scripts(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        request = app.screen.request
        assert request.kind == "embed_missing" and request.params == {"limit": 5, "batch": 200}
        assert "5 scripts without an embedding" in request.target
        await pilot.click("#yes")
        await settle(app, pilot)
        assert [r.kind for r in backend.executed] == ["embed_missing"]
        assert [r.event for r in backend.audited] == [AuditEvent.REQUESTED, AuditEvent.OK]
        assert backend.calls.count("vector_health") == 2  # refreshed after the action


async def test_read_only_refuses_embedding_but_allows_recall_check() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_scripts(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        request = app.screen.request
        assert request.kind == "recall_check" and not request.needs_write
        assert request.params == {"k": 10, "samples": 10, "ef_search": DEFAULT_EF_SEARCH}
        await pilot.click("#yes")
        await settle(app, pilot)
        assert [r.kind for r in backend.executed] == ["recall_check"]


async def test_nothing_to_embed_is_said_not_asked() -> None:
    backend = FakeBackend()
    backend.scripts.missing = 0
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.screen is screen and backend.audited == []


async def test_load_error_shows_in_status_bar_and_keeps_running() -> None:
    backend = FakeBackend()
    backend.fail_with = BackendError('relation "scripts" does not exist')
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        assert "scripts" in (screen.context.state.error or "")
        assert screen.backoff_factor == 2
        screen.query_one(StatusBar)
        backend.fail_with = None
        screen.tick()
        await settle(app, pilot)
        assert keys(screen)[0] == 120 and screen.backoff_factor == 1


async def test_health_failure_does_not_hide_the_list() -> None:
    backend = FakeBackend()
    backend.scripts.health_error = BackendError("permission denied for table script_embeddings")
    app = PsadminApp(backend)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_scripts(app, pilot)
        assert keys(screen)[0] == 120
        assert "permission denied" in text(screen, "#vector-health")
        await pilot.press("e")
        await settle(app, pilot)
        assert backend.audited == []  # nothing to act on without health


async def test_fits_80_by_24() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_scripts(app, pilot)
        table = screen.query_one("#scripts-table", KeyedTable)
        assert table.size.height >= 5
        assert screen.query_one("#vector-health", Static).size.height >= 5
