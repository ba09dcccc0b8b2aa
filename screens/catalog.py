"""Which screen class serves which panel (every panel of screens.registry has one).

A screen's module is imported the first time its panel opens: the console starts on the
Overview and should not pay at start for the other eight screens and their widgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screens.base import PanelScreen

SCREENS: dict[str, str] = {
    "overview": "screens.overview:OverviewScreen",
    "connections": "screens.connections:ConnectionsScreen",
    "tables": "screens.tables:TablesScreen",
    "indexes": "screens.indexes:IndexesScreen",
    "queries": "screens.queries:QueriesScreen",
    "users": "screens.users:UsersScreen",
    "scripts": "screens.scripts:ScriptsScreen",
    "cache": "screens.cache:CacheScreen",
    "audit": "screens.audit:AuditScreen",
}
"""Panel mode → ``module:class`` of its screen."""


def screen_class(mode: str) -> type[PanelScreen]:
    module, name = SCREENS[mode].split(":")
    screen: type[PanelScreen] = getattr(importlib.import_module(module), name)
    return screen
