"""Index usage and the generic audit on PostgreSQL 15 and 18, against a schema with known answers
for every finding kind (tests/integration/index_schema.py); the remediation SQL; the snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import asyncpg
import psycopg
import pytest

from psadmin.demo.servers import PostgresCluster
from psadmin.models.indexes import (
    UNUSED_MIN_STATS_AGE_S,
    Finding,
    FindingLevel,
    IndexAudit,
)
from queries.audit_findings import unused_indexes
from tests.integration.helpers import clean_env
from tests.integration.index_schema import (
    ODD_FK,
    UNUSED,
    NewDb,
    backend_with_audit,
    build_schema,
)


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    """Each test runs on Debian's PostgreSQL 15 and on the embedded 18."""
    found: PostgresCluster = request.getfixturevalue(request.param)
    return found


def by_kind(audit: IndexAudit, kind: str) -> dict[str, Finding]:
    return {f.object: f for f in audit.findings if f.kind == kind}


async def test_every_finding_kind_has_its_known_answers(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "idx_audit")
    build_schema(dsn)
    backend = backend_with_audit(dsn, tmp_path)
    try:
        audit = await backend.index_audit()
    finally:
        await backend.close()
    assert audit.psscript_schema is None
    assert audit.stats_age_s is not None and audit.stats_age_s < 600

    unused = by_kind(audit, "unused_index")
    assert set(unused) == UNUSED
    assert "used_t_v" not in unused and "nopk_promo_a" not in unused and "inv_t_v" not in unused
    # a fresh reset makes "unused" a hint, and says so
    assert {f.level for f in unused.values()} == {FindingLevel.INFO}
    assert "statistics reset" in unused["dup_t_a"].detail
    assert "serves foreign key fk_noaction_parent_id_fkey" in unused["fk_noaction_parent"].detail
    assert unused["dup_t_a"].remediation == "DROP INDEX CONCURRENTLY public.dup_t_a;"

    duplicates = by_kind(audit, "duplicate_index")
    assert set(duplicates) == {"dup_t_a", "dup_t_c_2", "dup_t_id", "dup_t_lower_2"}
    assert "dup_t_c_1" in duplicates["dup_t_c_2"].detail
    assert "dup_t_pkey" in duplicates["dup_t_id"].detail

    invalid = by_kind(audit, "invalid_index")
    assert set(invalid) == {"inv_t_v"} and invalid["inv_t_v"].level is FindingLevel.CRITICAL
    assert "DROP INDEX CONCURRENTLY public.inv_t_v;" in invalid["inv_t_v"].remediation

    no_index = {f.key: f for f in audit.findings if f.kind == "fk_without_index"}
    assert set(no_index) == {
        ODD_FK,
        "fk_without_index:public.fk_child.fk_child_parent_id_fkey",
        "fk_without_index:public.fk_partial.fk_partial_parent_id_fkey",  # partial: not covered
        "fk_without_index:public.fk_second.fk_second_parent_id_fkey",  # not leading: not covered
    }
    odd = no_index[ODD_FK]
    assert odd.columns == ("Parent Ref",) and odd.references == "public.parent"
    assert odd.remediation == (
        'CREATE INDEX CONCURRENTLY "Odd ""Name""_Parent Ref_idx" '
        'ON public."Odd ""Name""" ("Parent Ref");'
    )

    on_delete = by_kind(audit, "fk_without_on_delete")
    assert set(on_delete) == {"fk_noaction_parent_id_fkey"}
    finding = on_delete["fk_noaction_parent_id_fkey"]
    assert (finding.table, finding.references) == ("fk_noaction", "public.parent")

    assert set(by_kind(audit, "no_primary_key")) == {"inv_t", "nopk", "nopk_promo"}
    assert "USING INDEX nopk_promo_a" in by_kind(audit, "no_primary_key")["nopk_promo"].remediation
    assert not by_kind(audit, "schema_drift") and not by_kind(audit, "orphan_rows")
    assert len({f.key for f in audit.findings}) == len(audit.findings)


