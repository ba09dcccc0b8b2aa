"""CroppedCompositor: every line a partial update draws is what Textual's compositor draws."""

from __future__ import annotations

import random

from textual._compositor import Compositor
from textual.geometry import Region

from psadmin.app import PsadminApp
from screens.connections import ConnectionsScreen
from screens.cropped_compositor import CroppedCompositor
from tests.ui.fakes import FakeBackend
from widgets.text_table import TextTable

Drawn = dict[tuple[int, int], tuple[tuple[str, object], ...] | None]


def draw(compositor: Compositor, regions: list[Region], size: Region) -> Drawn:
    """The (line, cut) pieces a partial update of ``regions`` paints, with their styles."""
    crop = Region.from_union(regions).intersection(size)
    lines = {y for y, _, _ in compositor._regions_to_spans(regions)}
    chops = compositor._render_chops(crop, lines.__contains__)
    return {
        (y, cut): None if strip is None else tuple((seg.text, seg.style) for seg in strip)
        for y in sorted(lines)
        for cut, strip in chops[y].items()
    }


async def test_partial_updates_draw_what_textual_draws() -> None:
    app = PsadminApp(FakeBackend())
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConnectionsScreen)
        compositor = screen._compositor
        assert type(compositor) is CroppedCompositor
        sessions = screen.query_one("#sessions", TextTable)
        sessions.scroll_to(y=3, animate=False, immediate=True)  # a list scrolled part-way
        await pilot.pause()
        size = compositor.size.region
        rng = random.Random(7)
        cases = [
            [sessions.region],
            [Region(2, 14, 80, 3), screen.query_one("#chart").region],  # far apart
            [Region(0, 0, 140, 1), Region(5, 38, 30, 1)],  # top and bottom rows
        ]
        for _ in range(30):
            cases.append(
                [
                    Region(rng.randrange(140), rng.randrange(40), rng.randint(1, 60), 1)
                    for _ in range(rng.randint(1, 4))
                ]
            )
        for regions in cases:
            ours = draw(compositor, regions, size)
            compositor.__class__ = Compositor  # the same state, Textual's own renders
            try:
                theirs = draw(compositor, regions, size)
            finally:
                compositor.__class__ = CroppedCompositor
            painted = {key for key, piece in theirs.items() if piece is not None}
            assert painted, regions
            assert ours == theirs, regions
