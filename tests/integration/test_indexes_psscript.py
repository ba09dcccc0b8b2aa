"""The PSScript-specific audit on the demo schema (PostgreSQL 18, pgvector): a clean schema shows
no drift; removed indexes, constraints and triggers and an altered column do; orphan rows in the
junction tables are counted; missing indexes are built through the admin-action path."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster
from psadmin.models.actions import OutcomeStatus
from psadmin.models.indexes import Finding, IndexAudit
from psadmin.schema import create_schema
from screens.indexes_cells import create_index_request
from tests.integration.helpers import settings_for

NewDb = Callable[[PostgresCluster, str], str]

DAMAGE = [
    "DROP INDEX idx_scripts_file_hash",
    "DROP INDEX script_embeddings_idx",
    "ALTER TABLE script_analysis DROP CONSTRAINT script_analysis_script_id_unique",
    "DROP TRIGGER update_scripts_updated_at ON scripts",
    "ALTER TABLE comments DISABLE TRIGGER update_comments_updated_at",
    "ALTER TABLE scripts DROP CONSTRAINT scripts_user_id_fkey, ADD CONSTRAINT "
    "scripts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)",
    "ALTER TABLE users ALTER COLUMN locked_until TYPE timestamp without time zone",
    "ALTER TABLE users DROP COLUMN last_login_at",
    "ALTER INDEX idx_users_role RENAME TO users_role_idx",
    "DROP TABLE tool_execution_results",
]
DRIFT = {
    "schema_drift:scripts:index:idx_scripts_file_hash": "warning",
    "schema_drift:script_embeddings:index:script_embeddings_idx": "warning",
    "schema_drift:script_analysis:unique:script_analysis_script_id_unique": "warning",
    "schema_drift:scripts:trigger:update_scripts_updated_at": "warning",
    "schema_drift:comments:trigger:update_comments_updated_at": "warning",
    "schema_drift:scripts:foreign_key:scripts_user_id_fkey": "warning",
    "schema_drift:users:column:locked_until": "warning",
    "schema_drift:users:column:last_login_at": "critical",
    "schema_drift:users:index:idx_users_last_login": "warning",  # went with its column
    "schema_drift:users:index:idx_users_role": "info",
    "schema_drift:tool_execution_results:table": "critical",
}


@pytest.fixture
def psscript_dsn(pg18: PostgresCluster, fresh_database: NewDb) -> str:
    return fresh_database(pg18, "idx_psscript")


def backend_for(dsn: str, tmp_path: Path) -> LiveBackend:
    profile = dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl")
    return LiveBackend(settings_for(dsn, profile=profile))


async def audit_of(dsn: str, tmp_path: Path) -> IndexAudit:
    backend = backend_for(dsn, tmp_path)
    try:
        return await backend.index_audit()
    finally:
        await backend.close()


def kinds(audit: IndexAudit, *names: str) -> dict[str, Finding]:
    return {f.key: f for f in audit.findings if f.kind in names}


async def test_clean_schema_shows_no_drift_and_no_orphans(
    psscript_dsn: str, tmp_path: Path
) -> None:
    await create_schema(psscript_dsn)
    audit = await audit_of(psscript_dsn, tmp_path)
    assert audit.psscript_schema == "public"
    assert kinds(audit, "schema_drift", "orphan_rows") == {}
    # what the seed reviews found by hand is found on the schema as documented
    keys = {f.key for f in audit.findings}
    assert "fk_without_index:public.script_tags.script_tags_tag_id_fkey" in keys
    assert "fk_without_on_delete:public.comments.comments_user_id_fkey" in keys
    twins = {
        "duplicate_index:public.idx_chat_history_user",
        "duplicate_index:public.chat_history_user_id_idx",
    }
    assert len(twins & keys) == 1  # the newer of the two identical indexes


async def test_removed_objects_and_an_altered_column_show_up_as_drift(
    psscript_dsn: str, tmp_path: Path
) -> None:
    await create_schema(psscript_dsn)
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        for statement in DAMAGE:
            conn.execute(statement)  # type: ignore[arg-type]
    audit = await audit_of(psscript_dsn, tmp_path)
    drift = kinds(audit, "schema_drift")
    assert {key: f.level.label for key, f in drift.items()} == DRIFT
    fk = drift["schema_drift:scripts:foreign_key:scripts_user_id_fkey"]
    assert "ON DELETE NO ACTION; expected ON DELETE CASCADE" in fk.detail
    assert "ON DELETE CASCADE NOT VALID" in fk.remediation
    column = drift["schema_drift:users:column:locked_until"]
    assert "timestamp without time zone; expected timestamp with time zone" in column.detail
    assert "disabled" in drift["schema_drift:comments:trigger:update_comments_updated_at"].detail
    assert drift["schema_drift:users:index:idx_users_role"].remediation == (
        "ALTER INDEX public.users_role_idx RENAME TO idx_users_role;"
    )
    # every remediation but the missing table's is SQL that puts the object back
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        for key in sorted(DRIFT):
            if key.endswith(":table") or key.endswith("idx_users_last_login"):
                continue
            text = "\n".join(
                line for line in drift[key].remediation.splitlines() if not line.startswith("--")
            )
            for statement in (s.strip() for s in text.split(";\n")):
                if statement:
                    conn.execute(statement)  # type: ignore[arg-type]
    after = kinds(await audit_of(psscript_dsn, tmp_path), "schema_drift")
    assert set(after) == {
        "schema_drift:tool_execution_results:table",
        "schema_drift:users:index:idx_users_last_login",
    }


async def test_orphan_rows_in_junction_tables_are_counted(
    psscript_dsn: str, tmp_path: Path
) -> None:
    await create_schema(psscript_dsn)
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # foreign keys not enforced
        conn.execute("INSERT INTO script_tags (script_id, tag_id) VALUES (901, 902), (903, 904)")
        conn.execute("INSERT INTO user_favorites (user_id, script_id) VALUES (905, 906)")
        conn.execute(
            "INSERT INTO script_dependencies (parent_script_id, child_script_id) VALUES (907, 908)"
        )
    orphans = kinds(await audit_of(psscript_dsn, tmp_path), "orphan_rows")
    counts = {key: int(f.detail.split()[0]) for key, f in orphans.items()}
    assert counts == {
        "orphan_rows:script_tags.script_id": 2,
        "orphan_rows:script_tags.tag_id": 2,
        "orphan_rows:user_favorites.user_id": 1,
        "orphan_rows:user_favorites.script_id": 1,
        "orphan_rows:script_dependencies.parent_script_id": 1,
        "orphan_rows:script_dependencies.child_script_id": 1,
    }
    remediation = orphans["orphan_rows:script_tags.tag_id"].remediation
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        assert conn.execute(remediation).rowcount == 2  # type: ignore[arg-type]
    left = kinds(await audit_of(psscript_dsn, tmp_path), "orphan_rows")
    assert "orphan_rows:script_tags.tag_id" not in left
    assert "orphan_rows:script_tags.script_id" not in left  # the same two rows went


async def test_missing_indexes_are_built_through_the_action_path(
    psscript_dsn: str, tmp_path: Path
) -> None:
    await create_schema(psscript_dsn)
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX idx_scripts_file_hash")
        conn.execute("DROP INDEX script_embeddings_idx")
    backend = backend_for(psscript_dsn, tmp_path)
    wanted = (
        "schema_drift:scripts:index:idx_scripts_file_hash",
        "schema_drift:script_embeddings:index:script_embeddings_idx",
    )
    try:
        drift = kinds(await backend.index_audit(), "schema_drift")
        for key in wanted:
            request = create_index_request(drift[key])
            assert request is not None
            outcome = await ActionRunner(backend).run(request)
            assert outcome.status is OutcomeStatus.OK, outcome.message
        assert not kinds(await backend.index_audit(), "schema_drift")
    finally:
        await backend.close()
    with psycopg.connect(psscript_dsn) as conn:
        row = conn.execute("SELECT pg_get_indexdef('script_embeddings_idx'::regclass)").fetchone()
    assert row is not None
    assert "USING hnsw (embedding vector_cosine_ops)" in row[0]
    assert "m='32'" in row[0] and "ef_construction='128'" in row[0]


async def test_a_monitoring_role_gets_the_audit_and_a_note_for_what_it_cannot_read(
    pg18: PostgresCluster, psscript_dsn: str, tmp_path: Path
) -> None:
    await create_schema(psscript_dsn)
    with psycopg.connect(psscript_dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS idx_watcher")
        conn.execute("CREATE ROLE idx_watcher LOGIN IN ROLE pg_monitor")
    database = psscript_dsn.rsplit("/", 1)[1]
    profile = dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl")
    settings = settings_for(pg18.dsn(database, user="idx_watcher"), read_only=True, profile=profile)
    backend = LiveBackend(settings)
    try:
        audit = await backend.index_audit()
        bloat = await backend.index_bloat()
    finally:
        await backend.close()
    assert audit.psscript_schema == "public"
    assert kinds(audit, "schema_drift", "orphan_rows") == {}
    assert "fk_without_index:public.script_tags.script_tags_tag_id_fkey" in {
        f.key for f in audit.findings
    }
    assert len(audit.notes) == 1 and "orphan rows not checked" in audit.notes[0]
    assert "permission denied" in audit.notes[0]
    assert bloat and not any(b.reliable for b in bloat)  # pg_stats hides unreadable columns
