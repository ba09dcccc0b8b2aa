"""The blocking tree widget: guides as a tree is read, a line per place a session waits, the
cursor on its session across refreshes, a red frame while anyone waits, and no re-layout of
the screen when the tree changes."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color

from psadmin.models.activity import blocking_tree
from tests.ui.fake_activity import session
from tests.ui.test_text_table import count_layouts
from widgets.blocking_tree import NOBODY, BlockingTree


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield BlockingTree(id="blocking")


def chain() -> list:  # type: ignore[type-arg]
    """1 blocks 2 and 3; 2 blocks 4 and 5; 6 waits on both 3 and 5."""
    return [
        session(1, state="idle in transaction"),
        session(2, state="active", blocked_by=[1]),
        session(3, state="active", blocked_by=[1]),
        session(4, state="active", blocked_by=[2]),
        session(5, state="active", blocked_by=[2]),
        session(6, state="active", blocked_by=[3, 5]),
    ]


def prefixes(tree: BlockingTree) -> list[str]:
    return [label.split("pid")[0] + label.split()[label.split().index("pid") + 1]
            for label in tree.labels]  # fmt: skip


async def test_lines_read_as_a_tree_and_a_double_waiter_is_listed_under_each_blocker() -> None:
    app = Host()
    async with app.run_test(size=(80, 14)) as pilot:
        tree = app.query_one(BlockingTree)
        tree.show_tree(blocking_tree(chain()))
        await pilot.pause()
        assert prefixes(tree) == [
            "1",
            "├─ 2",
            "│  ├─ 4",
            "│  └─ 5",
            "│     └─ 6",
            "└─ 3",
            "   └─ 6",
        ]
        assert (1, 2, 5, 6) in tree.row_keys and (1, 3, 6) in tree.row_keys
        assert "frees 5" in tree.labels[0]
        assert tree.border_subtitle == "1 root · 6 waiting"


async def test_cursor_stays_on_its_session_and_names_its_pid() -> None:
    app = Host()
    async with app.run_test(size=(80, 14)) as pilot:
        tree = app.query_one(BlockingTree)
        tree.focus()
        tree.show_tree(blocking_tree(chain()))
        await pilot.press("down", "down", "down")
        assert tree.selected_pid == 5
        without_4 = [s for s in chain() if s.pid != 4]
        tree.show_tree(blocking_tree(without_4))  # a line above it went away
        assert tree.selected_pid == 5 and tree.selected_key == (1, 2, 5)
        tree.show_tree(())
        assert tree.selected_pid is None and tree.row_keys == [NOBODY]
        assert tree.border_subtitle == "no blocked sessions"


async def test_frame_is_red_while_anyone_waits_and_changes_never_re_lay_out() -> None:
    app = Host()
    async with app.run_test(size=(140, 14)) as pilot:  # wide enough: no horizontal scrollbar
        tree = app.query_one(BlockingTree)
        tree.show_tree(())
        await pilot.pause()
        calm = tree.styles.border_top[1]
        layouts = count_layouts(app)
        tree.show_tree(blocking_tree(chain()))
        await pilot.pause()
        alarm = tree.styles.border_top[1]
        assert alarm == Color.parse(app.theme_variables["error"]) and alarm != calm
        tree.show_tree(blocking_tree(chain()[:3]))
        await pilot.pause()
        tree.show_tree(())
        await pilot.pause()
        assert tree.styles.border_top[1] == calm
        assert layouts == [0] and not tree.show_horizontal_scrollbar
