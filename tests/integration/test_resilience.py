"""The TUI against servers that go away and come back: banner, no traceback, recovery."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from psadmin.app import PsadminApp
from psadmin.backend import LiveBackend
from psadmin.demo.servers import DEBIAN_PG15_BIN, PostgresCluster, RedisServer
from screens.overview import OverviewScreen
from tests.integration.helpers import settings_for
from widgets.banner import Banner
from widgets.metric_tile import MetricTile


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 30.0
) -> None:
    """Let the app run until a real condition holds (bounded; not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def test_postgres_restart_shows_banner_and_reconnects(tmp_path: Path) -> None:
    cluster = PostgresCluster(DEBIAN_PG15_BIN, tmp_path / "pg", preload=())
    cluster.start()
    app = PsadminApp(LiveBackend(settings_for(cluster.dsn())), refresh_s=0.3)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, OverviewScreen)
            banner = screen.query_one(Banner)
            await until(pilot, lambda: screen.previous is not None, "the first sample")
            cluster.stop()
            await until(pilot, lambda: banner.has_class("-shown"), "the connection-lost banner")
            assert "Connection lost" in str(banner.render())
            lost_at = screen.previous
            cluster.start()  # same port, as a restarted server would be
            await until(pilot, lambda: not banner.has_class("-shown"), "the reconnect")
            await until(pilot, lambda: screen.previous is not lost_at, "a fresh sample")
            assert app.is_running
    finally:
        cluster.stop()


async def test_redis_stop_and_start_is_reported_and_recovered(
    tmp_path: Path, pg15: PostgresCluster
) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    app = PsadminApp(LiveBackend(settings_for(pg15.dsn(), redis.url)), refresh_s=0.3)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, OverviewScreen)
            tile = screen.query_one("#tile-redis_memory", MetricTile)
            await until(
                pilot,
                lambda: "MB" in str(tile.render()) or "kB" in str(tile.render()),
                "Redis memory to show",
            )
            redis.stop()
            await until(pilot, lambda: "unavailable" in str(tile.render()), "Redis to be down")
            assert "Redis unreachable" in str(tile.render())
            connections = screen.query_one("#tile-connections", MetricTile)
            assert "/97" in str(connections.render())  # PostgreSQL figures keep coming
            redis.start()
            await until(pilot, lambda: "unavailable" not in str(tile.render()), "Redis back")
    finally:
        redis.stop()
