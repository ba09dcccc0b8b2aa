"""The blocking tree: root blockers, the sessions waiting on them, recursively.

Drawn as a one-column TextTable (one line per session, keyed by pid, tree guides in front):
only the lines whose session changed are repainted, the cursor stays on its pid, and the tree
growing or shrinking never re-lays out the screen. While someone is blocked the frame turns
red; that is a colour change of the same border, so it repaints without a layout either.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence

from rich.text import Text

from psadmin.models.activity import BlockingNode
from psadmin.models.session_filter import one_line, short_age
from widgets.text_table import TextTable

NOBODY = "nobody"
"""The key of the line shown while no session waits on a lock (a path is a tuple)."""


def node_label(node: BlockingNode, *, root: bool) -> Text:
    s = node.session
    text = Text()
    who = f"{s.user or '?'}@{s.application or '(no name)'}"
    if root:
        text.append(f"pid {s.pid} ", style="bold red")
        text.append(f"{who} {s.state or 'not visible'}")
        if s.xact_age_s is not None:
            text.append(f" · xact {short_age(s.xact_age_s)}")
    else:
        text.append(f"pid {s.pid} ", style="bold yellow")
        text.append(f"{who} waits {s.lock_mode or 'lock'}")
        if s.lock_target:
            text.append(f" on {s.lock_target}")
        text.append(f" {short_age(s.lock_wait_s)}")
    if node.frees:
        text.append(f" · frees {node.frees}", style="bold")
    if s.query:
        text.append(f" · {one_line(s.query, 60)}", style="dim")
    return text


Path = tuple[int, ...]
"""The pids from a root down to a node: a waiter blocked by two sessions is listed under
each, so its pid alone does not name its line."""


def tree_lines(roots: Sequence[BlockingNode]) -> Iterator[tuple[Path, Text]]:
    """(path, guides + label) for every node, depth first, as a tree is read."""

    def lines(
        node: BlockingNode, path: Path, indent: str, branch: str
    ) -> Iterator[tuple[Path, Text]]:
        line = Text(indent + branch, style="dim")
        line.append_text(node_label(node, root=not path))
        path = (*path, node.pid)
        yield path, line
        for i, child in enumerate(node.blocked):
            last = i == len(node.blocked) - 1
            below = indent + ("" if len(path) == 1 else ("   " if branch == "└─ " else "│  "))
            yield from lines(child, path, below, "└─ " if last else "├─ ")

    for root in roots:
        yield from lines(root, (), "", "")


class BlockingTree(TextTable):
    """``show(roots)`` each refresh; the selected line's pid is ``selected_pid``."""

    DEFAULT_CSS = """
    BlockingTree {
        border: round $panel-lighten-2;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__([("session", "Session")], id=id, show_header=False)
        self.border_title = "Blocking"
        self.roots: tuple[BlockingNode, ...] = ()
        self._alarm: tuple[bool, str] | None = None

    def show_tree(self, roots: Sequence[BlockingNode]) -> None:
        self.roots = tuple(roots)
        waiting = sum(len(list(root.walk())) - 1 for root in self.roots)
        subtitle = (
            f"{len(self.roots)} root · {waiting} waiting" if self.roots else "no blocked sessions"
        )
        if subtitle != self.border_subtitle:  # assigning repaints every line
            self.border_subtitle = subtitle
        self._show_alarm(bool(self.roots))
        rows: list[tuple[Hashable, Sequence[Text]]] = [
            (pid, (line,)) for pid, line in tree_lines(self.roots)
        ]
        if not rows:
            rows = [(NOBODY, (Text("No session is waiting on a lock.", style="dim"),))]
        self.show(rows)

    def _show_alarm(self, blocking: bool) -> None:
        # An inline border of the same kind only recolours the frame: a CSS class would
        # restyle the widget and its scrollbars, which re-lays out the whole screen.
        variables = self.app.theme_variables
        colour = variables.get("error" if blocking else "panel-lighten-2", "red")
        if self._alarm != (blocking, colour):
            self._alarm = (blocking, colour)
            self.styles.border = ("round", colour)

    @property
    def selected_pid(self) -> int | None:
        key = self.selected_key
        return key[-1] if isinstance(key, tuple) else None

    @property
    def labels(self) -> list[str]:
        """The lines as shown, guides included (for tests and snapshots of the screen)."""
        return [str(self.get_row(key)[0]) for key in self.row_keys]
