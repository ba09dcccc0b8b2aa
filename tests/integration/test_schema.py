"""The schema psadmin creates is the one the PSScript seed documents describe.

Expectations are transcribed from the seed documents (shared/seeds) as literal data, never
derived from psadmin.schema: 002 (database documentation) and 003 (change record) win where the
documents disagree; 000 is the only source for the agent tables; 001 adds fixes (MED-005's
unique constraint, MED-001's triggers, WITH TIME ZONE).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from psadmin.demo.servers import PostgresCluster
from psadmin.schema import create_schema, create_vector_index

TZ = "timestamp with time zone"  # 001 CRIT-002's fix: timestamps WITH TIME ZONE
INT = "integer"  # SERIAL and INTEGER columns alike
TEXT = "text"
FLOAT = "double precision"  # Sequelize FLOAT
JSONB = "jsonb"
VECTOR = "vector(1536)"


def varchar(n: int | None = None) -> str:
    return "character varying" if n is None else f"character varying({n})"


# column -> format_type() of the documented type, or None where no document gives one.
# 002 "Data Models" 1-11; 003 "Appendix: New Model Schemas"; 000 "AI/Agent Tables" (names only;
# JSONB for state/input/output and timestamptz are psadmin's brief).
DOCUMENTED_COLUMNS: dict[str, dict[str, str | None]] = {
    "users": {
        "id": INT, "username": varchar(255), "email": varchar(255),
        "password_hash": varchar(255), "role": varchar(50), "last_login_at": TZ,
        "login_attempts": INT, "locked_until": TZ, "created_at": TZ, "updated_at": TZ,
    },
    "scripts": {
        "id": INT, "title": varchar(255), "description": TEXT, "content": TEXT,
        "user_id": INT, "category_id": INT, "version": INT, "is_public": "boolean",
        "execution_count": INT, "file_hash": varchar(255), "average_execution_time": FLOAT,
        "last_executed_at": TZ, "created_at": TZ, "updated_at": TZ,
    },
    "script_analysis": {
        "id": INT, "script_id": INT, "purpose": TEXT, "security_score": FLOAT,
        "quality_score": FLOAT, "risk_score": FLOAT, "parameter_docs": JSONB,
        "suggestions": JSONB, "command_details": JSONB, "ms_docs_references": JSONB,
        "security_issues": JSONB, "best_practice_violations": JSONB,
        "performance_insights": JSONB, "potential_risks": JSONB,
        "code_complexity_metrics": JSONB, "compatibility_notes": JSONB,
        "execution_summary": JSONB, "analysis_version": varchar(), "created_at": TZ,
        "updated_at": TZ,
    },
    "script_embeddings": {
        "id": INT, "script_id": INT, "embedding": VECTOR, "embedding_type": varchar(50),
        "model_version": varchar(50), "created_at": TZ, "updated_at": TZ,
    },
    "categories": {
        "id": INT, "name": varchar(255), "description": TEXT, "created_at": TZ, "updated_at": TZ,
    },
    "tags": {"id": INT, "name": varchar(255), "created_at": TZ},
    "script_tags": {"script_id": INT, "tag_id": INT, "created_at": TZ},
    "script_versions": {
        "id": INT, "script_id": INT, "content": TEXT, "version": INT, "user_id": INT,
        "commit_message": TEXT, "created_at": TZ,
    },
    "execution_logs": {
        "id": INT, "script_id": INT, "user_id": INT, "status": varchar(50),
        "execution_time": FLOAT, "parameters": JSONB, "error_message": TEXT,
        "ip_address": varchar(45), "created_at": TZ,
    },
    "chat_history": {
        "id": INT, "user_id": INT, "messages": JSONB, "response": TEXT, "embedding": VECTOR,
        "created_at": TZ, "updated_at": TZ,
    },
    "documentation": {
        "id": INT, "title": varchar(500), "url": varchar(2048), "content": TEXT,
        "summary": TEXT, "source": varchar(100), "content_type": varchar(50),
        "category": varchar(100), "tags": JSONB, "extracted_commands": JSONB,
        "extracted_functions": JSONB, "extracted_modules": JSONB, "metadata": JSONB,
        "crawled_at": TZ, "last_updated": TZ, "created_at": TZ, "updated_at": TZ,
    },
    "comments": {
        "id": INT, "script_id": INT, "user_id": INT, "content": None, "created_at": TZ,
        "updated_at": TZ,
    },
    "user_favorites": {"user_id": INT, "script_id": INT, "created_at": TZ},
    "script_dependencies": {"parent_script_id": INT, "child_script_id": INT, "created_at": TZ},
    "agent_state": {
        "id": INT, "agent_id": None, "state": JSONB, "created_at": TZ, "updated_at": TZ,
    },
    "conversation_history": {
        "id": INT, "agent_id": None, "role": None, "content": None, "created_at": TZ,
    },
    "tool_execution_results": {
        "id": INT, "agent_id": None, "tool_name": None, "input": JSONB, "output": JSONB,
        "created_at": TZ,
    },
}  # fmt: skip

# 002's "NOT NULL" and PK constraints, plus 003's composite primary keys.
NOT_NULL = {
    ("users", "username"),
    ("users", "email"),
    ("users", "password_hash"),
    ("scripts", "title"),
    ("scripts", "content"),
    ("script_embeddings", "embedding"),
    ("categories", "name"),
    ("tags", "name"),
    ("script_tags", "script_id"),
    ("script_tags", "tag_id"),
    ("script_versions", "content"),
    ("script_versions", "version"),
    ("execution_logs", "status"),
    ("chat_history", "messages"),
    ("chat_history", "response"),
    ("documentation", "title"),
    ("documentation", "url"),
    ("user_favorites", "user_id"),
    ("user_favorites", "script_id"),
    ("script_dependencies", "parent_script_id"),
    ("script_dependencies", "child_script_id"),
} | {(table, "id") for table, cols in DOCUMENTED_COLUMNS.items() if "id" in cols}

# Columns 002 explicitly marks "NULL" (the lockout columns must be clearable by unlock).
NULLABLE = {
    ("users", "last_login_at"), ("users", "locked_until"), ("scripts", "description"),
    ("scripts", "file_hash"), ("scripts", "last_executed_at"), ("chat_history", "embedding"),
    ("execution_logs", "error_message"), ("documentation", "last_updated"),
}  # fmt: skip

# (child table, FK column, parent table, confdeltype): 002 "Cascade Behaviors", 003's model
# notes; FKs no document gives a rule for are NO ACTION ('a').
FOREIGN_KEYS = [
    ("scripts", "user_id", "users", "c"),
    ("chat_history", "user_id", "users", "c"),
    ("execution_logs", "user_id", "users", "n"),
    ("script_analysis", "script_id", "scripts", "c"),
    ("script_versions", "script_id", "scripts", "c"),
    ("script_embeddings", "script_id", "scripts", "c"),
    ("script_tags", "script_id", "scripts", "c"),
    ("execution_logs", "script_id", "scripts", "c"),
    ("scripts", "category_id", "categories", "n"),
    ("script_tags", "tag_id", "tags", "c"),
    ("comments", "script_id", "scripts", "c"),
    ("user_favorites", "script_id", "scripts", "c"),
    ("script_dependencies", "parent_script_id", "scripts", "c"),
    ("script_dependencies", "child_script_id", "scripts", "c"),
    ("script_versions", "user_id", "users", "a"),
    ("comments", "user_id", "users", "a"),
    ("user_favorites", "user_id", "users", "a"),
]

# index -> (table, columns): 002 "Primary Indexes", "User Security Indexes", "Chat History
# Indexes"; 003 "Foreign Key Index Optimization". All B-tree except the vector index.
DOCUMENTED_INDEXES = {
    "idx_scripts_category": ("scripts", ["category_id"]),
    "idx_scripts_user": ("scripts", ["user_id"]),
    "idx_scripts_file_hash": ("scripts", ["file_hash"]),
    "idx_script_versions_script": ("script_versions", ["script_id"]),
    "idx_script_analysis_script": ("script_analysis", ["script_id"]),
    "idx_execution_logs_script": ("execution_logs", ["script_id"]),
    "idx_execution_logs_user": ("execution_logs", ["user_id"]),
    "script_embeddings_idx": ("script_embeddings", ["embedding"]),
    "idx_users_email": ("users", ["email"]),
    "idx_users_username": ("users", ["username"]),
    "idx_users_role": ("users", ["role"]),
    "idx_users_email_password": ("users", ["email", "password_hash"]),
    "idx_users_locked_until": ("users", ["locked_until"]),
    "idx_users_login_attempts": ("users", ["login_attempts"]),
    "idx_users_last_login": ("users", ["last_login_at"]),
    "idx_users_created_at": ("users", ["created_at"]),
    "chat_history_user_id_idx": ("chat_history", ["user_id"]),
    "chat_history_created_at_idx": ("chat_history", ["created_at"]),
    "idx_chat_history_user": ("chat_history", ["user_id"]),
    "idx_comments_user": ("comments", ["user_id"]),
    "idx_comments_script": ("comments", ["script_id"]),
    "idx_script_versions_user": ("script_versions", ["user_id"]),
}

# (table, columns): 002's UNIQUE columns and script_versions' unique (script_id, version);
# 001 MED-005 for script_analysis.
UNIQUE = {
    ("users", ("username",)), ("users", ("email",)), ("categories", ("name",)),
    ("tags", ("name",)), ("documentation", ("url",)), ("script_embeddings", ("script_id",)),
    ("script_versions", ("script_id", "version")), ("script_analysis", ("script_id",)),
}  # fmt: skip

# Tables whose documented columns include updated_at (002, 003 Comment, 000 agent_state).
UPDATED_AT_TABLES = [
    "users", "scripts", "script_analysis", "script_embeddings", "categories", "chat_history",
    "documentation", "comments", "agent_state",
]  # fmt: skip

NOW = object()  # stands for the transaction's now()

# Documented defaults (002's DEFAULT column); every created_at defaults to NOW().
DEFAULTS: dict[str, dict[str, Any]] = {
    "users": {"role": "user", "login_attempts": 0, "updated_at": NOW},
    "scripts": {"version": 1, "is_public": False, "execution_count": 0, "updated_at": NOW},
    "script_analysis": {
        "parameter_docs": {}, "suggestions": [], "command_details": [],
        "ms_docs_references": [], "security_issues": [], "best_practice_violations": [],
        "performance_insights": [], "potential_risks": [], "code_complexity_metrics": {},
        "compatibility_notes": [], "execution_summary": {}, "analysis_version": "1.0",
        "updated_at": NOW,
    },
    "script_embeddings": {
        "embedding_type": "openai", "model_version": "text-embedding-ada-002", "updated_at": NOW,
    },
    "execution_logs": {"parameters": {}},
    "documentation": {
        "source": "Microsoft Learn", "content_type": "article", "category": "General",
        "tags": [], "extracted_commands": [], "extracted_functions": [],
        "extracted_modules": [], "metadata": {}, "crawled_at": NOW, "updated_at": NOW,
    },
}  # fmt: skip

EMBEDDING = "[" + ",".join(["0.1"] * 1536) + "]"


def minimal_row(table: str, ids: dict[str, int]) -> dict[str, Any]:
    """Only the documented NOT NULL columns (and the keys that make the row valid)."""
    return {
        "users": {"username": "u2", "email": "u2@example.com", "password_hash": "x"},
        "categories": {"name": "c2"},
        "tags": {"name": "t2"},
        "scripts": {"title": "s", "content": "Get-Date"},
        "script_tags": {"script_id": ids["script"], "tag_id": ids["tag"]},
        "script_versions": {"script_id": ids["script"], "content": "Get-Date", "version": 1},
        "script_analysis": {"script_id": ids["script"]},
        "script_embeddings": {"script_id": ids["script"], "embedding": EMBEDDING},
        "execution_logs": {"status": "success"},
        "chat_history": {"messages": "[]", "response": "hi"},
        "documentation": {"title": "d", "url": "https://learn.microsoft.com/x"},
        "comments": {"script_id": ids["script"], "user_id": ids["user"], "content": "ok"},
        "user_favorites": {"user_id": ids["user"], "script_id": ids["script"]},
        "script_dependencies": {"parent_script_id": ids["script"], "child_script_id": ids["other"]},
        "agent_state": {"agent_id": "a1"},
        "conversation_history": {"agent_id": "a1"},
        "tool_execution_results": {"agent_id": "a1"},
    }[table]


def insert(conn: psycopg.Connection[Any], table: str, row: dict[str, Any]) -> dict[str, Any]:
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, row)),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
    )
    with conn.cursor(row_factory=dict_row) as cur:
        result = cur.execute(query, list(row.values())).fetchone()
    assert result is not None
    return result


def parents(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """A user, tag and two scripts for rows that reference them."""
    user = insert(conn, "users", {"username": "u1", "email": "u1@x.org", "password_hash": "h"})
    tag = insert(conn, "tags", {"name": "t1"})
    script = insert(conn, "scripts", {"title": "a", "content": "a", "user_id": user["id"]})
    other = insert(conn, "scripts", {"title": "b", "content": "b", "user_id": user["id"]})
    return {"user": user["id"], "tag": tag["id"], "script": script["id"], "other": other["id"]}


@pytest.fixture(scope="module")
def schema_dsn(pg18: PostgresCluster) -> str:
    dsn = pg18.create_database(f"schema_{uuid.uuid4().hex[:8]}")
    asyncio.run(create_schema(dsn))
    return dsn


@pytest.fixture
def conn(schema_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose work is rolled back, so tests do not see each other's rows."""
    with psycopg.connect(schema_dsn) as connection, connection.transaction(force_rollback=True):
        yield connection


