"""What the connected server is and what the role may do there."""

from __future__ import annotations

from dataclasses import dataclass, field

from psadmin.models.vacuum import quote_ident

MIN_SERVER_VERSION_NUM = 150000


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Detected once per connection; decides SQL variants and which actions are offered."""

    server_version_num: int
    server_version: str
    database: str
    role: str
    is_superuser: bool
    pg_monitor: bool
    pg_read_all_stats: bool
    pg_signal_backend: bool
    max_connections: int
    superuser_reserved_connections: int
    reserved_connections: int
    pg_stat_statements_preloaded: bool
    extensions: dict[str, str] = field(default_factory=dict)
    """Installed extensions in this database: name -> version."""

    @property
    def major(self) -> int:
        return self.server_version_num // 10000

    @property
    def usable_connections(self) -> int:
        """Slots an ordinary role can take: max_connections minus the reserved ones."""
        return max(
            self.max_connections - self.superuser_reserved_connections - self.reserved_connections,
            1,
        )

    def extension_version(self, name: str) -> str | None:
        return self.extensions.get(name)

    @property
    def sees_all_sessions(self) -> bool:
        """Whether other roles' queries and states are visible in pg_stat_activity."""
        return self.is_superuser or self.pg_read_all_stats or self.pg_monitor

    def privilege_summary(self) -> str:
        """One short line for the status bar, e.g. ``superuser`` or ``pg_monitor, no signal``."""
        if self.is_superuser:
            return "superuser"
        parts = [
            name
            for name, held in (
                ("pg_monitor", self.pg_monitor),
                ("pg_read_all_stats", self.pg_read_all_stats and not self.pg_monitor),
                ("pg_signal_backend", self.pg_signal_backend),
            )
            if held
        ]
        return ", ".join(parts) if parts else "no monitoring role"

    def missing(self) -> list[str]:
        """What this role or server lacks, each with the fix, for reports and the status bar."""
        notes: list[str] = []
        role = quote_ident(self.role)
        if not self.sees_all_sessions:
            notes.append(f"other sessions' queries are hidden: GRANT pg_monitor TO {role}")
        if not (self.is_superuser or self.pg_signal_backend):
            notes.append(
                f"cannot cancel/terminate others' sessions: GRANT pg_signal_backend TO {role}"
            )
        if "pg_stat_statements" not in self.extensions:
            notes.append("slow-query statistics need: CREATE EXTENSION pg_stat_statements")
        if not self.pg_stat_statements_preloaded:
            notes.append(
                "pg_stat_statements is not loaded: add it to shared_preload_libraries and restart"
            )
        return notes
