"""Audit records: one per event of an admin action's life."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class AuditEvent(enum.Enum):
    REQUESTED = "requested"
    """Confirmed and about to run (written before execution)."""
    DECLINED = "declined"
    """The user answered No at the confirmation."""
    REFUSED = "refused"
    """Policy refused it (read-only mode, missing privilege) before any confirmation."""
    OK = "ok"
    NO_OP = "no-op"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action_id: str
    """Shared by the requested record and its outcome."""
    at: datetime
    event: AuditEvent
    action: str
    target: str
    os_user: str
    db_role: str
    server: str
    """Where, without any password."""
    params: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    duration_ms: float | None = None
    message: str | None = None
