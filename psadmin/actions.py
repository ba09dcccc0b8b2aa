"""The one path every admin action takes (DESIGN.md §5): policy, audit, execute, audit.

Confirmation is the caller's job (a modal in the TUI, ``--yes`` or a prompt in the CLI); this
runner does the rest, identically for both. An audit write that fails blocks the action.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.audit import AuditEvent, AuditRecord
from psadmin.models.errors import BackendError
from psadmin.protocol import Backend

_OUTCOME_EVENTS = {
    OutcomeStatus.OK: AuditEvent.OK,
    OutcomeStatus.NO_OP: AuditEvent.NO_OP,
    OutcomeStatus.ERROR: AuditEvent.ERROR,
}


class ActionRunner:
    def __init__(self, backend: Backend, clock: Callable[[], datetime] | None = None) -> None:
        self.backend = backend
        self._now = clock or (lambda: datetime.now(UTC))

    def refusal(self, request: ActionRequest) -> str | None:
        """Why policy refuses this request before any confirmation, or None."""
        if request.needs_write and self.backend.read_only:
            return f"read-only mode: {request.kind.replace('_', ' ')} refused"
        return None

    def _record(
        self,
        request: ActionRequest,
        action_id: str,
        event: AuditEvent,
        *,
        duration_ms: float | None = None,
        message: str | None = None,
    ) -> AuditRecord:
        os_user, db_role = self.backend.actor
        return AuditRecord(
            action_id=action_id,
            at=self._now(),
            event=event,
            action=request.kind,
            target=request.target,
            os_user=os_user,
            db_role=db_role,
            server=self.backend.target_display,
            params=dict(request.params),
            reason=request.reason,
            duration_ms=duration_ms,
            message=message,
        )

    async def refuse(self, request: ActionRequest, why: str) -> None:
        """Record a policy refusal; losing this record must not hide the refusal itself."""
        with contextlib.suppress(BackendError):
            await self.backend.write_audit(
                self._record(request, uuid.uuid4().hex, AuditEvent.REFUSED, message=why)
            )

    async def decline(self, request: ActionRequest) -> None:
        """The user said No: record it (nothing else happens)."""
        await self.backend.write_audit(self._record(request, uuid.uuid4().hex, AuditEvent.DECLINED))

    async def run(self, request: ActionRequest) -> ActionOutcome:
        """Audit ``requested``, execute, audit the outcome; returns the outcome.

        Raises BackendError if policy refuses it or the ``requested`` record cannot be written
        (then nothing was executed). An executor failure is returned as an ERROR outcome.
        """
        why = self.refusal(request)
        if why is not None:
            await self.refuse(request, why)
            raise BackendError(why)
        await self.backend.connect()  # the audit names the database role: know it first
        action_id = uuid.uuid4().hex
        await self.backend.write_audit(self._record(request, action_id, AuditEvent.REQUESTED))
        started = time.perf_counter()
        try:
            outcome = await self.backend.execute_action(request)
        except BackendError as exc:
            outcome = ActionOutcome(OutcomeStatus.ERROR, exc.message)
        elapsed = (time.perf_counter() - started) * 1000
        outcome = ActionOutcome(outcome.status, outcome.message, elapsed, outcome.details)
        await self.backend.write_audit(
            self._record(
                request,
                action_id,
                _OUTCOME_EVENTS[outcome.status],
                duration_ms=round(elapsed, 3),
                message=outcome.message,
            )
        )
        return outcome
