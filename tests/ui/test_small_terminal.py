"""Every screen at 80x24 (the smallest terminal an SSH session is likely to have): its data is
visible, nothing spills past the edges, and the status bar still shows."""

from __future__ import annotations

import pytest
from textual.widget import Widget
from textual.widgets import DataTable

from psadmin.app import PsadminApp
from screens.registry import PANELS
from tests.ui.fakes import FakeBackend
from tests.ui.test_shell import wait_loaded
from widgets.metric_tile import MetricTile
from widgets.status_bar import StatusBar
from widgets.text_table import TextTable


def data_widgets(app: PsadminApp) -> list[Widget]:
    found: list[Widget] = [
        *app.screen.query(DataTable),
        *app.screen.query(TextTable),
        *app.screen.query(MetricTile),
    ]
    return [w for w in found if w.display and w.region.area > 0]


@pytest.mark.parametrize("key", [spec.key for spec in PANELS])
async def test_every_screen_is_usable_at_80x24(key: str) -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await wait_loaded(app)
        await pilot.pause()
        shown = data_widgets(app)
        assert shown, f"screen {key}: no table or figure is visible at 80x24"
        assert max(w.region.height for w in shown) >= 3, f"screen {key}: data squeezed away"
        for widget in (*shown, app.screen.query_one(StatusBar)):
            region = widget.region
            assert region.right <= 80 and region.bottom <= 24, (key, widget, region)
        status = app.screen.query_one(StatusBar).region
        assert status.height >= 1 and status.bottom <= 24