def fetch(conn: psycopg.Connection[Any], query: str, *params: Any) -> list[tuple[Any, ...]]:
    return conn.execute(query, params).fetchall()


def test_all_documented_tables_exist(conn: psycopg.Connection[Any]) -> None:
    tables = fetch(
        conn,
        "SELECT relname FROM pg_class WHERE relkind = 'r' "
        "AND relnamespace = 'public'::regnamespace",
    )
    assert {name for (name,) in tables} >= set(DOCUMENTED_COLUMNS)
    assert len(DOCUMENTED_COLUMNS) == 17


@pytest.mark.parametrize("table", sorted(DOCUMENTED_COLUMNS))
def test_columns_and_types_are_documented(conn: psycopg.Connection[Any], table: str) -> None:
    actual = dict(
        fetch(
            conn,
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            f"public.{table}",
        )
    )
    expected = DOCUMENTED_COLUMNS[table]
    assert set(actual) == set(expected)
    documented_types = {col: typ for col, typ in expected.items() if typ is not None}
    assert {col: actual[col] for col in documented_types} == documented_types


def test_documented_nullability(conn: psycopg.Connection[Any]) -> None:
    rows = fetch(
        conn,
        "SELECT c.relname, a.attname, a.attnotnull FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0",
    )
    notnull = {(table, col): flag for table, col, flag in rows}
    assert {key for key in NOT_NULL if not notnull[key]} == set()
    assert {key for key in NULLABLE if notnull[key]} == set()


