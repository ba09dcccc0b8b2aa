"""Table health (every refresh), the statistical bloat estimate (on open and on demand) and
exact pgstattuple measurements (on demand, one table)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from asyncpg import Record
from asyncpg.transaction import Transaction

from psadmin.models.bloat import (
    BloatEstimate,
    BloatReport,
    ColumnLayout,
    TableColumns,
    TableMeasurement,
    estimate_bloat,
)
from psadmin.models.errors import BackendError, FailureKind
from psadmin.models.tables import (
    AutovacuumSettings,
    TableCatalog,
    TableCounters,
    TableHealthReport,
    TableInfo,
    TableStats,
    health_report,
    parse_reloptions,
)
from queries import sql
from queries.executor import Executor

MEASURE_TIMEOUT_MS = 120_000
"""pgstattuple reads the table; it gets longer than a poll, but never forever."""


class TransactionalExecutor(Executor, Protocol):
    def transaction(
        self, *, isolation: Any = None, readonly: bool = False, deferrable: bool = False
    ) -> Transaction: ...


def _setting(values: dict[str, str], name: str, default: float) -> float:
    try:
        return float(values[name])
    except (KeyError, ValueError):
        return default


def autovacuum_settings(rows: Sequence[Record]) -> tuple[AutovacuumSettings, int]:
    """The server's autovacuum settings and its block size, from autovacuum_settings.sql."""
    values = {r["name"]: r["setting"] for r in rows}
    max_threshold = values.get("autovacuum_vacuum_max_threshold")
    settings = AutovacuumSettings(
        enabled=values.get("autovacuum", "on") == "on" and values.get("track_counts", "on") == "on",
        vacuum_threshold=int(_setting(values, "autovacuum_vacuum_threshold", 50)),
        vacuum_scale_factor=_setting(values, "autovacuum_vacuum_scale_factor", 0.2),
        vacuum_max_threshold=(None if max_threshold in (None, "-1") else int(str(max_threshold))),
        insert_threshold=int(_setting(values, "autovacuum_vacuum_insert_threshold", 1000)),
        insert_scale_factor=_setting(values, "autovacuum_vacuum_insert_scale_factor", 0.2),
        analyze_threshold=int(_setting(values, "autovacuum_analyze_threshold", 50)),
        analyze_scale_factor=_setting(values, "autovacuum_analyze_scale_factor", 0.1),
        freeze_max_age=int(_setting(values, "autovacuum_freeze_max_age", 200_000_000)),
    )
    return settings, int(_setting(values, "block_size", 8192))


def _info(row: Record) -> TableInfo:
    return TableInfo(
        relid=row["relid"],
        schema=row["schema_name"],
        name=row["table_name"],
        kind=row["kind"],
        pages=row["pages"],
        reltuples=row["reltuples"],
        all_visible_pages=row["all_visible_pages"],
        index_pages=row["index_pages"],
        toast_pages=row["toast_pages"],
        xid_age=row["xid_age"],
        reloptions=parse_reloptions(row["reloptions"]),
        can_vacuum=bool(row["can_vacuum"]),
        owner=row["owner"],
        all_frozen_pages=row["all_frozen_pages"],
    )


async def table_catalog(conn: Executor, server_version_num: int) -> TableCatalog:
    """The tables with their relpages sizes, options and privileges (on open, every minute)."""
    settings, block_size = autovacuum_settings(
        await conn.fetch(sql.load("autovacuum_settings", server_version_num))
    )
    rows = await conn.fetch(sql.load("table_catalog", server_version_num))
    return TableCatalog(
        taken_at=datetime.now(UTC),
        settings=settings,
        tables=tuple(_info(r) for r in rows),
        block_size=block_size,
    )


async def table_stats(conn: Executor, relids: Sequence[int]) -> TableStats:
    """The cumulative counters of these tables: the only query of a routine refresh."""
    rows = await conn.fetch(sql.load("table_stats"), list(relids))
    return TableStats(
        taken_at=datetime.now(UTC),
        counters=tuple(
            TableCounters(
                relid=r["relid"],
                live_tuples=r["n_live_tup"],
                dead_tuples=r["n_dead_tup"],
                mod_since_analyze=r["n_mod_since_analyze"],
                ins_since_vacuum=r["n_ins_since_vacuum"],
                last_vacuum=r["last_vacuum"],
                last_autovacuum=r["last_autovacuum"],
                last_analyze=r["last_analyze"],
                last_autoanalyze=r["last_autoanalyze"],
                vacuum_count=r["vacuum_count"],
                autovacuum_count=r["autovacuum_count"],
                analyze_count=r["analyze_count"],
                autoanalyze_count=r["autoanalyze_count"],
            )
            for r in rows
        ),
    )


