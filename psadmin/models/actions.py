"""Admin actions as values: what a screen asks for, and what came of it (DESIGN.md §5)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Risk(enum.Enum):
    LOW = "low"
    """Confirmed with Yes/No (No focused)."""
    HIGH = "high"
    """Confirmed by typing the target (terminate, VACUUM FULL, bulk unlock, family purge)."""


class OutcomeStatus(enum.Enum):
    OK = "ok"
    NO_OP = "no-op"
    """Nothing needed doing (e.g. unlocking a user who is not locked)."""
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """Everything needed to confirm, audit and execute one admin action.

    ``params`` must be JSON-serializable: it is written to the audit trail as it is, and the
    executor registered for ``kind`` receives it. Values a user typed travel only here, and
    executors bind them as query parameters.
    """

    kind: str
    """Executor name, e.g. ``unlock_user``, ``cancel_backend``."""
    target: str
    """Human label of what is acted on, e.g. ``user alice (id 42)``."""
    effect: str
    """One sentence saying what will happen."""
    statement: str
    """The SQL (or Redis command) shown in the confirmation, with placeholders."""
    params: Mapping[str, Any] = field(default_factory=dict)
    risk: Risk = Risk.LOW
    confirm_text: str | None = None
    """For HIGH risk: what the user must type to confirm (defaults to ``target``)."""
    reason: str | None = None
    """Why, as the admin said it; audited."""
    needs_write: bool = True
    """Refused in read-only mode (every action changes something unless it says otherwise)."""
    reason_required: bool = False
    """The confirmation cannot be given without a reason (account changes, for instance)."""

    @property
    def challenge(self) -> str:
        return self.confirm_text if self.confirm_text is not None else self.target


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    status: OutcomeStatus
    message: str
    """One line for the notification, e.g. ``unlocked alice (was locked for 12 more minutes)``."""
    duration_ms: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict)
    """JSON-serializable facts for the audit trail (rows changed, keys deleted, …)."""
