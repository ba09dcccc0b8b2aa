"""The app shell with a fake backend: screens, keys, palette, status bar, errors, back-off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot

from psadmin.app import PsadminApp
from psadmin.models.health import Level
from psadmin.models.redis import RedisStatus
from screens.base import PollingScreen
from screens.catalog import SCREENS, screen_class
from screens.overview import OverviewScreen
from screens.registry import PANELS
from tests.ui.fakes import FakeBackend, disconnected
from widgets.banner import Banner
from widgets.history_chart import HistoryChart
from widgets.metric_tile import MetricTile
from widgets.status_bar import StatusBar


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app process messages until ``condition`` holds."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never became true")


async def wait_loaded(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_for_idle()


def screen_of(app: PsadminApp) -> PollingScreen:
    screen = app.screen
    assert isinstance(screen, PollingScreen)
    return screen


class SlowRedisBackend(FakeBackend):
    def __init__(self) -> None:
        super().__init__()
        self.redis_answers = asyncio.Event()

    async def redis_status(self) -> RedisStatus:
        self.calls.append("redis_status asked")
        await self.redis_answers.wait()
        return await super().redis_status()


async def test_a_slow_redis_does_not_hold_back_the_server_figures() -> None:
    backend = SlowRedisBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        connections = app.screen.query_one("#tile-connections", MetricTile)
        redis_memory = app.screen.query_one("#tile-redis_memory", MetricTile)
        await until(pilot, lambda: "12/97" in str(connections.render()))
        screen_of(app).tick()
        await until(pilot, lambda: backend.calls.count("activity_sample") == 2)
        assert "50.0 MB" not in str(redis_memory.render())  # still waiting for Redis
        assert backend.calls.count("redis_status asked") == 1  # one read at a time
        backend.redis_answers.set()
        await until(pilot, lambda: "50.0 MB" in str(redis_memory.render()))


async def test_overview_shows_figures_from_the_backend() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app)
        await pilot.pause()  # Redis is first read once the server's figures are painted
        await wait_loaded(app)
        screen = screen_of(app)
        screen.tick()  # a second sample makes interval rates possible
        await wait_loaded(app)
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        tile = app.screen.query_one("#tile-connections", MetricTile)
        assert "12/97" in str(tile.render())
        assert tile.level is Level.OK
        tps = str(app.screen.query_one("#tile-tps", MetricTile).render())
        assert "50.0" in tps  # 100 transactions per 2 s sample
        assert "95.0 %" in str(app.screen.query_one("#tile-cache_hit", MetricTile).render())
        assert "90.0 %" in str(app.screen.query_one("#tile-redis_hit_rate", MetricTile).render())
        chart = app.screen.query_one("#chart-connections", HistoryChart)
        assert chart.values[-1] == 100 * 12 / 97
        status = str(app.screen.query_one(StatusBar).render())
        assert "psadmin@fake" in status and "PG 18.6" in status
        assert backend.calls.count("database_size") == 1  # sampled rarely, not every tick


async def test_connection_light_turns_amber_relative_to_max_connections() -> None:
    backend = FakeBackend()
    backend.connections = 80
    app = PsadminApp(backend)
    async with app.run_test(size=(120, 40)):
        await wait_loaded(app)
        assert app.screen.query_one("#tile-connections", MetricTile).level is Level.WARNING


async def test_number_keys_switch_to_every_screen() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        assert {spec.mode for spec in PANELS} == set(SCREENS)
        for spec in (*PANELS[1:], PANELS[0]):
            await pilot.press(spec.key)
            assert type(app.screen) is screen_class(spec.mode)


async def test_the_console_opens_on_the_screen_asked_for() -> None:
    app = PsadminApp(FakeBackend(), screen="connections")
    async with app.run_test(size=(100, 30)):
        assert type(app.screen) is screen_class("connections")


async def test_history_survives_switching_screens() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app)
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        points = len(overview.history["connections"])
        await pilot.press("3")
        await pilot.press("1")
        await wait_loaded(app)
        assert app.screen is overview
        assert len(overview.history["connections"]) > points


async def test_command_palette_lists_every_screen() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(100, 30)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for spec in PANELS:
            assert f"Go to {spec.title} ({spec.key})" in titles


async def test_poll_error_shows_banner_backs_off_and_recovers() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app)
        screen = screen_of(app)
        normal = screen.interval
        backend.fail_with = disconnected()
        screen.tick()
        await wait_loaded(app)
        await pilot.pause()
        assert screen.interval == 2 * normal
        banner = screen.query_one(Banner)
        assert banner.has_class("-shown")
        assert "Connection lost" in str(banner.render())
        assert "refused" in str(screen.query_one(StatusBar).render())
        assert app.is_running  # a poll error never ends the app
        backend.fail_with = None
        screen.tick()
        await wait_loaded(app)
        await pilot.pause()
        assert screen.interval == normal
        assert not screen.query_one(Banner).has_class("-shown")


async def test_unexpected_poll_exception_is_reported_not_fatal() -> None:
    backend = FakeBackend()

    async def broken() -> object:
        raise ValueError("boom")

    backend.activity_sample = broken  # type: ignore[method-assign]
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app)
        await pilot.pause()
        assert app.is_running
        assert "boom" in str(app.screen.query_one(StatusBar).render())


async def test_ticks_do_not_pile_up_while_a_load_runs() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)):
        await wait_loaded(app)
        screen = screen_of(app)
        before = backend.calls.count("activity_sample")
        screen.tick()
        screen.tick()  # the first load is still running: this one must not start another
        screen.tick()
        await wait_loaded(app)
        assert backend.calls.count("activity_sample") == before + 1


async def test_read_only_badge_and_quit_closes_backend() -> None:
    backend = FakeBackend(read_only=True)
    app = PsadminApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app)
        assert "READ-ONLY" in str(app.screen.query_one(StatusBar).render())
        await pilot.press("q")
    assert backend.closed


async def test_usable_at_80x24() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(80, 24)):
        await wait_loaded(app)
        for widget in (*app.screen.query(MetricTile), app.screen.query_one(StatusBar)):
            region = widget.region
            assert region.width > 0 and region.height > 0
            assert region.right <= 80 and region.bottom <= 24
