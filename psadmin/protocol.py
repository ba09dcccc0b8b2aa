"""The backend as screens see it. Screens import this, never the implementation or drivers."""

from __future__ import annotations

from typing import Protocol

from psadmin.models.actions import ActionOutcome, ActionRequest
from psadmin.models.audit import AuditRecord
from psadmin.models.capabilities import Capabilities
from psadmin.models.overview import ActivitySample, DatabaseSize
from psadmin.models.redis import RedisStatus


class Backend(Protocol):
    """Async data access for every screen; each method raises BackendError on failure."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def target_display(self) -> str:
        """Where psadmin is connected, without the password."""
        ...

    @property
    def read_only(self) -> bool: ...

    async def activity_sample(self) -> ActivitySample: ...

    async def database_size(self) -> DatabaseSize: ...

    async def redis_status(self) -> RedisStatus: ...

    # -- admin actions (DESIGN.md §5); the dispatcher in psadmin.actions drives these --------

    @property
    def actor(self) -> tuple[str, str]:
        """(operating-system user, database role) recorded in the audit trail."""
        ...

    async def execute_action(self, request: ActionRequest) -> ActionOutcome:
        """Run the executor registered for ``request.kind`` on the reserved admin connection."""
        ...

    async def write_audit(self, record: AuditRecord) -> None:
        """Append to every audit sink; raises BackendError if any sink fails (blocks the action)."""
        ...

    async def audit_records(self, limit: int = 1000) -> list[AuditRecord]:
        """Newest first, from the psadmin_audit table when present, else the local file."""
        ...

    async def close(self) -> None: ...
