"""Source code with syntax highlighting, scrollable both ways (Rich's Pygments lexers).

Rich's ``Syntax`` needs nothing beyond Pygments, which ships a PowerShell lexer; Textual's
``TextArea`` highlighting would need tree-sitter grammars that are not installed offline.
"""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.widgets import Static


class CodeView(ScrollableContainer, can_focus=True):
    """Give it the code with :meth:`show`; long lines scroll sideways instead of wrapping."""

    DEFAULT_CSS = """
    CodeView { background: $surface; }
    CodeView > #code { width: auto; height: auto; }
    CodeView > #code-note { color: $warning; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.code = ""

    def compose(self) -> ComposeResult:
        yield Static(id="code-note")
        yield Static(Text("loading…", style="dim"), id="code")

    def show(self, code: str, lexer: str = "powershell", note: str | None = None) -> None:
        self.code = code
        self.query_one("#code-note", Static).update(note or "")
        self.query_one("#code-note", Static).display = bool(note)
        self.query_one("#code", Static).update(
            Syntax(code, lexer, line_numbers=True, word_wrap=False, theme="ansi_dark")
        )
        self.scroll_home(animate=False)