@pytest.mark.parametrize("table", sorted(DOCUMENTED_COLUMNS))
def test_documented_defaults(conn: psycopg.Connection[Any], table: str) -> None:
    ids = parents(conn)
    row = insert(conn, table, minimal_row(table, ids))
    (now,) = conn.execute("SELECT now()").fetchone() or ()
    expected = {"created_at": NOW, **DEFAULTS.get(table, {})}
    resolved = {col: now if value is NOW else value for col, value in expected.items()}
    assert {col: row[col] for col in resolved} == resolved


@pytest.mark.parametrize(("child", "column", "parent", "rule"), FOREIGN_KEYS)
def test_on_delete_rules(
    conn: psycopg.Connection[Any], child: str, column: str, parent: str, rule: str
) -> None:
    rows = fetch(
        conn,
        "SELECT confrelid::regclass::text, confdeltype::text FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = %s::regclass AND conkey = ARRAY[("
        "  SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s)]",
        child,
        child,
        column,
    )
    assert rows == [(parent, rule)]


def test_every_foreign_key_is_documented(conn: psycopg.Connection[Any]) -> None:
    rows = fetch(
        conn,
        "SELECT conrelid::regclass::text, a.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace",
    )
    assert set(rows) == {(child, column) for child, column, _, _ in FOREIGN_KEYS}


