"""Textual's footer, rebuilt only when the keys it shows change.

Textual rebuilds every key of the footer on each bindings update, and a screen publishes
several in a row while it mounts and whenever focus moves: opening the Connections screen
rebuilt its footer 7 times (97 keys, each restyled twice), a fifth of the time to its first
figures. What the footer shows depends only on the active bindings, so one rebuild after the
updates settle, and none when they show the same keys, gives the same footer.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, str, str, bool, str, bool], ...]


class KeyFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: Shown | None = None
        self._rebuild_pending = False
        self.rebuilds = 0

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    def _keys_shown(self) -> Shown:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip, binding.show)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
        )

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # its screen closed meanwhile
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            self.rebuilds += 1
            await self.recompose()
