"""What every screen is given at construction: the backend and the console's shared state."""

from __future__ import annotations

from dataclasses import dataclass, field

from psadmin.models.health import Thresholds
from psadmin.protocol import Backend


@dataclass
class ConsoleState:
    """Shared across screens so the status bar says the same thing everywhere."""

    last_refresh: float | None = None
    """Monotonic time of the last successful load on any screen."""
    error: str | None = None
    disconnected: str | None = None
    """Set while the server cannot be reached: the banner's text."""


@dataclass
class ScreenContext:
    backend: Backend
    thresholds: Thresholds = field(default_factory=Thresholds)
    refresh_s: float = 2.0
    state: ConsoleState = field(default_factory=ConsoleState)
