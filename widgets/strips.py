"""Rich Text turned straight into Textual strips, for widgets that repaint on every refresh.

Returning a Text from ``render()`` sends it through Textual's content pipeline (conversion,
wrapping, styling) on each repaint: 1.5-4 ms for a 9-line gauge on this machine. Rendering
the lines once with Rich and serving them from ``render_line`` costs a fraction of that.
"""

from __future__ import annotations

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip


def text_strips(
    text: Text, width: int, console: Console, base: Style, *, wrap: bool
) -> list[Strip]:
    """The lines of ``text``, each exactly ``width`` cells wide with ``base`` underneath.

    ``wrap`` folds long lines at word boundaries (like a Static); otherwise they are cut.
    """
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        if wrap and line.cell_len > width:  # Rich's word wrap costs more than the rest
            lines.extend(line.wrap(console, width))
        else:
            lines.append(line)
    return [
        Strip(list(line.render(console)), line.cell_len)
        .crop_extend(0, width, base)
        .apply_style(base)
        for line in lines
    ]
