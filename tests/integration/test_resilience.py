"""The TUI against servers that go away and come back: banner, no traceback, recovery."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from textual.pilot import Pilot

from psadmin.app import PsadminApp
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import DEBIAN_PG15_BIN, PostgresCluster, RedisServer
from screens.overview import OverviewScreen
from screens.users import UsersScreen
from tests.integration.helpers import settings_for
from tests.integration.users_data import create_users_table
from widgets.banner import Banner
from widgets.metric_tile import MetricTile
from widgets.status_bar import StatusBar


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


async def test_a_panel_hitting_statement_timeout_says_so_and_the_others_refresh(
    pg15: PostgresCluster, fresh_database: Callable[[PostgresCluster, str], str], tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "panel_timeout")
    create_users_table(dsn)
    # A lock that makes the Users panel's read wait: with lock_timeout far away, the
    # statement_timeout is what ends it.
    profile = Profile(statement_timeout_ms=300, lock_timeout_ms=60_000, audit_file=tmp_path / "a")
    app = PsadminApp(LiveBackend(settings_for(dsn, profile=profile)), refresh_s=0.3)
    with psycopg.connect(dsn) as locker:
        locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        async with app.run_test(size=(100, 30)) as pilot:
            state = app.context.state
            await pilot.press("6")
            await until(pilot, lambda: "statement timeout" in (state.error or ""), "the timeout")
            status = app.screen.query_one(StatusBar)
            await until(pilot, lambda: "statement timeout" in str(status.render()), "the status")
            await pilot.press("1")  # the Overview does not touch users: it refreshes
            await until(pilot, lambda: state.error is None, "a good Overview refresh")
            locker.rollback()
            await pilot.press("6")
            users = app.screen
            assert isinstance(users, UsersScreen)
            await until(pilot, lambda: users.page is not None, "the Users panel to recover")
            assert state.error is None and app.is_running
