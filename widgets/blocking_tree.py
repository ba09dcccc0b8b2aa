"""The blocking tree: root blockers, the sessions waiting on them, recursively."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from psadmin.models.activity import BlockingNode
from psadmin.models.session_filter import one_line, short_age

Shape = tuple[tuple[int, "Shape"], ...]


def _shape(nodes: Sequence[BlockingNode]) -> Shape:
    return tuple((node.pid, _shape(node.blocked)) for node in nodes)


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


class BlockingTree(Tree[int]):
    """Rebuilt only when who-blocks-whom changes; otherwise labels are updated in place and
    the cursor stays on its node. Node data is the pid."""

    DEFAULT_CSS = """
    BlockingTree {
        border: round $panel-lighten-2;
        height: 1fr;
    }
    BlockingTree.-blocking { border: round $error; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("blocking", id=id)
        self.show_root = False
        self.border_title = "Blocking"
        self.roots: tuple[BlockingNode, ...] = ()
        self._shape: Shape | None = None
        self._entries: list[tuple[TreeNode[int], BlockingNode]] = []

    def show(self, roots: Sequence[BlockingNode]) -> None:
        roots = tuple(roots)
        shape = _shape(roots)
        self.roots = roots
        self.set_class(bool(roots), "-blocking")
        waiting = sum(len(list(root.walk())) - 1 for root in roots)
        subtitle = f"{len(roots)} root · {waiting} waiting" if roots else "no blocked sessions"
        if subtitle != self.border_subtitle:  # assigning repaints every line of the tree
            self.border_subtitle = subtitle
        if shape == self._shape:
            flat = [node for root in roots for node in root.walk()]
            for (tree_node, old), new in zip(self._entries, flat, strict=True):
                if old != new:
                    tree_node.set_label(node_label(new, root=tree_node.parent is self.root))
            self._entries = [(t, n) for (t, _), n in zip(self._entries, flat, strict=True)]
            return
        selected = self.cursor_node.data if self.cursor_node is not None else None
        self._shape = shape
        self.clear()
        self._entries = []
        if not roots:
            self.root.add_leaf(Text("No session is waiting on a lock.", style="dim"))
        for root in roots:
            self._add(self.root, root, root=True)
        for tree_node, node in self._entries:
            if node.pid == selected:
                self.move_cursor(tree_node)
                break

    def _add(self, parent: TreeNode[int], node: BlockingNode, *, root: bool) -> None:
        label = node_label(node, root=root)
        if node.blocked:
            tree_node = parent.add(label, data=node.pid, expand=True)
        else:
            tree_node = parent.add_leaf(label, data=node.pid)
        self._entries.append((tree_node, node))
        for child in node.blocked:
            self._add(tree_node, child, root=False)

    @property
    def selected_pid(self) -> int | None:
        node = self.cursor_node
        return node.data if node is not None else None
