"""Client CPU: what repaints on an idle second and on a refresh, and that it still tells the
truth (the data's age, the clock, the gauge, the lists, the chart)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Hashable, Iterable

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from textual.widgets._header import HeaderClock

from psadmin.app import PsadminApp
from psadmin.models.health import Level
from screens.base import PanelScreen
from screens.connections import CHART_EVERY, HISTORY_POINTS, ConnectionsScreen
from screens.overview import OverviewScreen
from screens.session_detail import SessionDetailScreen
from tests.ui.fakes import FakeBackend
from widgets.header_clock import MinuteClock, seconds_to_next_minute
from widgets.history_chart import HistoryChart
from widgets.key_footer import KeyFooter
from widgets.status_bar import StatusBar, StatusLine, freshness, next_change_s
from widgets.text_table import TextTable
from widgets.utilization_gauge import GaugeReading, UtilizationGauge


async def settle(app: PsadminApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_for_idle()


# -- the status bar: the data's age ---------------------------------------------------------


def test_age_words_change_only_once_the_data_is_stale() -> None:
    assert freshness(None, 2.0).plain == "waiting for data"
    fresh = {freshness(age, 2.0).plain for age in (0.0, 1.3, 2.9, 4.0)}
    assert fresh == {"refreshed <4s ago"}  # two refresh intervals: one late refresh is fine
    stale = freshness(9.2, 2.0)
    assert stale.plain == "STALE: refreshed 9s ago"
    assert "bold" in str(stale.style) and "yellow" in str(stale.style)
    assert freshness(5.0, 10.0).plain == "refreshed <20s ago"  # follows the interval


class StatusHost(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


def line(age: float | None, error: str | None = None) -> StatusLine:
    return StatusLine("db@host", "18.6", "psadmin", False, age, error, refresh_s=2.0)


async def test_status_bar_repaints_only_when_its_text_changes() -> None:
    app = StatusHost()
    async with app.run_test(size=(100, 3)):
        bar = app.query_one(StatusBar)
        updates: list[str] = []
        original = bar.update

        def spy(content: object = "", *, layout: bool = True) -> None:
            updates.append(str(content))
            original(content, layout=layout)  # type: ignore[arg-type]

        bar.update = spy  # type: ignore[method-assign]
        for age in (0.2, 1.2, 2.2, 3.2):  # what the once-a-second check sees while fresh
            bar.show(line(age))
        assert len(updates) == 1 and "refreshed <4s ago" in updates[0]
        for age in (5.1, 6.1):  # stale: the age counts up every second
            bar.show(line(age))
        assert [u.split("  ")[-1] for u in updates[1:]] == [
            "STALE: refreshed 5s ago",
            "STALE: refreshed 6s ago",
        ]
        bar.show(line(6.3, error="timeout"))  # an error shows at once
        assert "✖ timeout" in updates[-1] and len(updates) == 4


# -- the header clock and the status timer ----------------------------------------------------


def test_clock_turns_just_after_the_minute() -> None:
    assert abs(seconds_to_next_minute(120.0) - 60.05) < 1e-9
    assert abs(seconds_to_next_minute(179.5) - 0.55) < 1e-9


async def test_header_clock_shows_minutes_and_the_status_is_checked_only_when_shown() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app)
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        assert not overview.query(HeaderClock)  # Textual's clock repaints every second
        clock = overview.query_one(MinuteClock)
        assert re.fullmatch(r"\d\d:\d\d", str(clock.render()))
        assert overview._status_check is not None
        await pilot.press("2")
        await settle(app)
        await pilot.pause()
        connections = app.screen
        assert isinstance(connections, ConnectionsScreen)
        assert overview._status_check is None  # not drawn: its age need not be checked
        assert connections._status_check is not None
        await pilot.press("d")  # a modal over the list: the list's age stays visible
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
        assert connections._status_check is not None
        await pilot.press("escape")
        await pilot.pause()
        assert connections._status_check is not None
        await pilot.press("1")
        await settle(app)
        assert isinstance(app.screen, PanelScreen) and overview._status_check is not None
        assert connections._status_check is None


def test_the_status_is_looked_at_again_only_when_its_words_can_change() -> None:
    assert next_change_s(None, 2.0) is None  # "waiting for data" until data comes
    assert next_change_s(0.0, 2.0) == pytest.approx(4.05)  # fresh: just past the stale limit
    assert next_change_s(3.0, 2.0) == pytest.approx(1.05)
    assert next_change_s(4.0, 2.0) == pytest.approx(0.05)
    assert freshness(4.0 + 0.05, 2.0).plain.startswith("STALE")  # and then it is stale
    assert next_change_s(5.3, 2.0) == pytest.approx(0.75)  # stale: on each whole second
    assert next_change_s(1.0, 10.0) == pytest.approx(19.05)


async def test_fresh_data_turns_stale_on_screen_without_a_refresh() -> None:
    backend = FakeBackend()
    app = PsadminApp(backend, refresh_s=0.2)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, PanelScreen)
        bar = screen.query_one(StatusBar)
        assert "refreshed <0.4s ago" in str(bar.render())
        screen._timer.stop()  # type: ignore[attr-defined]  # no more refreshes
        handle = screen._status_check
        assert handle is not None
        when = handle.when()
        for _ in range(200):  # the check fires when the data turns stale
            if screen._status_check is not handle:
                break
            await pilot.pause(0.05)
        assert asyncio.get_running_loop().time() >= when
        assert "STALE: refreshed" in str(bar.render())


# -- the gauge: only the lines that changed ---------------------------------------------------


class GaugeHost(App[None]):
    def compose(self) -> ComposeResult:
        yield UtilizationGauge("Utilization")


READING = GaugeReading(
    used=10,
    capacity=97,
    threshold=0.8,
    level=Level.OK,
    caption="10/97 · 10.3 %",
    lines=("target < 80%", "active 1 · idle 9", "psadmin 1"),
)


def painted(gauge: UtilizationGauge) -> list[str]:
    return [gauge.render_line(y).text.rstrip() for y in range(gauge.content_size.height)]


async def test_gauge_repaints_only_the_lines_that_changed() -> None:
    app = GaugeHost()
    async with app.run_test(size=(40, 9)) as pilot:
        gauge = app.query_one(UtilizationGauge)
        gauge.show(READING)
        await pilot.pause()
        width = gauge.content_size.width
        shown = painted(gauge)
        assert shown[0].count("│") == 1 and shown[0].startswith("█")
        assert shown[1:5] == ["10/97 · 10.3 %", "target < 80%", "active 1 · idle 9", "psadmin 1"]
        regions: list[tuple[Region, ...]] = []
        original = gauge.refresh

        def spy(*args: Region, **kwargs: bool) -> UtilizationGauge:
            regions.append(args)
            return original(*args, **kwargs)

        gauge.refresh = spy  # type: ignore[method-assign]
        gauge.show(
            dataclasses.replace(READING, lines=("target < 80%", "active 3 · idle 7", "psadmin 1"))
        )
        assert regions == [(Region(0, 3, width, 1),)]  # the states line, nothing else
        assert painted(gauge)[3] == "active 3 · idle 7"
        regions.clear()
        gauge.show(dataclasses.replace(READING, used=80, caption="80/97 · 82.5 %"))
        assert len(regions) == 1  # one refresh call for the three lines
        assert [r.y for r in regions[0]] == [0, 1, 3]  # bar, caption, and the states back
        filled = painted(gauge)[0]
        assert filled.count("█") > shown[0].count("█")


# -- the session list: a reorder repaints only the lines that moved ---------------------------


class TableHost(App[None]):
    def compose(self) -> ComposeResult:
        yield TextTable((("name", "Name"), ("n", "N")), id="t")


def table_rows(order: list[str]) -> list[tuple[Hashable, tuple[str, int]]]:
    return [(name, (name, 1)) for name in order]


async def test_reorder_repaints_only_the_lines_whose_row_changed() -> None:
    app = TableHost()
    async with app.run_test(size=(30, 10)) as pilot:
        table = app.query_one(TextTable)
        table.show(table_rows(["a", "b", "c", "d"]))
        await pilot.pause()
        repainted: list[int] = []
        original = table._refresh_rows

        def spy(indexes: Iterable[int]) -> None:
            indexes = list(indexes)
            repainted.extend(indexes)
            original(indexes)

        table._refresh_rows = spy  # type: ignore[method-assign]
        table.show(table_rows(["a", "c", "b", "d"]))  # b and c swap (sorted by a live age)
        assert sorted(set(repainted)) == [1, 2]  # the two moved lines; the cursor stays on a
        await pilot.pause()
        assert [table.render_line(y).text.split()[0] for y in (1, 2, 3, 4)] == ["a", "c", "b", "d"]
        repainted.clear()
        table.show(table_rows(["a", "c"]))  # two rows gone: their lines are blanked
        assert {2, 3} <= set(repainted) and 1 not in repainted
        await pilot.pause()
        assert table.render_line(3).text.strip() == ""


# -- the chart: no plotext redraw while the picture cannot change ------------------------------


async def test_chart_is_not_redrawn_while_a_full_history_stays_the_same() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, ConnectionsScreen)
        chart = screen.query_one("#chart", HistoryChart)
        drawn: list[tuple[float | None, ...]] = []
        original = chart.show

        def spy(values: tuple[float | None, ...], interval_s: float) -> None:
            drawn.append(tuple(values))
            original(values, interval_s)

        chart.show = spy  # type: ignore[method-assign]
        screen.history.extend([12.0] * HISTORY_POINTS)
        for _ in range(12):  # a steady pool, tick after tick
            screen.history.append(12.0)
            screen._draw_chart()
        assert len(drawn) == 1 and drawn[0] == (12.0,) * HISTORY_POINTS
        screen.history.append(30.0)  # a change the line can show is drawn at once
        screen._draw_chart()
        assert len(drawn) == 2 and drawn[-1][-1] == 30.0
        assert "now 30.0 %" in str(chart.border_subtitle)
        dot = chart.dot_value()
        assert dot is not None and dot / 2 > 1.0  # 3 plot rows of 4 dots for 0-100 %
        screen.history.append(31.0)  # less than a dot: said in the frame, not yet drawn
        screen._draw_chart()
        assert len(drawn) == 2 and "now 31.0 %" in str(chart.border_subtitle)
        for _ in range(CHART_EVERY - 1):
            screen.history.append(31.0)
            screen._draw_chart()
        assert len(drawn) == 3 and drawn[-1][-1] == 31.0  # the line catches up within a column
        screen.history.append(None)  # a failed refresh: a gap, drawn at once, said as such
        screen._draw_chart()
        assert len(drawn) == 4 and "no data now" in str(chart.border_subtitle)


# -- the footer: rebuilt only when the keys it shows change ---------------------------------


async def test_footer_is_rebuilt_once_per_change_of_its_keys() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await settle(app)
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert footer.rebuilds == 1  # Textual alone rebuilt it at every bindings update
        keys = {key.description for key in footer.query(FooterKey)}
        assert {"Quit", "Connections"} <= keys
        for _ in range(3):
            app.screen.refresh_bindings()
        await pilot.pause()
        assert footer.rebuilds == 1
        app.screen.query_one("#filter", Input).focus()  # the active bindings change with focus
        await pilot.pause()
        shown = {key.description for key in footer.query(FooterKey)}
        expected = {
            binding.description
            for _, binding, _, _ in app.screen.active_bindings.values()
            if binding.show
        }
        assert shown - {"palette"} == expected != keys - {"palette"}
        assert footer.rebuilds == 2
