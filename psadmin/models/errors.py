"""Failures the backend reports to screens and commands, already phrased for a person."""

from __future__ import annotations

import enum


class FailureKind(enum.Enum):
    DISCONNECTED = "disconnected"
    TIMEOUT = "timeout"
    PERMISSION = "permission"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


class BackendError(Exception):
    """One line, no password, safe to show on screen and in logs."""

    def __init__(self, message: str, kind: FailureKind = FailureKind.ERROR) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self.args[0])
