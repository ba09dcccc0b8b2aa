"""Scripted index usage, audit findings, and a CREATE INDEX that runs until the test lets it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from psadmin.models.actions import ActionOutcome, ActionRequest, OutcomeStatus
from psadmin.models.indexes import (
    Finding,
    FindingLevel,
    IndexAudit,
    IndexBloat,
    IndexSpec,
    IndexUsage,
    IndexUsageRow,
    SeqScanTable,
)
from psadmin.models.vectors import IndexBuild

T0 = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
KB = 1024

FK_FINDING = Finding(
    key="fk_without_index:public.script_tags.script_tags_tag_id_fkey",
    kind="fk_without_index",
    level=FindingLevel.WARNING,
    schema="public",
    table="script_tags",
    object="script_tags_tag_id_fkey",
    detail="no index leads with (tag_id): every DELETE on public.tags scans script_tags",
    remediation="CREATE INDEX CONCURRENTLY script_tags_tag_id_idx ON public.script_tags (tag_id);",
    columns=("tag_id",),
    references="public.tags",
    fix=IndexSpec("public", "script_tags", "script_tags_tag_id_idx", ("tag_id",)),
)
DUPLICATE_FINDING = Finding(
    key="duplicate_index:public.idx_users_email",
    kind="duplicate_index",
    level=FindingLevel.WARNING,
    schema="public",
    table="users",
    object="idx_users_email",
    detail="same key as users_email_key",
    remediation="DROP INDEX CONCURRENTLY public.idx_users_email;",
    columns=("email",),
)
DRIFT_FINDING = Finding(
    key="schema_drift:users:column:last_login_at",
    kind="schema_drift",
    level=FindingLevel.CRITICAL,
    schema="public",
    table="users",
    object="last_login_at",
    detail="column users.last_login_at (timestamp with time zone) is missing",
    remediation="ALTER TABLE public.users ADD COLUMN last_login_at timestamp with time zone;",
    columns=("last_login_at",),
)
UNUSED_FINDING = Finding(
    key="unused_index:public.idx_users_role",
    kind="unused_index",
    level=FindingLevel.INFO,
    schema="public",
    table="users",
    object="idx_users_role",
    detail="no scans; statistics reset 2.0 s ago",
    remediation="DROP INDEX CONCURRENTLY public.idx_users_role;",
    columns=("role",),
)


def index(
    oid: int, name: str, table: str, size_kb: int, scans: int, **flags: bool
) -> IndexUsageRow:
    return IndexUsageRow(
        oid=oid,
        schema="public",
        table=table,
        name=name,
        method="btree",
        size_bytes=size_kb * KB,
        scans=scans,
        last_scan=T0 - timedelta(minutes=5) if scans else None,
        tuples_read=scans * 3,
        tuples_fetched=scans * 2,
        blocks_hit=90,
        blocks_read=10,
        unique=flags.get("unique", False),
        primary=flags.get("primary", False),
        constraint=f"{name}" if flags.get("unique") else None,
        valid=not flags.get("invalid", False),
    )


class FakeIndexes:
    def __init__(self) -> None:
        self.findings: tuple[Finding, ...] = (
            DRIFT_FINDING,
            FK_FINDING,
            DUPLICATE_FINDING,
            UNUSED_FINDING,
        )
        self.suppressed = 1
        self.builds: tuple[IndexBuild, ...] = ()
        self.release = asyncio.Event()
        """Set by a test to let the running create_index finish."""
        self.started = asyncio.Event()
        self.now = T0
        """The server's clock at the next read."""
        self.rows: list[IndexUsageRow] = [
            index(16401, "users_pkey", "users", 64, 5000, unique=True, primary=True),
            index(16402, "users_email_key", "users", 96, 1200, unique=True),
            index(16403, "idx_users_email", "users", 96, 0),
            index(16404, "idx_scripts_user", "scripts", 48, 300),
        ]
        """What the database holds now: its indexes, their sizes and counters."""

    def usage(self, known: IndexUsage | None) -> IndexUsage:
        """As the live backend: with ``known``, fresh counters on its list and sizes."""
        listed, catalog_taken_at = tuple(self.rows), self.now
        if known is not None:
            now = {i.oid: i for i in self.rows}
            listed = tuple(
                dataclasses.replace(
                    old,
                    scans=now[old.oid].scans,
                    last_scan=now[old.oid].last_scan,
                    tuples_read=now[old.oid].tuples_read,
                    tuples_fetched=now[old.oid].tuples_fetched,
                    blocks_hit=now[old.oid].blocks_hit,
                    blocks_read=now[old.oid].blocks_read,
                    valid=now[old.oid].valid,
                )
                for old in known.indexes
                if old.oid in now  # dropped since: left out
            )
            catalog_taken_at = known.catalog_taken_at
        return IndexUsage(
            taken_at=self.now,
            stats_reset=T0 - timedelta(days=3),
            indexes=listed,
            seq_scan_tables=(
                SeqScanTable("public", "scripts", 8 * KB * KB, 3000, 900, 2_700_000, 20, None),
            ),
            catalog_taken_at=catalog_taken_at,
        )

    def audit(self) -> IndexAudit:
        return IndexAudit(
            taken_at=T0,
            stats_reset=T0 - timedelta(days=3),
            findings=self.findings,
            suppressed=self.suppressed,
            psscript_schema="public",
            duration_ms=42.0,
        )

    def bloat(self) -> list[IndexBloat]:
        return [IndexBloat("public", "users", "idx_users_email", 96 * KB, 40 * KB, 0.4166, True)]

    async def run_create_index(self, request: ActionRequest) -> ActionOutcome:
        name = str(request.params["name"])
        self.builds = (
            IndexBuild(
                pid=4321,
                table="script_tags",
                index=name,
                command="CREATE INDEX CONCURRENTLY",
                phase="building index: scanning table",
                blocks_done=30,
                blocks_total=100,
                tuples_done=0,
                tuples_total=0,
            ),
        )
        self.started.set()
        await self.release.wait()
        self.builds = ()
        self.rows.append(index(16500, name, str(request.params["table"]), 16, 0))
        self.findings = tuple(f for f in self.findings if f.fix is None or f.fix.name != name)
        return ActionOutcome(OutcomeStatus.OK, f"created index {name}")
