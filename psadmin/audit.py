"""The local audit trail: an append-only JSON Lines file that every admin action writes to.

It is written (and fsync'd) before an action runs; if it cannot be written, the action does
not run. The ``psadmin_audit`` table in the target database is the second sink (see
:mod:`queries.audit`).
"""

from __future__ import annotations

import json
import os
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

from psadmin.models.audit import AuditEvent, AuditRecord


def record_to_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "action_id": record.action_id,
        "at": record.at.isoformat(),
        "event": record.event.value,
        "action": record.action,
        "target": record.target,
        "os_user": record.os_user,
        "db_role": record.db_role,
        "server": record.server,
        "params": dict(record.params),
        "reason": record.reason,
        "duration_ms": record.duration_ms,
        "message": record.message,
    }


def record_from_json(data: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        action_id=str(data["action_id"]),
        at=datetime.fromisoformat(data["at"]),
        event=AuditEvent(data["event"]),
        action=str(data["action"]),
        target=str(data["target"]),
        os_user=str(data.get("os_user", "")),
        db_role=str(data.get("db_role", "")),
        server=str(data.get("server", "")),
        params=dict(data.get("params") or {}),
        reason=data.get("reason"),
        duration_ms=data.get("duration_ms"),
        message=data.get("message"),
    )


class AuditFile:
    """Append-only JSON Lines; one line per record, flushed to disk before returning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[tuple[int, int, int], list[AuditRecord]] | None = None

    def append(self, record: AuditRecord) -> None:
        line = json.dumps(record_to_json(record), ensure_ascii=False, default=str) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def recent(self, limit: int) -> list[AuditRecord]:
        """Newest first; unreadable lines (e.g. a torn last write) are skipped."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        # the Audit screen polls: reread only when the file changed
        stamp = (stat.st_size, stat.st_mtime_ns, limit)
        if self._cache is not None and self._cache[0] == stamp:
            return list(self._cache[1])
        kept: deque[AuditRecord] = deque(maxlen=limit)
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    kept.append(record_from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):
                    continue
        records = list(reversed(kept))
        self._cache = (stamp, records)
        return list(records)
