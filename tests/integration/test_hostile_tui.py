"""Hostile input typed (pasted) into every filter and search field of the TUI, against a real
PSScript database: the app keeps running, a refresh after the input succeeds or reports one
line, and no row changes. The action inputs (reasons, lock minutes, VACUUM options, EXPLAIN
parameters, cache keys) have their own hostile tests with the actions they feed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from psadmin.app import PsadminApp
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.seed import seed_database
from psadmin.demo.servers import PostgresCluster
from tests.conftest import new_database
from tests.integration.helpers import settings_for
from tests.integration.hostile_data import HOSTILE_TEXT, fingerprint

FIELDS = {  # screen key -> the Input on that screen
    "2": "#filter",  # Connections
    "3": "#tables-filter",
    "4": "#filter",  # Indexes
    "6": "#users-search",
    "7": "#scripts-filter",
    "9": "#audit-filter",
}
SERVER_SIDE = {"6", "7"}
"""Fields whose text goes to the server (the others filter rows already loaded)."""
PASTED = {
    name: HOSTILE_TEXT[name]
    for name in ("injection", "like mix", "unicode", "emoji", "escape sequence", "newline", "nul")
} | {
    "long": "x" * 2_000,  # the CLI test takes 20,000; an Input re-renders its whole value
    "filter syntax": 'cat:"unclosed sec>=-99999999999999999999 min:-5s state:',
    "huge number": "sec>=" + "9" * 400,
}


@pytest.fixture(scope="module")
def database(pg18: PostgresCluster) -> str:
    dsn = new_database(pg18, "hostile_tui")
    asyncio.run(seed_database(dsn, scripts=40, users=30, redis_url=None))
    return dsn


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


@pytest.mark.parametrize("key", list(FIELDS))
async def test_hostile_text_in_every_filter_field(key: str, database: str, tmp_path: Path) -> None:
    before = fingerprint(database)
    profile = Profile(audit_file=tmp_path / "audit.jsonl")
    app = PsadminApp(LiveBackend(settings_for(database, profile=profile)), refresh_s=0.3)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(key)
        screen = app.screen
        box = screen.query_one(FIELDS[key], Input)
        state = app.context.state
        for name, value in PASTED.items():
            started = time.monotonic()
            box.focus()
            box.value = value  # a paste: control characters and NUL included
            await pilot.press("enter")
            await until(
                pilot,
                lambda started=started: (
                    (state.last_refresh or 0) > started  # type: ignore[misc]
                    or state.error is not None
                ),
                f"a refresh after {name!r}",
            )
            assert app.is_running and app.screen is screen, name
            if state.error is not None:
                assert "\n" not in state.error and len(state.error) < 500, (name, state.error)
            box.value = ""
            await pilot.press("escape")
    assert fingerprint(database) == before
