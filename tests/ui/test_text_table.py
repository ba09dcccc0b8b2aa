"""TextTable: only changed rows are re-rendered, the cursor follows its row, keys work."""

from __future__ import annotations

from collections.abc import Hashable

from rich.text import Text
from textual.app import App, ComposeResult

from widgets.text_table import TextTable

COLUMNS = (("name", "Name"), ("age", "Age"))


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[Hashable] = []

    def compose(self) -> ComposeResult:
        yield TextTable(COLUMNS, id="t")

    def on_text_table_row_selected(self, event: TextTable.RowSelected) -> None:
        self.selected.append(event.key)


def rows(ages: dict[str, int]) -> list[tuple[Hashable, tuple[str | Text, int]]]:
    return [(name, (Text(name, style="bold"), age)) for name, age in ages.items()]


async def test_only_changed_rows_are_rendered_again() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(TextTable)
        rendered: list[tuple[object, ...]] = []
        original = table._render_cells

        def spy(cells: object, style: object = None) -> object:
            rendered.append(tuple(cells))  # type: ignore[arg-type]
            return original(cells, style)  # type: ignore[arg-type]

        table._render_cells = spy  # type: ignore[method-assign]
        table.show(rows({"a": 1, "b": 2, "c": 3}))
        await pilot.pause()
        assert len(rendered) == 3  # the three rows (the header did not change)
        rendered.clear()
        table.show(rows({"a": 1, "b": 5, "c": 3}))
        await pilot.pause()
        assert [str(cells[0]) for cells in rendered] == ["b"]
        assert table.get_row("b")[1] == 5


async def test_cursor_follows_its_row_through_reorders_and_removals() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(TextTable)
        table.focus()
        table.show(rows({"a": 1, "b": 2, "c": 3}))
        await pilot.press("down")
        assert table.selected_key == "b"
        table.show(rows({"c": 3, "x": 9, "b": 2}))  # a gone, x new, order changed
        assert table.row_keys == ["c", "x", "b"] and table.selected_key == "b"
        table.show(rows({"c": 3}))  # b gone: the cursor stays in range
        assert table.selected_key == "c"
        await pilot.press("enter")
        assert app.selected == ["c"]


async def test_long_lists_scroll_with_the_cursor() -> None:
    app = Host()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(TextTable)
        table.focus()
        table.show(rows({f"n{i:02d}": i for i in range(30)}))
        await pilot.pause()
        await pilot.press("end")
        assert table.selected_key == "n29" and table.scroll_offset.y > 0
        await pilot.press("home", "pagedown")
        assert table.cursor_row > 0
        line = table.render_line(0)
        assert "Name" in line.text  # the header stays on top while scrolled


def count_layouts(app: App[None]) -> list[int]:
    """A counter of the screen's layout passes (a re-layout of every widget on it)."""
    screen = app.screen
    original = screen._refresh_layout
    layouts = [0]

    def spy(*args: object, **kwargs: object) -> None:
        layouts[0] += 1
        original(*args, **kwargs)  # type: ignore[arg-type]

    screen._refresh_layout = spy  # type: ignore[method-assign]
    return layouts


async def test_rows_coming_and_going_do_not_re_lay_out_the_screen() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(TextTable)
        table.show(rows({"a": 1, "b": 2}))
        await pilot.pause()
        layouts = count_layouts(app)
        for n in (3, 5, 4, 6, 2):  # all fit: the scrollbar never appears
            table.show(rows({f"n{i}": i for i in range(n)}))
            await pilot.pause()
        assert layouts == [0]
        assert table.virtual_size.height == 3 and not table.show_vertical_scrollbar
        table.show(rows({f"n{i}": i for i in range(30)}))  # now it must scroll
        await pilot.pause()
        assert table.show_vertical_scrollbar and layouts[0] >= 1  # the bar takes a column
        before = layouts[0]
        table.show(rows({f"n{i}": i for i in range(40)}))
        await pilot.pause()
        assert layouts[0] == before  # a longer list only moves the bar's thumb
        assert table.vertical_scrollbar.window_virtual_size == 41
        table.focus()
        await pilot.press("end")
        assert table.selected_key == "n39"
        assert table.scroll_offset.y == table.max_scroll_y > 0  # it scrolls to the very end


async def test_a_table_without_header_starts_with_its_first_row() -> None:
    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield TextTable(COLUMNS, show_header=False)

    app = Bare()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(TextTable)
        table.show(rows({"a": 1, "b": 2}))
        await pilot.pause()
        assert table.render_line(0).text.split()[0] == "a"
        assert table.virtual_size.height == 2


async def test_cells_keep_their_styles_and_the_header_its_own() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(TextTable)
        spanned = Text("x")
        spanned.append("yz", style="italic")
        table.show([("a", (Text("alpha", style="bold"), "a-very-long-cell")), ("b", (spanned, 7))])
        await pilot.pause()
        header = table.render_line(0)
        assert header.text.startswith("Name   Age")
        # plain labels still carry the header's CSS style (bold), cut cells end in an ellipsis
        assert all(seg.style and seg.style.bold for seg in header if seg.text.strip())
        first = table._render_cells(table.get_row("a"))
        assert first.text == "alpha  a-very-long-cell"
        assert [seg.style.bold for seg in first if seg.text.strip() == "alpha"] == [True]
        table._widths = [3, 5]
        assert table._render_cells(table.get_row("a")).text == "al…  a-ve…"
        second = table._render_cells(table.get_row("b"))
        assert second.text == "xyz  7    "
        assert [seg.text for seg in second if seg.style and seg.style.italic] == ["yz"]
