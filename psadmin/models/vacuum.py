"""VACUUM as an admin action: its options by server version, the request, progress, result."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from psadmin.models.actions import ActionRequest, Risk

INDEX_CLEANUP = ("auto", "on", "off")
MAX_PARALLEL = 1024
DEFAULT_LOCK_TIMEOUT_MS = 5000
"""How long a VACUUM waits for its table lock before giving up (never forever)."""
_BUFFER_LIMIT = re.compile(r"^\s*(\d+)\s*(kB|MB|GB|TB)?\s*$")
_UNIT_KB = {None: 1, "kB": 1, "MB": 1024, "GB": 1024**2, "TB": 1024**3}
_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")


def supported_options(server_version_num: int) -> tuple[str, ...]:
    """The VACUUM options psadmin offers on this server (BUFFER_USAGE_LIMIT arrived in 16)."""
    options = ["VERBOSE", "ANALYZE", "FREEZE", "FULL", "SKIP_LOCKED", "INDEX_CLEANUP", "PARALLEL"]
    if server_version_num >= 160000:
        options.append("BUFFER_USAGE_LIMIT")
    return tuple(options)


def quote_ident(name: str) -> str:
    """Display quoting of an identifier (the executor has the server quote the real one)."""
    if _PLAIN_IDENT.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def buffer_limit_kb(text: str) -> int | None:
    """``'2MB'`` -> 2048; None when it is not a size VACUUM accepts (0, or 128 kB to 16 GB)."""
    match = _BUFFER_LIMIT.match(text)
    if match is None:
        return None
    kb = int(match[1]) * _UNIT_KB[match[2]]
    return kb if kb == 0 or 128 <= kb <= 16 * 1024**2 else None


@dataclass(frozen=True, slots=True)
class VacuumOptions:
    verbose: bool = False
    analyze: bool = True
    freeze: bool = False
    full: bool = False
    skip_locked: bool = False
    index_cleanup: str = "auto"
    parallel: int | None = None
    """Index workers; None leaves it to the server, 0 disables parallel index vacuuming."""
    buffer_usage_limit: str | None = None
    """E.g. ``'2MB'`` (PostgreSQL 16+); None uses vacuum_buffer_usage_limit."""
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS

    def problems(self, server_version_num: int) -> list[str]:
        """Why the server would reject these options; empty when they are fine."""
        found: list[str] = []
        if self.index_cleanup not in INDEX_CLEANUP:
            found.append(f"INDEX_CLEANUP must be one of {', '.join(INDEX_CLEANUP)}")
        if self.parallel is not None:
            if not 0 <= self.parallel <= MAX_PARALLEL:
                found.append(f"PARALLEL must be between 0 and {MAX_PARALLEL}")
            if self.full:
                found.append("VACUUM FULL cannot run in parallel (leave PARALLEL empty)")
        if self.buffer_usage_limit is not None:
            if "BUFFER_USAGE_LIMIT" not in supported_options(server_version_num):
                found.append("BUFFER_USAGE_LIMIT needs PostgreSQL 16 or later")
            elif buffer_limit_kb(self.buffer_usage_limit) is None:
                found.append("BUFFER_USAGE_LIMIT must be 0 or between 128kB and 16GB")
            elif self.full and not self.analyze:
                found.append("BUFFER_USAGE_LIMIT applies to VACUUM FULL only with ANALYZE")
        if not 1 <= self.lock_timeout_ms <= 3_600_000:
            found.append("the lock timeout must be between 1 ms and 1 hour")
        return found

    def clause(self) -> str:
        """The parenthesized option list (values already validated by :meth:`problems`)."""
        parts = [
            name
            for name, chosen in (
                ("FULL", self.full),
                ("FREEZE", self.freeze),
                ("VERBOSE", self.verbose),
                ("ANALYZE", self.analyze),
                ("SKIP_LOCKED", self.skip_locked),
            )
            if chosen
        ]
        if self.index_cleanup != "auto" and not self.full:
            parts.append(f"INDEX_CLEANUP {self.index_cleanup.upper()}")
        if self.parallel is not None:
            parts.append(f"PARALLEL {int(self.parallel)}")
        if self.buffer_usage_limit is not None:
            parts.append(f"BUFFER_USAGE_LIMIT '{buffer_limit_kb(self.buffer_usage_limit)}kB'")
        return f"({', '.join(parts)}) " if parts else ""

    def statement(self, quoted_table: str) -> str:
        return f"VACUUM {self.clause()}{quoted_table}"

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> VacuumOptions:
        """Rebuild options from an action's JSON params; raises ValueError on a bad value."""
        try:
            parallel = params.get("parallel")
            limit = params.get("buffer_usage_limit")
            return cls(
                verbose=_flag(params, "verbose", False),
                analyze=_flag(params, "analyze", True),
                freeze=_flag(params, "freeze", False),
                full=_flag(params, "full", False),
                skip_locked=_flag(params, "skip_locked", False),
                index_cleanup=str(params.get("index_cleanup", "auto")).lower(),
                parallel=None if parallel is None else int(parallel),
                buffer_usage_limit=None if limit is None else str(limit),
                lock_timeout_ms=int(params.get("lock_timeout_ms", DEFAULT_LOCK_TIMEOUT_MS)),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bad VACUUM options: {exc}") from None


def _flag(params: Mapping[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def permission_message(table: str, owner: str, role: str, server_version_num: int) -> str:
    """Why this role may not VACUUM the table, and the fix (VACUUM itself would only warn)."""
    fix = "only its owner, the database owner or a superuser may"
    if server_version_num >= 170000:
        fix = f"GRANT MAINTAIN ON {table} TO {role}, or GRANT pg_maintain TO {role}"
    return (
        f"permission denied: {role} may not VACUUM {table} (owner {owner}); {fix} "
        "(VACUUM itself would only warn and skip the table)"
    )


def vacuum_request(
    schema: str, table: str, relid: int, options: VacuumOptions, reason: str | None = None
) -> ActionRequest:
    """The admin action for VACUUM of one table, as the screen and the CLI build it."""
    qualified = f"{schema}.{table}"
    wait = f"waits at most {options.lock_timeout_ms / 1000:g} s for its lock"
    if options.full:
        effect = (
            f"Rewrites {qualified} into new files under an ACCESS EXCLUSIVE lock: every read "
            "and write of the table waits until it ends, and it needs free disk space about "
            f"the size of the table and its indexes; {wait}."
        )
    else:
        stats = " and refreshes its planner statistics" if options.analyze else ""
        effect = (
            f"Removes dead tuples from {qualified} (reads and writes go on; it takes a SHARE "
            f"UPDATE EXCLUSIVE lock){stats}; {wait}."
        )
    return ActionRequest(
        kind="vacuum",
        target=qualified,
        effect=effect,
        statement=options.statement(f"{quote_ident(schema)}.{quote_ident(table)}"),
        params={"relid": relid, "table": qualified, "options": options.to_params()},
        risk=Risk.HIGH if options.full else Risk.LOW,
        confirm_text=qualified if options.full else None,
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class VacuumProgress:
    """One row of pg_stat_progress_vacuum, or of pg_stat_progress_cluster for VACUUM FULL."""

    pid: int
    relid: int
    table: str
    command: str
    """``VACUUM``, ``VACUUM FULL`` (or ``CLUSTER`` when someone else runs one)."""
    phase: str
    autovacuum: bool
    own: bool
    """Running on psadmin's admin connection."""
    running_s: float | None = None
    heap_blks_total: int | None = None
    heap_blks_scanned: int | None = None
    heap_blks_vacuumed: int | None = None
    index_vacuum_count: int | None = None
    """Index vacuum passes (VACUUM) or indexes rebuilt (VACUUM FULL)."""
    dead_items: int | None = None
    max_dead_items: int | None = None
    """PostgreSQL 15/16 only (a count); 17+ reports the memory limit in bytes instead."""
    dead_item_bytes: int | None = None
    max_dead_item_bytes: int | None = None
    indexes_total: int | None = None
    indexes_processed: int | None = None
    tuples_scanned: int | None = None
    tuples_written: int | None = None

    @property
    def fraction(self) -> float | None:
        """Progress through the current phase, or None when the view cannot tell."""
        phase = self.phase
        total = self.heap_blks_total or 0
        if phase in ("scanning heap", "seq scanning heap") and total:
            return min((self.heap_blks_scanned or 0) / total, 1.0)
        if phase == "vacuuming heap" and total:
            return min((self.heap_blks_vacuumed or 0) / total, 1.0)
        if phase in ("vacuuming indexes", "cleaning up indexes") and self.indexes_total:
            return min((self.indexes_processed or 0) / self.indexes_total, 1.0)
        if phase == "writing new heap" and self.tuples_scanned:
            return min((self.tuples_written or 0) / self.tuples_scanned, 1.0)
        if phase == "initializing":
            return 0.0
        return None

    def counts(self) -> str:
        """The view's figures for this phase in one line."""
        parts: list[str] = []
        if self.heap_blks_total is not None:
            done = self.heap_blks_scanned or 0
            parts.append(f"heap {done:,}/{self.heap_blks_total:,} blocks scanned")
            if self.heap_blks_vacuumed:
                parts.append(f"{self.heap_blks_vacuumed:,} vacuumed")
        if self.indexes_total:
            parts.append(f"indexes {self.indexes_processed or 0}/{self.indexes_total}")
        if self.index_vacuum_count:
            label = "indexes rebuilt" if self.command != "VACUUM" else "index passes"
            parts.append(f"{label} {self.index_vacuum_count}")
        if self.dead_items is not None:
            parts.append(f"dead items {self.dead_items:,}")
        if self.tuples_scanned is not None:
            parts.append(
                f"tuples {self.tuples_written or 0:,} written/{self.tuples_scanned:,} scanned"
            )
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class TableState:
    """What VACUUM changes, read just before and just after it."""

    live_tuples: int
    dead_tuples: int
    heap_bytes: int
    total_bytes: int
    last_vacuum: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "live_tuples": self.live_tuples,
            "dead_tuples": self.dead_tuples,
            "heap_bytes": self.heap_bytes,
            "total_bytes": self.total_bytes,
            "last_vacuum": None if self.last_vacuum is None else self.last_vacuum.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableState:
        moment = data.get("last_vacuum")
        return cls(
            live_tuples=int(data["live_tuples"]),
            dead_tuples=int(data["dead_tuples"]),
            heap_bytes=int(data["heap_bytes"]),
            total_bytes=int(data["total_bytes"]),
            last_vacuum=None if moment is None else datetime.fromisoformat(str(moment)),
        )


@dataclass(frozen=True, slots=True)
class VacuumComparison:
    """Before/after of one VACUUM, carried in the action outcome's ``details``."""

    relid: int
    table: str
    before: TableState
    after: TableState
    notices: tuple[str, ...] = field(default_factory=tuple)
    counters_updated: bool = True
    """False after VACUUM FULL without ANALYZE: it leaves the dead-tuple counters as they were."""

    @classmethod
    def from_details(cls, details: Mapping[str, Any]) -> VacuumComparison | None:
        try:
            return cls(
                relid=int(details["relid"]),
                table=str(details["table"]),
                before=TableState.from_json(details["before"]),
                after=TableState.from_json(details["after"]),
                notices=tuple(str(n) for n in details.get("notices", ())),
                counters_updated=bool(details.get("counters_updated", True)),
            )
        except (KeyError, TypeError, ValueError):
            return None
