"""The Tables screen's data on PostgreSQL 15 and 18: the statistical bloat estimate against
pgstattuple, the live counters and autovacuum outlook, exact measurements, hidden statistics,
and the ``bloat`` snapshot panel."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from psadmin.backend import LiveBackend
from psadmin.demo.servers import PostgresCluster
from psadmin.models.errors import BackendError
from psadmin.models.tables import TableHealthReport, autovacuum_outlook, health_report
from tests.integration.helpers import backend_for, clean_env
from tests.integration.tables_data import CHURN_ROUNDS, churned_tables, null_heavy_table

NewDb = Callable[[PostgresCluster, str], str]
TOLERANCE = 0.05
"""The estimate must be within 5 percentage points of pgstattuple's measurement."""


@pytest.fixture(params=["pg15", "pg18"])
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def churned(cluster: PostgresCluster, fresh_database: NewDb) -> str:
    dsn = fresh_database(cluster, "bloat")
    churned_tables(dsn)
    return dsn


def pgstattuple_ratio(dsn: str, table: str) -> float:
    """``(dead_tuple_len + free_space) / table_len`` over the heap and its TOAST table."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT sum(s.dead_tuple_len + s.free_space)::float8 / sum(s.table_len) "
            "FROM pg_class AS c, LATERAL (SELECT * FROM pgstattuple(c.oid) UNION ALL "
            "SELECT * FROM pgstattuple(c.reltoastrelid) WHERE c.reltoastrelid <> 0) AS s "
            "WHERE c.oid = %s::regclass",
            (table,),
        ).fetchone()
    assert row is not None
    return float(row[0])


async def health(backend: LiveBackend) -> TableHealthReport:
    catalog = await backend.table_catalog()
    return health_report(catalog, await backend.table_stats(catalog.relids))


async def test_estimate_is_within_five_points_of_pgstattuple(churned: str) -> None:
    backend = backend_for(churned)
    try:
        await backend.connect()
        report = await backend.table_bloat()
    finally:
        await backend.close()
    estimates = {e.name: e for e in report.estimates}
    assert set(estimates) >= {"script_versions", "script_analysis", "execution_logs"}
    for name, estimate in estimates.items():
        measured = pgstattuple_ratio(churned, f"public.{name}")
        assert estimate.reliable, (name, estimate.note)
        assert estimate.unused_ratio is not None and estimate.bloat_ratio is not None
        assert abs(estimate.unused_ratio - measured) <= TOLERANCE, (name, estimate, measured)
        if estimate.fillfactor == 100:
            assert estimate.bloat_ratio == estimate.unused_ratio
            assert abs(estimate.bloat_ratio - measured) <= TOLERANCE, (name, measured)
        else:  # the fillfactor's reserved space is not bloat
            assert estimate.bloat_ratio < estimate.unused_ratio
    assert estimates["script_versions"].bloat_ratio > 0.85  # 1400 % dead rows
    assert report.elapsed_ms > 0


@pytest.fixture
def null_heavy(cluster: PostgresCluster, fresh_database: NewDb) -> str:
    dsn = fresh_database(cluster, "nullheavy")
    null_heavy_table(dsn)
    return dsn


async def test_estimate_of_null_heavy_rows_is_within_five_points(null_heavy: str) -> None:
    # NULLs decide where each row's later columns and its end fall, so the padding (and the
    # null bitmap) differ row by row; the deleted and updated rows keep their line pointers,
    # which pgstattuple counts as neither dead nor free
    backend = backend_for(null_heavy)
    try:
        await backend.connect()
        report = await backend.table_bloat()
    finally:
        await backend.close()
    [estimate] = [e for e in report.estimates if e.name == "sparse_nulls"]
    measured = pgstattuple_ratio(null_heavy, "public.sparse_nulls")
    assert estimate.reliable, estimate.note
    assert estimate.unused_ratio is not None and estimate.bloat_ratio == estimate.unused_ratio
    assert abs(estimate.unused_ratio - measured) <= TOLERANCE, (estimate, measured)


async def test_live_counters_thresholds_and_reloptions(churned: str) -> None:
    backend = backend_for(churned)
    try:
        await backend.connect()
        report = await health(backend)
    finally:
        await backend.close()
    tables = {t.name: t for t in report.tables}
    versions, logs = tables["script_versions"], tables["execution_logs"]
    assert versions.live_tuples == 6000
    # ANALYZE counts the dead rows it saw; the seed's 1400 % shows as a ratio above 1
    assert versions.dead_ratio is not None and versions.dead_ratio > 1
    assert versions.heap_bytes == versions.pages * report.block_size > 0
    assert versions.index_bytes > 0 and versions.toast_bytes >= 0
    assert versions.last_analyze is not None and versions.analyze_count == 1
    assert versions.last_vacuum is None and versions.vacuum_count == 0
    assert versions.xid_age is not None and versions.xid_age > CHURN_ROUNDS
    assert versions.can_vacuum and versions.owner == "postgres"

    outlook = autovacuum_outlook(versions, report.settings)
    assert not outlook.enabled  # autovacuum_enabled = false on the table
    assert outlook.dead_threshold == pytest.approx(50 + 0.2 * versions.reltuples)
    assert outlook.vacuum_due and outlook.freeze_max_age == 200_000_000

    logs_outlook = autovacuum_outlook(logs, report.settings)
    assert logs_outlook.dead_threshold == 10  # per-table threshold 10, scale factor 0
    assert logs_outlook.freeze_max_age == 150_000_000  # the table's lower freeze_max_age
    assert logs.reloptions["autovacuum_vacuum_scale_factor"] == "0"


async def test_measurements_on_demand(churned: str) -> None:
    backend = backend_for(churned)
    try:
        await backend.connect()
        catalog = await backend.table_catalog()
        relid = next(t.relid for t in catalog.tables if t.name == "execution_logs")
        exact = await backend.measure_table(relid, exact=True)
        approx = await backend.measure_table(relid, exact=False)
    finally:
        await backend.close()
    measured = pgstattuple_ratio(churned, "public.execution_logs")
    assert exact.exact and exact.scanned_ratio == 1.0
    assert exact.dead_tuple_count > 0
    assert exact.bloat_ratio is not None
    # the TOAST table is empty here, so the heap alone is the whole measurement
    assert exact.bloat_ratio == pytest.approx(measured, abs=0.005)
    assert not approx.exact and approx.dead_tuple_count == exact.dead_tuple_count
    assert approx.table_len == exact.table_len


async def test_measurement_says_how_to_install_pgstattuple(
    cluster: PostgresCluster, fresh_database: NewDb
) -> None:
    dsn = fresh_database(cluster, "nostattuple")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        relid = conn.execute("SELECT 't'::regclass::oid").fetchone()[0]  # type: ignore[index]
    backend = backend_for(dsn)
    try:
        await backend.connect()
        with pytest.raises(BackendError, match="CREATE EXTENSION pgstattuple"):
            await backend.measure_table(relid, exact=False)
    finally:
        await backend.close()


async def test_hidden_statistics_are_flagged_with_the_fix(
    cluster: PostgresCluster, churned: str
) -> None:
    role = f"watcher_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(churned, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN IN ROLE pg_monitor")
        conn.execute(f"GRANT SELECT ON script_analysis TO {role}")
    database = churned.rsplit("/", 1)[1]
    backend = backend_for(cluster.dsn(database, user=role))
    try:
        await backend.connect()
        report = await backend.table_bloat()
        catalog = await backend.table_catalog()
    finally:
        await backend.close()
    estimates = {e.name: e for e in report.estimates}
    hidden = estimates["script_versions"]
    assert hidden.stats_hidden and not hidden.reliable
    assert f"GRANT SELECT ON public.script_versions TO {role}" in hidden.note
    assert report.hidden_tables == 2  # script_versions and execution_logs
    granted = estimates["script_analysis"]
    assert not granted.stats_hidden and granted.reliable
    measured = pgstattuple_ratio(churned, "public.script_analysis")
    assert granted.unused_ratio == pytest.approx(measured, abs=TOLERANCE)
    assert not any(t.can_vacuum for t in catalog.tables)  # pg_monitor may not VACUUM


def test_snapshot_json_bloat(cluster: PostgresCluster, churned: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[defaults]\naudit_file = "{tmp_path / "audit.jsonl"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "--json", "bloat", "--dsn", churned],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)["bloat"]
    assert panel["available"] is True and panel["level"] == "critical"
    tables = {t["table"]: t for t in panel["tables"]}
    versions = tables["script_versions"]
    for key in (
        "schema",
        "table",
        "live_tuples",
        "dead_tuples",
        "dead_ratio",
        "estimated_bloat_bytes",
        "estimated_bloat_ratio",
        "last_vacuum",
        "last_autovacuum",
        "xid_age",
        "total_bytes",
        "heap_bytes",
        "index_bytes",
        "toast_bytes",
    ):
        assert key in versions, key
    assert versions["schema"] == "public" and versions["live_tuples"] == 6000
    assert versions["dead_ratio"] > 1  # a fraction that may exceed 1
    measured = pgstattuple_ratio(churned, "public.script_versions")
    assert abs(versions["estimated_bloat_ratio"] - measured) <= TOLERANCE
    assert versions["last_vacuum"] is None and versions["level"] == "critical"
    assert panel["tables"][0]["level"] == "critical"  # worst first
    assert not any(key.startswith("_") for key in panel)
    text = subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "bloat", "--dsn", churned],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert text.returncode == 0 and "[CRIT] public.script_versions" in text.stdout
