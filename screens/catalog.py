"""Which screen class serves which panel; panels not listed show PlannedScreen."""

from __future__ import annotations

from screens.audit import AuditScreen
from screens.base import PanelScreen
from screens.overview import OverviewScreen

SCREENS: dict[str, type[PanelScreen]] = {
    "overview": OverviewScreen,
    "audit": AuditScreen,
}