INDEXES_SQL = """
SELECT i.relname, t.relname, am.amname,
       array(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             ORDER BY k.n),
       array(SELECT o.opcname FROM unnest(x.indclass::oid[]) WITH ORDINALITY k(opc, n)
             JOIN pg_opclass o ON o.oid = k.opc ORDER BY k.n),
       coalesce(i.reloptions, '{}')
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_am am ON am.oid = i.relam
WHERE t.relnamespace = 'public'::regnamespace
"""


@pytest.mark.parametrize("name", sorted(DOCUMENTED_INDEXES))
def test_documented_index(conn: psycopg.Connection[Any], name: str) -> None:
    found = {row[0]: row[1:] for row in fetch(conn, INDEXES_SQL)}
    assert name in found
    table, method, columns, _, _ = found[name]
    assert (table, columns) == DOCUMENTED_INDEXES[name]
    if name != "script_embeddings_idx":
        assert method == "btree"


def test_vector_index_is_hnsw_cosine(conn: psycopg.Connection[Any]) -> None:
    # 002 documents IVFFlat; psadmin's brief chose HNSW (m=32, ef_construction=128), cosine.
    found = {row[0]: row[1:] for row in fetch(conn, INDEXES_SQL)}
    _, method, _, opclasses, options = found["script_embeddings_idx"]
    assert (method, opclasses) == ("hnsw", ["vector_cosine_ops"])
    assert sorted(options) == ["ef_construction=128", "m=32"]


