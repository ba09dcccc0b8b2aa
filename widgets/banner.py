"""A one-line banner shown while the server cannot be reached."""

from __future__ import annotations

from textual.widgets import Static


class Banner(Static):
    DEFAULT_CSS = """
    Banner {
        dock: top;
        height: 1;
        display: none;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    Banner.-shown { display: block; }
    """

    _message: str | None = None

    def show_message(self, message: str | None) -> None:
        if message == self._message:
            return  # called every second: only a change repaints (and re-lays out)
        self._message = message
        self.set_class(bool(message), "-shown")
        self.update(message or "")
