"""The Cache screen with the fake backend: health, families, rescans, invalidation requests."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from psadmin.app import PsadminApp
from psadmin.models.actions import Risk
from psadmin.models.audit import AuditEvent
from psadmin.models.health import Level
from screens.base import PanelScreen
from screens.cache import CacheScreen
from screens.confirm import ConfirmScreen
from tests.ui.fakes import FakeBackend
from widgets.history_chart import HistoryChart
from widgets.keyed_table import KeyedTable
from widgets.metric_tile import MetricTile

Requests = list[PanelScreen.ActionRequested]


def collect(into: Requests) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        if isinstance(message, PanelScreen.ActionRequested):
            into.append(message)

    return hook


async def settle(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_for_idle()


async def open_cache(app: PsadminApp) -> CacheScreen:
    await app.workers.wait_for_complete()
    await app.switch_mode("cache")
    await settle(app)
    screen = app.screen
    assert isinstance(screen, CacheScreen)
    return screen


def tile(screen: CacheScreen, key: str) -> str:
    return str(screen.query_one(f"#tile-{key}", MetricTile).render())


def families(screen: CacheScreen) -> KeyedTable:
    return screen.query_one("#families-table", KeyedTable)


async def test_renders_health_with_interval_rates_and_the_families() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cache(app)
        screen.tick()  # a second reading makes interval rates possible
        await settle(app)
        await pilot.pause()
        assert "Redis 7.2.4" in tile(screen, "server") and "master" in tile(screen, "server")
        assert "95.0 %" in tile(screen, "hit_rate")  # 950 hits, 50 misses per interval
        assert screen.query_one("#tile-hit_rate", MetricTile).level is Level.OK
        assert "50.0 MB · 19.5 %" in tile(screen, "memory") and "headroom" in tile(screen, "memory")
        assert "50.0" in tile(screen, "ops")  # 100 commands per 2 s
        assert "11 clients, 1 blocked" in tile(screen, "ops")
        assert "not meaningful" in tile(screen, "fragmentation")
        assert "RDB ok · AOF off" in tile(screen, "persistence")
        assert "4 entries" in tile(screen, "slowlog")
        assert screen.query_one("#chart-hit_rate", HistoryChart).values[-1] == 95.0
        assert screen.query_one("#chart-memory", HistoryChart).values[-1] == 50.0
        table = families(screen)
        assert table.row_keys[:2] == ["script:{id}", "scripts:{page}:{limit}:{filters}"]
        assert "session:*" in table.row_keys
        script = [str(c) for c in table.get_row("script:{id}")]
        assert script[1] == "300" and script[4] == "10m00s"
        analysis = [str(c) for c in table.get_row("analysis:{scriptId}")]
        assert analysis[5] == "2" and "TTL expected" in analysis[6]
        assert "Scanned 363 keys" in str(screen.query_one("#scan-progress").render())
        assert backend.calls.count("scan_key_families") == 1  # scanned on open, not per tick


async def test_s_rescans_and_the_health_poll_does_not() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cache(app)
        screen.tick()
        await settle(app)
        assert backend.cache.scans == 1
        await pilot.press("s")
        await settle(app)
        await pilot.pause()
        assert backend.cache.scans == 2
        assert screen.scan is not None and screen.scan.done


async def test_d_on_a_family_requests_a_typed_confirmation_with_the_count() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: Requests = []
    async with app.run_test(size=(120, 40), message_hook=collect(requests)) as pilot:
        screen = await open_cache(app)
        await pilot.press("f")
        families(screen).focus()
        families(screen).move_cursor(row=0)
        await pilot.press("d")
        await pilot.pause()
        assert len(requests) == 1
        request = requests[0].request
        assert request.kind == "invalidate_family"
        assert request.risk is Risk.HIGH and request.confirm_text == "300"
        assert request.needs_write
        assert request.params["pattern"] == "script:*"
        assert "UNLINK" in request.statement and "MATCH script:*" in request.statement
        assert isinstance(app.screen, ConfirmScreen)


async def test_a_confirmed_family_invalidation_runs_once_and_rescans() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cache(app)
        await pilot.press("f")
        families(screen).focus()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.query_one("#yes").disabled  # until the count is typed
        await pilot.click("#challenge")
        await pilot.press(*"300")
        await pilot.click("#yes")
        await settle(app)
        await settle(app)
        await pilot.pause()
        assert [r.kind for r in backend.executed] == ["invalidate_family"]
        assert [r.event for r in backend.audited] == [AuditEvent.REQUESTED, AuditEvent.OK]
        assert backend.cache.scans == 2  # the counts changed: scanned again


async def test_d_on_a_sampled_key_and_a_typed_key_request_single_invalidations() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: Requests = []
    async with app.run_test(size=(120, 40), message_hook=collect(requests)) as pilot:
        screen = await open_cache(app)
        await pilot.press("f")
        keys = screen.query_one("#keys-table", KeyedTable)
        assert keys.row_keys == ["script:0", "script:1", "script:2"]  # samples of the family
        keys.focus()
        keys.move_cursor(row=1)
        await pilot.press("d")
        await pilot.pause()
        assert requests[-1].request.kind == "invalidate_key"
        assert requests[-1].request.params == {"key": "script:1"}
        assert requests[-1].request.risk is Risk.LOW
        await pilot.press("escape")  # decline the confirmation
        await settle(app)
        await pilot.press("k")
        await pilot.press(*"analysis:42", "enter")
        await pilot.pause()
        assert requests[-1].request.params == {"key": "analysis:42"}
        assert requests[-1].request.statement == "UNLINK analysis:42"


async def test_a_family_that_had_no_keys_is_not_requested() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    requests: Requests = []
    async with app.run_test(size=(120, 40), message_hook=collect(requests)) as pilot:
        screen = await open_cache(app)
        await pilot.press("f")
        table = families(screen)
        table.focus()
        table.move_cursor(row=table.row_keys.index("analytics:*"))
        await pilot.press("d")
        await pilot.pause()
        assert requests == []
        assert not isinstance(app.screen, ConfirmScreen)


async def test_read_only_refuses_an_invalidation_before_any_confirmation() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cache(app)
        await pilot.press("f")
        families(screen).focus()
        await pilot.press("d")
        await settle(app)
        assert not isinstance(app.screen, ConfirmScreen)
        assert backend.executed == []
        assert [r.event for r in backend.audited] == [AuditEvent.REFUSED]


async def test_redis_unavailable_shows_the_reason_and_recovers_with_a_rescan() -> None:
    backend = FakeBackend()
    backend.cache.reason = "Redis unreachable at redis://fake:6379/0: Connection refused"
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_cache(app)
        await pilot.pause()
        reason = screen.query_one("#cache-reason")
        assert reason.display and "Connection refused" in str(reason.render())
        assert "unavailable" in tile(screen, "memory")
        assert screen.query_one("#tile-memory", MetricTile).level is Level.UNKNOWN
        assert "Key scan failed" in str(screen.query_one("#scan-progress").render())
        assert app.is_running
        backend.cache.reason = None  # Redis is back: the next tick shows it and rescans
        screen.tick()
        await settle(app)
        await settle(app)
        await pilot.pause()
        assert not screen.query_one("#cache-reason").display
        assert "Redis 7.2.4" in tile(screen, "server")
        assert backend.cache.scans == 2
        assert "script:{id}" in families(screen).row_keys


async def test_usable_at_80x24() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(80, 24)):
        screen = await open_cache(app)
        for widget in screen.query(MetricTile):
            region = widget.region
            assert region.width > 0 and region.height > 0
            assert region.right <= 80 and region.bottom <= 24