def test_unique_constraints(conn: psycopg.Connection[Any]) -> None:
    rows = fetch(
        conn,
        "SELECT conname, conrelid::regclass::text, array(SELECT a.attname FROM unnest(conkey) "
        "  WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid "
        "  AND a.attnum = k.attnum ORDER BY k.n) "
        "FROM pg_constraint WHERE contype = 'u' AND connamespace = 'public'::regnamespace",
    )
    assert {(table, tuple(cols)) for _, table, cols in rows} == UNIQUE
    # 001 MED-005's fix gives the constraint this name.
    assert ("script_analysis_script_id_unique", "script_analysis", ["script_id"]) in rows


@pytest.mark.parametrize("status", ["success", "failure", "timeout", "cancelled"])
def test_documented_execution_statuses_are_accepted(
    conn: psycopg.Connection[Any], status: str
) -> None:
    assert insert(conn, "execution_logs", {"status": status})["status"] == status


def test_undocumented_execution_status_is_rejected(conn: psycopg.Connection[Any]) -> None:
    # 002 ExecutionLog "Status Values": success, failure, timeout, cancelled.
    with pytest.raises(psycopg.errors.CheckViolation):
        insert(conn, "execution_logs", {"status": "running"})


def test_updated_at_trigger_names(conn: psycopg.Connection[Any]) -> None:
    rows = fetch(
        conn,
        "SELECT tgrelid::regclass::text, tgname, p.proname, tgtype FROM pg_trigger t "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT tgisinternal",
    )
    # tgtype 19 = ROW (1) | BEFORE (2) | UPDATE (16)
    expected = {
        (table, f"update_{table}_updated_at", "update_updated_at_column", 19)
        for table in UPDATED_AT_TABLES
    }
    assert set(rows) == expected


@pytest.mark.parametrize("table", UPDATED_AT_TABLES)
def test_update_moves_updated_at(conn: psycopg.Connection[Any], table: str) -> None:
    ids = parents(conn)
    stale = "2000-01-01T00:00:00Z"
    # Inserted with an old updated_at; any UPDATE must replace it with now().
    row = insert(conn, table, {**minimal_row(table, ids), "updated_at": stale})
    query = sql.SQL(
        "UPDATE {} SET id = id WHERE id = %s RETURNING updated_at = now(), updated_at > %s"
    ).format(sql.Identifier(table))
    assert conn.execute(query, (row["id"], stale)).fetchone() == (True, True)


def catalog_snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as connection:
        return {
            kind: connection.execute(query).fetchall()
            for kind, query in {
                "relations": "SELECT relname, relkind FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
                "constraints": "SELECT conname FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
                "triggers": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
            }.items()
        }


async def test_create_schema_is_idempotent(schema_dsn: str) -> None:
    before = catalog_snapshot(schema_dsn)
    # sslmode is libpq-only syntax; DATABASE_URLs carry it, so create_schema must accept it.
    await create_schema(f"{schema_dsn}?sslmode=disable")
    assert catalog_snapshot(schema_dsn) == before


async def test_vector_index_can_be_built_after_loading(pg18: PostgresCluster) -> None:
    dsn = pg18.create_database(f"deferred_{uuid.uuid4().hex[:8]}")
    await create_schema(dsn, defer_vector_index=True)
    with psycopg.connect(dsn) as connection:
        assert not connection.execute(
            "SELECT 1 FROM pg_class WHERE relname = 'script_embeddings_idx'"
        ).fetchall()
        ids = parents(connection)
        insert(
            connection, "script_embeddings", {"script_id": ids["script"], "embedding": EMBEDDING}
        )
    await create_vector_index(dsn)
    await create_vector_index(dsn)  # a second build is a no-op, not an error
    with psycopg.connect(dsn) as connection:
        found = {row[0]: row[1:] for row in connection.execute(INDEXES_SQL).fetchall()}
    _, method, columns, opclasses, _ = found["script_embeddings_idx"]
    assert (method, columns, opclasses) == ("hnsw", ["embedding"], ["vector_cosine_ops"])
