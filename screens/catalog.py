"""Which screen class serves which panel (every panel of screens.registry has one)."""

from __future__ import annotations

from screens.audit import AuditScreen
from screens.base import PanelScreen
from screens.cache import CacheScreen
from screens.connections import ConnectionsScreen
from screens.indexes import IndexesScreen
from screens.overview import OverviewScreen
from screens.queries import QueriesScreen
from screens.scripts import ScriptsScreen
from screens.tables import TablesScreen
from screens.users import UsersScreen

SCREENS: dict[str, type[PanelScreen]] = {
    "overview": OverviewScreen,
    "connections": ConnectionsScreen,
    "tables": TablesScreen,
    "indexes": IndexesScreen,
    "queries": QueriesScreen,
    "users": UsersScreen,
    "scripts": ScriptsScreen,
    "cache": CacheScreen,
    "audit": AuditScreen,
}