async def test_long_statistics_history_turns_unused_into_a_warning(
    pg15: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(pg15, "idx_unused")
    build_schema(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        old = await unused_indexes(conn, UNUSED_MIN_STATS_AGE_S + 1)
        never = await unused_indexes(conn, None)
    finally:
        await conn.close()
    levels = {f.object: f.level for f in old}
    assert levels["dup_t_a"] is FindingLevel.WARNING
    assert levels["fk_noaction_parent"] is FindingLevel.INFO  # foreign-key checks need it
    assert "never reset" in next(f for f in never if f.object == "dup_t_a").detail


async def test_usage_counters_seq_scans_and_bloat_estimate(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "idx_usage")
    build_schema(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        conn.execute("CREATE TABLE bloat_t (id int PRIMARY KEY, v int)")
        conn.execute("CREATE INDEX bloat_t_v ON bloat_t (v)")
        conn.execute("INSERT INTO bloat_t SELECT g, g FROM generate_series(1, 30000) g")
        conn.execute("DELETE FROM bloat_t WHERE id % 4 <> 0")
        conn.execute("VACUUM ANALYZE bloat_t")
        row = conn.execute("SELECT 100 - avg_leaf_density FROM pgstatindex('bloat_t_v')")
        measured = float(row.fetchone()[0]) / 100  # type: ignore[index]
    backend = backend_with_audit(dsn, tmp_path)
    try:
        usage = await backend.index_usage()
        bloat = {b.name: b for b in await backend.index_bloat()}
    finally:
        await backend.close()
    rows = {r.name: r for r in usage.indexes}
    used = rows["used_t_v"]
    assert used.scans >= 1 and used.tuples_read >= 1
    assert (used.last_scan is not None) == (cluster.version_num >= 160000)
    assert used.cache_hit_ratio is not None and 0 <= used.cache_hit_ratio <= 1
    assert rows["dup_t_pkey"].primary and rows["dup_t_pkey"].constraint == "dup_t_pkey"
    assert rows["parent_code_key"].unique and rows["parent_code_key"].constraint
    assert rows["nopk_promo_a"].unique and rows["nopk_promo_a"].constraint is None
    assert not rows["inv_t_v"].valid and rows["dup_t_a"].valid
    assert rows["dup_t_a"].size_bytes > 0 and rows["dup_t_a"].method == "btree"
    assert usage.stats_age_s is not None and usage.stats_age_s < 600
    seq = {t.table: t for t in usage.seq_scan_tables}
    assert seq["seq_t"].seq_scans >= 3 and seq["seq_t"].seq_share == 1.0
    assert seq["seq_t"].live_rows == 2000 and seq["seq_t"].size_bytes > 0
    assert "used_t" not in seq  # small, and read through its index
    # statistical estimate vs pgstatindex: within ten points, as the estimate promises
    assert bloat["bloat_t_v"].reliable
    assert abs(bloat["bloat_t_v"].bloat_ratio - measured) < 0.10
    assert bloat["used_t_v"].bloat_ratio < bloat["bloat_t_v"].bloat_ratio


VIEWS_USAGE = """
SELECT s.schemaname, s.indexrelname, pg_relation_size(s.indexrelid), s.idx_scan,
       s.idx_tup_read, s.idx_tup_fetch, io.idx_blks_hit, io.idx_blks_read
FROM pg_stat_user_indexes s JOIN pg_statio_user_indexes io USING (indexrelid)
"""


async def test_refresh_reads_the_counters_and_keeps_the_earlier_list_and_sizes(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "idx_refresh")
    build_schema(dsn)
    backend = backend_with_audit(dsn, tmp_path)
    try:
        first = await backend.index_usage()
        with psycopg.connect(dsn, autocommit=True) as conn:
            views = {(r[0], r[1]): r[2:] for r in conn.execute(VIEWS_USAGE)}
            # meanwhile: an index grows and is scanned, one is created, one dropped, one repaired
            conn.execute("INSERT INTO used_t SELECT g, g FROM generate_series(501, 20000) g")
            conn.execute("CREATE INDEX late_t_a ON seq_t (a)")
            conn.execute("DROP INDEX dup_t_c_2")
            conn.execute("DELETE FROM inv_t WHERE id = 2")
            conn.execute("REINDEX INDEX inv_t_v")
            conn.execute("SET enable_seqscan = off")
            conn.execute("SELECT * FROM used_t WHERE v = 7").fetchall()
            conn.execute("SELECT pg_stat_force_next_flush()")
            row = conn.execute("SELECT pg_relation_size('used_t_v')").fetchone()
            assert row is not None
            grown = row[0]
        refreshed = await backend.index_usage(first)
        full = await backend.index_usage()
    finally:
        await backend.close()
    # a full read lists what the statistics views list, with the same sizes and counters
    assert {
        (r.schema, r.name): (
            r.size_bytes,
            r.scans,
            r.tuples_read,
            r.tuples_fetched,
            r.blocks_hit,
            r.blocks_read,
        )
        for r in first.indexes
    } == views
    assert first.catalog_taken_at == first.taken_at and first.catalog_age_s == 0
    before = {r.name: r for r in first.indexes}
    after = {r.name: r for r in refreshed.indexes}
    now = {r.name: r for r in full.indexes}
    assert grown > before["used_t_v"].size_bytes
    # the refresh: fresh counters and validity on the earlier list, sizes as of the earlier read
    assert after["used_t_v"].scans == before["used_t_v"].scans + 1
    assert after["used_t_v"].size_bytes == before["used_t_v"].size_bytes
    assert not before["inv_t_v"].valid and after["inv_t_v"].valid
    assert "dup_t_c_2" in before and "dup_t_c_2" not in after  # dropped: left out at once
    assert "late_t_a" not in after  # created: listed by the next catalog read
    assert refreshed.catalog_taken_at == first.taken_at < refreshed.taken_at
    assert refreshed.catalog_age_s > 0
    assert after["dup_t_pkey"].primary and after["dup_t_pkey"].constraint == "dup_t_pkey"
    # the next catalog read sizes every index again and lists the new one
    assert now["used_t_v"].size_bytes == grown and now["used_t_v"].scans == after["used_t_v"].scans
    assert "late_t_a" in now and "dup_t_c_2" not in now
    assert full.catalog_taken_at == full.taken_at


def statements(remediation: str) -> list[str]:
    """One remediation's statements, comments dropped, each run on its own (CONCURRENTLY)."""
    text = "\n".join(line for line in remediation.splitlines() if not line.startswith("--"))
    return [part.strip() for part in text.split(";\n") if part.strip()]


async def test_remediation_sql_runs_and_clears_its_finding(
    cluster: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(cluster, "idx_fix")
    build_schema(dsn)
    backend = backend_with_audit(dsn, tmp_path)
    fixed = {
        "duplicate_index:public.dup_t_c_2",
        "invalid_index:public.inv_t_v",
        "fk_without_on_delete:public.fk_noaction.fk_noaction_parent_id_fkey",
        "no_primary_key:public.nopk_promo",
        "no_primary_key:public.nopk",
        "fk_without_index:public.fk_child.fk_child_parent_id_fkey",
        ODD_FK,
    }
    try:
        before = {f.key: f for f in (await backend.index_audit()).findings}
        with psycopg.connect(dsn, autocommit=True) as conn:
            for key in sorted(fixed):
                steps = statements(before[key].remediation)
                if key.startswith("invalid_index"):
                    steps = steps[:1]  # DROP; the REINDEX after it is the alternative
                for statement in steps:
                    conn.execute(statement)  # type: ignore[arg-type]
        after = {f.key for f in (await backend.index_audit()).findings}
    finally:
        await backend.close()
    assert fixed <= set(before)
    assert not fixed & after
    assert "duplicate_index:public.dup_t_a" in after  # untouched findings stay


def test_snapshot_json_indexes_with_a_suppressed_finding(
    pg15: PostgresCluster, fresh_database: NewDb, tmp_path: Path
) -> None:
    dsn = fresh_database(pg15, "idx_snapshot")
    build_schema(dsn)
    config = tmp_path / "psadmin.toml"
    config.write_text('[profiles.ci]\nsuppress = ["no_primary_key:public.nopk"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "--json", "indexes", "--dsn", dsn,
         "--config", str(config), "--profile", "ci"],
        capture_output=True, text=True, timeout=120, env=clean_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)["indexes"]
    assert panel["available"] is True
    assert 0 <= panel["stats_reset_age_s"] < 600
    assert panel["suppressed"] == 1 and panel["psscript_schema"] is None
    keys = {f["key"] for f in panel["findings"]}
    assert "no_primary_key:public.nopk" not in keys and "no_primary_key:public.inv_t" in keys
    for finding in panel["findings"]:
        assert {"key", "level", "kind", "table", "columns", "detail", "remediation"} <= set(finding)
        assert finding["level"] in {"info", "warning", "critical"}
    assert {f["kind"] for f in panel["findings"]} == {
        "unused_index", "duplicate_index", "invalid_index", "fk_without_index",
        "fk_without_on_delete", "no_primary_key",
    }  # fmt: skip
    assert panel["findings_by_kind"]["duplicate_index"] == 4
    indexes = {i["name"]: i for i in panel["indexes"]}
    assert indexes["used_t_v"]["scans"] >= 1 and indexes["inv_t_v"]["valid"] is False
    assert 0 <= indexes["dup_t_a"]["estimated_bloat_ratio"] <= 1
    assert any(t["table"] == "seq_t" for t in panel["seq_scan_tables"])
    assert not any(key.startswith("_") for key in panel)
