"""Whether pg_stat_statements can be read here, and if not, exactly what to change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatementsAvailability:
    """Whether statement statistics can be read here, and if not exactly what to change."""

    available: bool
    extension_version: str | None = None
    reason: str | None = None
    fix: str | None = None
    notes: tuple[str, ...] = ()
    """Partial views (other roles' statements hidden, compute_query_id off), each with its fix."""


@dataclass(frozen=True, slots=True)
class StatementsFacts:
    """What the catalog says, from which :func:`statements_availability` decides."""

    extension_version: str | None
    preloaded: bool
    installable: bool
    sees_all: bool
    role: str
    """Quoted by the server (``quote_ident``), ready for a GRANT."""
    database: str
    preload_libraries: str | None = None
    """None when the role may not read shared_preload_libraries."""
    compute_query_id: str | None = None


def _preload_step(libraries: str | None) -> str:
    if libraries is None:
        return (
            "add pg_stat_statements to shared_preload_libraries in postgresql.conf (keep the "
            "libraries already listed) and restart PostgreSQL"
        )
    listed = [lib.strip() for lib in libraries.split(",") if lib.strip()]
    value = ", ".join([*listed, "pg_stat_statements"])
    return f"ALTER SYSTEM SET shared_preload_libraries = '{value}'; then restart PostgreSQL"


def statements_availability(facts: StatementsFacts) -> StatementsAvailability:
    notes: list[str] = []
    if not facts.sees_all:
        notes.append(
            "statements and queries of other roles are hidden: "
            f"GRANT pg_read_all_stats TO {facts.role};"
        )
    if facts.compute_query_id == "off":
        notes.append(
            "compute_query_id is off, so no statement is recorded: "
            "ALTER SYSTEM SET compute_query_id = 'auto'; SELECT pg_reload_conf();"
        )
    create = f"CREATE EXTENSION pg_stat_statements; (as a superuser, in database {facts.database})"
    version = facts.extension_version
    if version is None and not facts.installable:
        return StatementsAvailability(
            False,
            reason="pg_stat_statements is not available on this server",
            fix="install the PostgreSQL contrib package (e.g. postgresql-contrib); then "
            f"{_preload_step(facts.preload_libraries)}; then {create}",
            notes=tuple(notes),
        )
    if version is None and not facts.preloaded:
        return StatementsAvailability(
            False,
            reason="pg_stat_statements is neither loaded nor installed in this database",
            fix=f"{_preload_step(facts.preload_libraries)}; then {create}",
            notes=tuple(notes),
        )
    if version is None:
        return StatementsAvailability(
            False,
            reason=f"the pg_stat_statements extension is not installed in database "
            f"{facts.database}",
            fix=create,
            notes=tuple(notes),
        )
    if not facts.preloaded:
        return StatementsAvailability(
            False,
            version,
            reason="pg_stat_statements is installed but not loaded (shared_preload_libraries)",
            fix=_preload_step(facts.preload_libraries),
            notes=tuple(notes),
        )
    return StatementsAvailability(True, version, notes=tuple(notes))


def extension_version(text: str) -> tuple[int, int]:
    """``"1.10"`` -> ``(1, 10)`` (numeric, so 1.10 is newer than 1.9)."""
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)
