"""Scripted table health, bloat estimates and a VACUUM that runs until the test lets it end."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.bloat import BloatEstimate, BloatReport, TableMeasurement
from psadmin.models.tables import (
    AutovacuumSettings,
    TableCatalog,
    TableCounters,
    TableHealth,
    TableInfo,
    TableStats,
)
from psadmin.models.vacuum import TableState, VacuumProgress

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
MB = 1024 * 1024


def table(relid: int, schema: str, name: str, **changes: object) -> TableHealth:
    base = TableHealth(
        relid=relid,
        schema=schema,
        name=name,
        kind="r",
        heap_bytes=40 * MB,
        index_bytes=4 * MB,
        toast_bytes=0,
        pages=5120,
        all_visible_pages=1000,
        reltuples=15_000,
        live_tuples=15_000,
        dead_tuples=100,
        mod_since_analyze=10,
        ins_since_vacuum=0,
        last_vacuum=T0 - timedelta(hours=3),
        last_autovacuum=T0 - timedelta(minutes=20),
        last_analyze=None,
        last_autoanalyze=T0 - timedelta(minutes=20),
        vacuum_count=1,
        autovacuum_count=7,
        analyze_count=0,
        autoanalyze_count=7,
        xid_age=1200,
        reloptions={},
        can_vacuum=True,
        owner="psscript",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def demo_tables() -> list[TableHealth]:
    return [
        table(
            101,
            "public",
            "script_versions",
            dead_tuples=210_000,
            reloptions={"autovacuum_enabled": "false"},
            last_autovacuum=None,
            autovacuum_count=0,
        ),
        table(102, "public", "script_analysis", dead_tuples=9_000, heap_bytes=12 * MB),
        table(103, "public", "users", heap_bytes=2 * MB, dead_tuples=3),
        table(104, "audit", "events", can_vacuum=False, owner="auditor", dead_tuples=0),
    ]


def estimate(relid: int, name: str, ratio: float, **changes: object) -> BloatEstimate:
    size = 40 * MB
    base = BloatEstimate(
        relid=relid,
        schema="public",
        name=name,
        table_bytes=size,
        bloat_bytes=round(size * ratio),
        unused_bytes=round(size * ratio),
        heap_bloat_bytes=round(size * ratio),
        toast_bloat_bytes=0,
        fillfactor=100,
        reliable=True,
        note="",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class FakeTables:
    def __init__(self) -> None:
        self.tables = demo_tables()
        self.estimates = [
            estimate(101, "script_versions", 0.72),
            estimate(102, "script_analysis", 0.05),
            estimate(103, "users", 0.01),
            estimate(
                104,
                "events",
                0.86,
                reliable=False,
                stats_hidden=True,
                note="statistics of 3 of 3 columns are hidden from psadmin (no SELECT)",
            ),
        ]
        self.bloat_calls = 0
        self.catalog_calls = 0
        self.measured: list[tuple[int, bool]] = []
        self.progress: list[VacuumProgress] = []
        self.release: asyncio.Event | None = None
        """When set, a VACUUM runs (and shows progress) until the test sets this event."""
        self.started = asyncio.Event()
        self.cancelled = False

    def catalog(self) -> TableCatalog:
        self.catalog_calls += 1
        infos = tuple(
            TableInfo(
                relid=t.relid,
                schema=t.schema,
                name=t.name,
                kind=t.kind,
                pages=t.heap_bytes // 8192,
                reltuples=t.reltuples,
                all_visible_pages=t.all_visible_pages,
                index_pages=t.index_bytes // 8192,
                toast_pages=t.toast_bytes // 8192,
                xid_age=t.xid_age,
                reloptions=t.reloptions,
                can_vacuum=t.can_vacuum,
                owner=t.owner,
            )
            for t in self.tables
        )
        return TableCatalog(T0, AutovacuumSettings(), infos)

    def stats(self, relids: Sequence[int]) -> TableStats:
        wanted = set(relids)
        return TableStats(
            T0,
            tuple(
                TableCounters(
                    relid=t.relid,
                    live_tuples=t.live_tuples,
                    dead_tuples=t.dead_tuples,
                    mod_since_analyze=t.mod_since_analyze,
                    ins_since_vacuum=t.ins_since_vacuum,
                    last_vacuum=t.last_vacuum,
                    last_autovacuum=t.last_autovacuum,
                    last_analyze=t.last_analyze,
                    last_autoanalyze=t.last_autoanalyze,
                    vacuum_count=t.vacuum_count,
                    autovacuum_count=t.autovacuum_count,
                    analyze_count=t.analyze_count,
                    autoanalyze_count=t.autoanalyze_count,
                )
                for t in self.tables
                if t.relid in wanted
            ),
        )

    def bloat(self) -> BloatReport:
        self.bloat_calls += 1
        return BloatReport(tuple(self.estimates), elapsed_ms=3.5)

    def measure(self, relid: int, exact: bool) -> TableMeasurement:
        self.measured.append((relid, exact))
        return TableMeasurement(
            relid=relid,
            exact=exact,
            table_len=40 * MB,
            tuple_count=15_000,
            tuple_len=11 * MB,
            dead_tuple_count=0,
            dead_tuple_len=0,
            free_space=29 * MB,
            scanned_ratio=1.0 if exact else 0.2,
            elapsed_ms=12.0,
        )

    def cancel(self) -> bool:
        if not any(p.own for p in self.progress):
            return False
        self.cancelled = True
        if self.release is not None:
            self.release.set()
        return True

    async def run_vacuum(self, request: ActionRequest) -> ActionOutcome:
        relid = int(request.params["relid"])
        self.progress = [
            VacuumProgress(
                pid=4242,
                relid=relid,
                table=request.target,
                command="VACUUM FULL" if request.params["options"]["full"] else "VACUUM",
                phase="scanning heap",
                autovacuum=False,
                own=True,
                running_s=1.5,
                heap_blks_total=5120,
                heap_blks_scanned=2560,
                heap_blks_vacuumed=0,
                dead_items=105_000,
            )
        ]
        self.started.set()
        try:
            if self.release is not None:
                await self.release.wait()
        finally:
            self.progress = []
        if self.cancelled:
            message = f"VACUUM of {request.target} was cancelled"
            return ActionOutcome(OutcomeStatus.ERROR, message, details={"notices": []})
        before = TableState(15_000, 210_000, 40 * MB, 44 * MB, T0 - timedelta(hours=3))
        after = TableState(15_000, 0, 40 * MB, 44 * MB, T0)
        self.tables = [
            dataclasses.replace(t, dead_tuples=0, last_vacuum=T0) if t.relid == relid else t
            for t in self.tables
        ]
        details = {
            "relid": relid,
            "table": request.target,
            "before": before.to_json(),
            "after": after.to_json(),
            "notices": ['INFO: vacuuming "psscript.public.script_versions"'],
        }
        return ActionOutcome(OutcomeStatus.OK, f"vacuumed {request.target}", details=details)
