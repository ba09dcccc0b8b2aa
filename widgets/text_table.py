"""A keyed table drawn as plain text lines, for lists that change on every refresh.

A DataTable re-renders every visible cell whenever one cell changes (its render caches are
keyed on a table-wide update counter). This widget keeps one rendered line per row and, on
each refresh, re-renders only the rows whose cells changed and repaints only those lines that
are on screen. The cursor follows its row's key across refreshes, reorders and removals.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text | int | float
GAP = 2
"""Spaces between columns."""


_GAP = Segment(" " * GAP)


def _fit(plain: str, width: int) -> str:
    """``plain`` cut with an ellipsis or padded to ``width`` cells, as Text.truncate does."""
    length = cell_len(plain)
    if length > width:
        return set_cell_size(plain, width - 1) + "…"
    return plain + " " * (width - length)


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


class TextTable(ScrollView, can_focus=True):
    """``show(rows)`` with the complete new rows each refresh; the header stays on top."""

    DEFAULT_CSS = """
    TextTable {
        height: 1fr;
        background: $surface;
    }
    TextTable > .text-table--header { text-style: bold; color: $text-accent; }
    TextTable > .text-table--cursor { background: $block-cursor-background; }
    TextTable:focus > .text-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"text-table--header", "text-table--cursor"}
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    @dataclass
    class RowSelected(Message):
        """Enter or a click on a row."""

        table: TextTable
        key: Hashable

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        id: str | None = None,
        show_header: bool = True,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._top = 1 if show_header else 0
        """Lines above the first row: the header's, unless there is none."""
        self._rows: dict[Hashable, tuple[Cell, ...]] = {}
        self._order: list[Hashable] = []
        self._lines: dict[Hashable, Strip] = {}
        self._widths = [len(label) for _, label in self.columns]
        self._header: Strip | None = None
        self.cursor_row = 0
        self._frame: tuple[Style, Style, int, int, int] = (Style(), Style(), 0, 0, 0)

    # -- data ------------------------------------------------------------------------------

    @property
    def row_keys(self) -> list[Hashable]:
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def selected_key(self) -> Hashable | None:
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def get_row(self, key: Hashable) -> tuple[Cell, ...]:
        return self._rows[key]

    def show(self, rows: Iterable[tuple[Hashable, Sequence[Cell]]]) -> None:
        selected = self.selected_key
        fresh = {key: tuple(cells) for key, cells in rows}
        # Columns only grow: a new virtual size re-lays out the whole screen, which costs more
        # than everything else in a refresh.
        widths = list(self._widths)
        for cells in fresh.values():
            for i, cell in enumerate(cells):
                widths[i] = max(widths[i], _width(cell))
        order = list(fresh)
        repaint_all = False
        if widths != self._widths:
            self._widths, self._lines, self._header = widths, {}, None
            repaint_all = True
        changed = {k for k, cells in fresh.items() if self._rows.get(k) != cells}
        for key in changed | (set(self._rows) - set(fresh)):
            self._lines.pop(key, None)
        # A line needs repainting when another row moved onto it, when its row changed, or
        # when it fell off the end; a list sorted by a live value reorders a few rows per tick.
        previous = self._order
        dirty = [
            index
            for index in range(max(len(order), len(previous)))
            if index >= len(order)
            or index >= len(previous)
            or order[index] != previous[index]
            or order[index] in changed
        ]
        self._rows, self._order = fresh, order
        size = Size(sum(widths) + GAP * (len(widths) - 1), len(order) + self._top)
        if size != self.virtual_size:
            self._set_virtual_size(size)
        before = self.cursor_row
        if selected in fresh:
            self.cursor_row = order.index(selected)
        self.cursor_row = max(min(self.cursor_row, len(order) - 1), 0)
        if repaint_all:
            self.refresh()
        else:
            moved = (before, self.cursor_row) if self.cursor_row != before else ()
            self._refresh_rows({*dirty, *moved})
        if self.cursor_row != before:
            self.call_after_refresh(self._scroll_to_cursor)  # once the new size is known

    def _set_virtual_size(self, size: Size) -> None:
        # Assigning virtual_size re-lays out the whole screen, which on a list whose length
        # changes every refresh cost more than all the rest of the refresh. A table of fixed
        # size (not height or width auto) does not move anything else when its content grows:
        # only its scrollbars change, and a scrollbar that appears or goes still takes a
        # layout (it takes a row or a column).
        height, width = self.styles.height, self.styles.width
        if (height is not None and height.is_auto) or (width is not None and width.is_auto):
            self.virtual_size = size
            return
        self.set_reactive(TextTable.virtual_size, size)
        self._scroll_update(size)

    # -- rendering ---------------------------------------------------------------------------

    def _render_cells(self, cells: Sequence[Cell], style: Style | None = None) -> Strip:
        # Segments made directly: going through one Rich Text per row cost four times as
        # much, and every row whose age ticks is rendered again on every refresh.
        console = self.app.console
        segments: list[Segment] = []
        for i, (cell, width) in enumerate(zip(cells, self._widths, strict=False)):
            if i:
                segments.append(_GAP)
            if not isinstance(cell, Text):
                segments.append(Segment(_fit(str(cell), width)))
                continue
            text = cell
            if cell.spans:  # a copy: the caller's cell is compared on the next refresh
                text = cell.copy()
                text.truncate(width, overflow="ellipsis", pad=True)
            if text.spans:
                segments.extend(text.render(console))
            else:  # Text.render leaves the base style out of a line without spans
                cell_style = console.get_style(text.style) if text.style else None
                segments.append(Segment(_fit(text.plain, width), cell_style))
        strip = Strip(segments)
        return strip.apply_style(style) if style else strip

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles and geometry once per repaint, not once per line: walking the DOM for the
        # inherited style costs more than rendering a row.
        self._frame = (
            self.rich_style,
            self.get_component_rich_style("text-table--cursor"),
            self.scroll_offset.x,
            self.scroll_offset.y,
            self.size.width,
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        base, cursor, scroll_x, scroll_y, width = self._frame
        if y < self._top:
            if self._header is None:
                header_style = self.get_component_rich_style("text-table--header")
                self._header = self._render_cells(
                    [label for _, label in self.columns], header_style
                )
            strip = self._header
        else:
            index = scroll_y + y - self._top
            if index >= len(self._order):
                return Strip([Segment(" " * width, base)], width)
            key = self._order[index]
            strip = self._lines.get(key) or self._lines.setdefault(
                key, self._render_cells(self._rows[key])
            )
            if index == self.cursor_row:
                strip = strip.extend_cell_length(scroll_x + width).apply_style(cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)

    def _refresh_row(self, index: int) -> None:
        self._refresh_rows((index,))

    def _refresh_rows(self, indexes: Iterable[int]) -> None:
        # One refresh call for all of them: each call (and each size lookup) has a fixed cost
        # that, per changed row, added up to more than rendering the rows.
        width, height = self.size
        top = self.scroll_offset.y - self._top
        lines = sorted(y for y in (index - top for index in indexes) if self._top <= y < height)
        if lines:  # only lines on screen are repainted
            self.refresh(*(Region(0, y, width, 1) for y in lines))

    # -- cursor -------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self._order:
            return
        previous = self.cursor_row
        self.cursor_row = max(min(row, len(self._order) - 1), 0)
        self._refresh_row(previous)
        self._refresh_row(self.cursor_row)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        visible = max(self.size.height - self._top, 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(self.size.height - 2, 1))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self._top:
            return
        row = self.scroll_offset.y + offset.y - self._top
        if row < len(self._order):
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self.move_cursor(row)

    def on_resize(self) -> None:
        self.refresh()