async def table_health(conn: Executor, server_version_num: int) -> TableHealthReport:
    """Catalog and counters in one go (for the snapshot and the CLI)."""
    catalog = await table_catalog(conn, server_version_num)
    return health_report(catalog, await table_stats(conn, catalog.relids))


def _text(align: str | bytes) -> str:
    # pg_attribute.attalign is "char": asyncpg gives bytes unless the SQL casts it to text
    return align.decode() if isinstance(align, bytes) else align


def _columns(row: Record) -> TableColumns:
    attnums = row["attnums"] or []
    count = len(attnums)
    order = sorted(range(count), key=attnums.__getitem__)  # the arrays come unordered

    def ordered(values: Sequence[Any] | None, default: Any = None) -> tuple[Any, ...]:
        if values is None:
            return (default,) * count
        return tuple(values[i] for i in order)

    try:
        fillfactor = int(parse_reloptions(row["reloptions"]).get("fillfactor", "100"))
    except ValueError:
        fillfactor = 100
    return TableColumns(
        relid=row["relid"],
        schema=row["schema_name"],
        name=row["table_name"],
        pages=row["pages"],
        reltuples=row["reltuples"],
        toast_pages=row["toast_pages"],
        toast_tuples=row["toast_tuples"],
        fillfactor=fillfactor,
        columns=ColumnLayout(
            lengths=ordered(row["lengths"]),
            aligns=tuple(_text(a) for a in ordered(row["aligns"])),
            widths=ordered(row["widths"]),
            null_fracs=ordered(row["null_fracs"]),
            visible=ordered(row["visible"], True),
        ),
        analyzed=row["analyzed"],
        mod_since_analyze=row["mod_since_analyze"] or 0,
        dead_tuples=row["dead_tuples"] or 0,
    )


async def table_bloat(
    conn: Executor, server_version_num: int, role: str = "", superuser: bool = False
) -> BloatReport:
    """The statistical estimate for every table (catalog reads only).

    A superuser reads pg_statistic directly; any other role goes through pg_stats, which is
    slower (it checks column privileges) and hides the columns the role may not SELECT.
    """
    name = "table_bloat_superuser" if superuser else "table_bloat"
    started = time.perf_counter()
    rows = await conn.fetch(sql.load(name, server_version_num))
    elapsed_ms = (time.perf_counter() - started) * 1000
    block_size = rows[0]["block_size"] if rows else 8192
    # Thousands of tables take a few hundred ms of Python: off the event loop, so the TUI
    # stays responsive meanwhile.
    estimates = await asyncio.to_thread(estimates_from_rows, rows, block_size, role)
    return BloatReport(estimates=estimates, elapsed_ms=elapsed_ms, block_size=block_size)


def estimates_from_rows(
    rows: Sequence[Record], block_size: int, role: str
) -> tuple[BloatEstimate, ...]:
    """The estimate of every row of table_bloat(_superuser).sql, sorted by schema and name."""
    found = (estimate_bloat(_columns(r), block_size, role) for r in rows)
    return tuple(sorted(found, key=lambda e: (e.schema, e.name)))


async def measure_table(
    conn: TransactionalExecutor,
    relid: int,
    exact: bool,
    timeout_ms: int = MEASURE_TIMEOUT_MS,
) -> TableMeasurement:
    """pgstattuple (exact, reads every page) or pgstattuple_approx (skips all-visible pages).

    Runs in a read-only transaction with its own statement_timeout, so the measurement may
    take longer than a poll but can never hang the console.
    """
    name = "measure_exact" if exact else "measure_approx"
    async with conn.transaction(readonly=True):
        schema = await conn.fetchval(sql.load("measure_setup"), str(timeout_ms))
        if schema is None:
            raise BackendError(
                "pgstattuple is not installed in this database: CREATE EXTENSION pgstattuple",
                FailureKind.UNSUPPORTED,
            )
        started = time.perf_counter()
        row = await conn.fetchrow(sql.load(name), relid)
        elapsed_ms = (time.perf_counter() - started) * 1000
    if row is None:
        raise BackendError(f"table with oid {relid} no longer exists")
    return TableMeasurement(
        relid=relid,
        exact=exact,
        table_len=row["table_len"],
        tuple_count=row["tuple_count"],
        tuple_len=row["tuple_len"],
        dead_tuple_count=row["dead_tuple_count"],
        dead_tuple_len=row["dead_tuple_len"],
        free_space=row["free_space"],
        scanned_ratio=row["scanned_ratio"],
        elapsed_ms=elapsed_ms,
    )
