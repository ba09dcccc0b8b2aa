"""A compositor that renders, of each widget touched by an update, only the rows updated.

Textual's compositor repaints a partial update by asking every widget that overlaps the
update's bounding box for *all* of its lines, then keeps the lines that changed. The lines come
from caches, but each costs a loop turn, a filter and a strip, and the screen and its
containers (as tall as the screen) are asked too: on the Connections screen, where a few rows
of a list change per refresh, that was most of the compositor's time. Here a widget is asked
only for the rows of the bounding box, exactly as Textual asks a widget that is partly
scrolled out of view: same strips, same order, fewer lines.

Textual is pinned (pyproject), and tests/ui/test_cropped_compositor.py checks that every
updated line comes out as Textual's own compositor draws it.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class CroppedCompositor(Compositor):
    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:
            yield from super()._get_renders(crop)
            return
        crop_y, crop_height = crop.y, crop.height
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop.overlaps(clip):
                continue
            visible = clip.intersection(Region(clip.x, crop_y, clip.width, crop_height))
            x, y, width, height = region.intersection(visible)
            if width and height:
                lines = Region(x - region.x, y - region.y, width, height)
                yield region, visible, widget.render_lines(lines)
