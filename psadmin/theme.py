"""The dark "control room" theme; status colours follow the seed's traffic-light targets."""

from __future__ import annotations

from textual.theme import Theme

CONTROL_ROOM = Theme(
    name="control-room",
    primary="#4FB3D9",
    secondary="#7A8FA6",
    accent="#F0A202",
    foreground="#D0D7DE",
    background="#0A0E13",
    surface="#10161D",
    panel="#18212B",
    success="#3FB950",
    warning="#D29922",
    error="#F85149",
    dark=True,
)
