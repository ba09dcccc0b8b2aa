"""The PSScript application schema as SQLAlchemy Core metadata.

Transcribed from the seed documents in ``shared/seeds``: the database documentation (002) is the
source for tables, columns, defaults, cascades and indexes; the change record (003) adds
``comments``, ``user_favorites``, ``script_dependencies`` and four FK indexes; the review's quick
reference (000) is the only source for the agent tables; the issue list (001) contributes the
``script_analysis`` unique constraint, the ``updated_at`` triggers and ``WITH TIME ZONE``.
Where the documents give no ``ON DELETE`` rule, none is given: psadmin's schema audit is meant
to find those gaps in the real database, so the demo must have them too.
"""

from __future__ import annotations

import math
from typing import Any, Final

import asyncpg
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, SchemaItem
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import BaseDDLElement

EMBEDDING_DIMENSIONS: Final = 1536

# The same names PostgreSQL would pick, so the metadata knows them without renaming anything.
metadata = MetaData(
    naming_convention={
        "pk": "%(table_name)s_pkey",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "uq": "%(table_name)s_%(column_0_N_name)s_key",
    }
)

_NOW = text("now()")
_EMPTY_OBJECT = text("'{}'::jsonb")
_EMPTY_ARRAY = text("'[]'::jsonb")


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _timestamp(name: str) -> Column[Any]:
    return Column(name, TIMESTAMP(timezone=True), server_default=_NOW)


def _nullable_timestamp(name: str) -> Column[Any]:
    return Column(name, TIMESTAMP(timezone=True))


def _fk(name: str, target: str, *, ondelete: str | None = None, **kw: Any) -> Column[int]:
    return Column(name, Integer, ForeignKey(target, ondelete=ondelete), **kw)


def _jsonb(name: str, default: Any) -> Column[Any]:
    return Column(name, JSONB, server_default=default)


users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(255), nullable=False, unique=True),
    Column("email", String(255), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(50), server_default=text("'user'")),
    _nullable_timestamp("last_login_at"),
    Column("login_attempts", Integer, server_default=text("0")),
    _nullable_timestamp("locked_until"),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Index("idx_users_email", "email"),
    Index("idx_users_username", "username"),
    Index("idx_users_role", "role"),
    Index("idx_users_email_password", "email", "password_hash"),
    Index("idx_users_locked_until", "locked_until"),
    Index("idx_users_login_attempts", "login_attempts"),
    Index("idx_users_last_login", "last_login_at"),
    Index("idx_users_created_at", "created_at"),
)

categories = Table(
    "categories",
    metadata,
    _id(),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

tags = Table(
    "tags",
    metadata,
    _id(),
    Column("name", String(255), nullable=False, unique=True),
    _timestamp("created_at"),
)

scripts = Table(
    "scripts",
    metadata,
    _id(),
    Column("title", String(255), nullable=False),
    Column("description", Text),
    Column("content", Text, nullable=False),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    _fk("category_id", "categories.id", ondelete="SET NULL"),
    Column("version", Integer, server_default=text("1")),
    Column("is_public", Boolean, server_default=text("false")),
    Column("execution_count", Integer, server_default=text("0")),
    Column("file_hash", String(255)),
    Column("average_execution_time", Float),
    _nullable_timestamp("last_executed_at"),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Index("idx_scripts_category", "category_id"),
    Index("idx_scripts_user", "user_id"),
    Index("idx_scripts_file_hash", "file_hash"),
)

script_tags = Table(
    "script_tags",
    metadata,
    _fk("script_id", "scripts.id", ondelete="CASCADE", primary_key=True),
    _fk("tag_id", "tags.id", ondelete="CASCADE", primary_key=True),
    _timestamp("created_at"),
)

script_versions = Table(
    "script_versions",
    metadata,
    _id(),
    _fk("script_id", "scripts.id", ondelete="CASCADE"),
    Column("content", Text, nullable=False),
    Column("version", Integer, nullable=False),
    _fk("user_id", "users.id"),
    Column("commit_message", Text),
    _timestamp("created_at"),
    UniqueConstraint("script_id", "version"),
    Index("idx_script_versions_script", "script_id"),
    Index("idx_script_versions_user", "user_id"),
)

script_analysis = Table(
    "script_analysis",
    metadata,
    _id(),
    _fk("script_id", "scripts.id", ondelete="CASCADE"),
    Column("purpose", Text),
    Column("security_score", Float),
    Column("quality_score", Float),
    Column("risk_score", Float),
    _jsonb("parameter_docs", _EMPTY_OBJECT),
    _jsonb("suggestions", _EMPTY_ARRAY),
    _jsonb("command_details", _EMPTY_ARRAY),
    _jsonb("ms_docs_references", _EMPTY_ARRAY),
    _jsonb("security_issues", _EMPTY_ARRAY),
    _jsonb("best_practice_violations", _EMPTY_ARRAY),
    _jsonb("performance_insights", _EMPTY_ARRAY),
    _jsonb("potential_risks", _EMPTY_ARRAY),
    _jsonb("code_complexity_metrics", _EMPTY_OBJECT),
    _jsonb("compatibility_notes", _EMPTY_ARRAY),
    _jsonb("execution_summary", _EMPTY_OBJECT),
    Column("analysis_version", String, server_default=text("'1.0'")),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    # 001 MED-005 names it; the documented index on the same column stays, redundant as it is.
    UniqueConstraint("script_id", name="script_analysis_script_id_unique"),
    Index("idx_script_analysis_script", "script_id"),
)

script_embeddings = Table(
    "script_embeddings",
    metadata,
    _id(),
    _fk("script_id", "scripts.id", ondelete="CASCADE", unique=True),
    Column("embedding", Vector(EMBEDDING_DIMENSIONS), nullable=False),
    Column("embedding_type", String(50), server_default=text("'openai'")),
    Column("model_version", String(50), server_default=text("'text-embedding-ada-002'")),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

# 002 documents IVFFlat (lists = 100); psadmin's brief asks for HNSW, which also needs no
# training data and so is valid on an empty table. The name is kept as documented.
# Not pgvector's m = 16, ef_construction = 64: on the demo corpus (families of near-duplicate
# scripts) such builds leave some clusters unreachable, recall@10 0.90-0.98 at 100,000 scripts
# from build to build. m = 32, ef_construction = 128 was the only set compared that stayed at
# >= 0.98 on every build, for 4-8x the build time (bench/vector_search.py --candidates,
# README "Scripts"). Still under 8 KB a row while building, so the memory sizing below holds.
vector_index = Index(
    "script_embeddings_idx",
    script_embeddings.c.embedding,
    postgresql_using="hnsw",
    postgresql_with={"m": 32, "ef_construction": 128},
    postgresql_ops={"embedding": "vector_cosine_ops"},
)

execution_logs = Table(
    "execution_logs",
    metadata,
    _id(),
    _fk("script_id", "scripts.id", ondelete="CASCADE"),
    _fk("user_id", "users.id", ondelete="SET NULL"),
    Column("status", String(50), nullable=False),
    Column("execution_time", Float),
    _jsonb("parameters", _EMPTY_OBJECT),
    Column("error_message", Text),
    Column("ip_address", String(45)),
    _timestamp("created_at"),
    CheckConstraint(
        "status IN ('success', 'failure', 'timeout', 'cancelled')",
        name="execution_logs_status_check",
    ),
    Index("idx_execution_logs_script", "script_id"),
    Index("idx_execution_logs_user", "user_id"),
)

chat_history = Table(
    "chat_history",
    metadata,
    _id(),
    _fk("user_id", "users.id", ondelete="CASCADE"),
    Column("messages", JSONB, nullable=False),
    Column("response", Text, nullable=False),
    Column("embedding", Vector(EMBEDDING_DIMENSIONS)),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Index("chat_history_user_id_idx", "user_id"),
    Index("chat_history_created_at_idx", "created_at"),
    # 003 added this duplicate of chat_history_user_id_idx; the real database has both.
    Index("idx_chat_history_user", "user_id"),
)

documentation = Table(
    "documentation",
    metadata,
    _id(),
    Column("title", String(500), nullable=False),
    Column("url", String(2048), nullable=False, unique=True),
    Column("content", Text),
    Column("summary", Text),
    Column("source", String(100), server_default=text("'Microsoft Learn'")),
    Column("content_type", String(50), server_default=text("'article'")),
    Column("category", String(100), server_default=text("'General'")),
    _jsonb("tags", _EMPTY_ARRAY),
    _jsonb("extracted_commands", _EMPTY_ARRAY),
    _jsonb("extracted_functions", _EMPTY_ARRAY),
    _jsonb("extracted_modules", _EMPTY_ARRAY),
    _jsonb("metadata", _EMPTY_OBJECT),
    _timestamp("crawled_at"),
    _nullable_timestamp("last_updated"),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

# 003's model interfaces type these fields as non-optional, hence NOT NULL.
comments = Table(
    "comments",
    metadata,
    _id(),
    _fk("script_id", "scripts.id", ondelete="CASCADE", nullable=False),
    _fk("user_id", "users.id", nullable=False),
    Column("content", Text, nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Index("idx_comments_user", "user_id"),
    Index("idx_comments_script", "script_id"),
)

user_favorites = Table(
    "user_favorites",
    metadata,
    _fk("user_id", "users.id", primary_key=True),
    _fk("script_id", "scripts.id", ondelete="CASCADE", primary_key=True),
    _timestamp("created_at"),
)

script_dependencies = Table(
    "script_dependencies",
    metadata,
    _fk("parent_script_id", "scripts.id", ondelete="CASCADE", primary_key=True),
    _fk("child_script_id", "scripts.id", ondelete="CASCADE", primary_key=True),
    _timestamp("created_at"),
)

# 000 lists only column names for the agent tables; agent ids are opaque strings there.
agent_state = Table(
    "agent_state",
    metadata,
    _id(),
    Column("agent_id", String(255)),
    Column("state", JSONB),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

conversation_history = Table(
    "conversation_history",
    metadata,
    _id(),
    Column("agent_id", String(255)),
    Column("role", String(50)),
    Column("content", Text),
    _timestamp("created_at"),
)

tool_execution_results = Table(
    "tool_execution_results",
    metadata,
    _id(),
    Column("agent_id", String(255)),
    Column("tool_name", String(255)),
    Column("input", JSONB),
    Column("output", JSONB),
    _timestamp("created_at"),
)

PSSCRIPT_TABLES: Final[tuple[str, ...]] = (
    "users",
    "categories",
    "tags",
    "scripts",
    "script_tags",
    "script_versions",
    "script_analysis",
    "script_embeddings",
    "execution_logs",
    "chat_history",
    "documentation",
    "comments",
    "user_favorites",
    "script_dependencies",
    "agent_state",
    "conversation_history",
    "tool_execution_results",
)

UPDATED_AT_TABLES: Final[tuple[str, ...]] = tuple(
    name for name in PSSCRIPT_TABLES if "updated_at" in metadata.tables[name].c
)

# 001 MED-001: raw SQL (psadmin's own actions included) bypasses Sequelize's timestamps.
_UPDATED_AT_FUNCTION = text(
    "CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END; $$"
)


@event.listens_for(metadata, "before_create")
def _create_updated_at_function(target: MetaData, connection: Connection, **kw: Any) -> None:
    connection.execute(_UPDATED_AT_FUNCTION)


@event.listens_for(metadata, "after_drop")
def _drop_updated_at_function(target: MetaData, connection: Connection, **kw: Any) -> None:
    connection.execute(text("DROP FUNCTION IF EXISTS update_updated_at_column()"))


def _create_updated_at_trigger(target: Table, connection: Connection, **kw: Any) -> None:
    quote = connection.dialect.identifier_preparer
    trigger = quote.quote(f"update_{target.name}_updated_at")
    connection.execute(
        text(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {quote.format_table(target)} "
            "FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()"
        )
    )


# Per table rather than per metadata, so a trigger is created exactly when its table is.
for _name in UPDATED_AT_TABLES:
    event.listen(metadata.tables[_name], "after_create", _create_updated_at_trigger)

_DEFER_VECTOR_INDEX: Final = "psadmin_defer_vector_index"


def _vector_index_wanted(
    ddl: BaseDDLElement,
    target: SchemaItem | str,
    bind: Connection | None,
    tables: list[Table] | None = None,
    state: Any | None = None,
    *,
    dialect: Dialect,
    compiler: DDLCompiler | None = None,
    checkfirst: bool = True,
) -> bool:
    return bind is None or not bind.get_execution_options().get(_DEFER_VECTOR_INDEX, False)


vector_index.ddl_if(callable_=_vector_index_wanted)


def expected_columns() -> dict[str, set[str]]:
    """Column names per PSScript table, as this metadata defines them."""
    return {name: {c.name for c in metadata.tables[name].columns} for name in PSSCRIPT_TABLES}


def _engine(dsn: str) -> AsyncEngine:
    scheme, sep, rest = dsn.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("expected a postgresql:// DSN")
    libpq_dsn = f"postgresql://{rest}"

    async def connect() -> asyncpg.Connection:
        # asyncpg parses the DSN itself, so libpq-only parameters such as sslmode or
        # sslrootcert work; SQLAlchemy would pass them through as unknown keyword arguments.
        return await asyncpg.connect(libpq_dsn)

    # One short-lived session per call: nothing to gain from a pool.
    return create_async_engine("postgresql+asyncpg://", async_creator=connect, poolclass=NullPool)


async def create_schema(dsn: str, *, defer_vector_index: bool = False) -> None:
    """Create the pgvector extension and every missing PSScript table, index and trigger.

    Building HNSW over a loaded table is much faster than maintaining it row by row during a
    bulk load, so a loader passes ``defer_vector_index=True`` and calls
    :func:`create_vector_index` afterwards. Safe to call again on an existing schema.
    """
    engine = _engine(dsn)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            await conn.execution_options(**{_DEFER_VECTOR_INDEX: defer_vector_index})
            await conn.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


# Per 1536-d vector during an in-memory HNSW build (~6.9 KB measured), with headroom.
_HNSW_BUILD_BYTES_PER_ROW: Final = 8 * 1024
_MIN_BUILD_KB: Final = 64 * 1024
_RAISE_MAINTENANCE_WORK_MEM = text(
    "SELECT set_config('maintenance_work_mem', greatest(setting::bigint, :kb)::text || 'kB', true)"
    " FROM pg_settings WHERE name = 'maintenance_work_mem'"
)


async def create_vector_index(dsn: str) -> None:
    """Build ``script_embeddings_idx`` if it is missing, with memory sized to the table.

    The whole graph must fit in ``maintenance_work_mem`` or the build slows down sharply; but
    a parallel build allocates that much shared memory up front, so it is sized to the rows
    present rather than set to a large constant.
    """
    engine = _engine(dsn)
    try:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(select(func.count()).select_from(script_embeddings))
            ).scalar_one()
            needed_kb = max(math.ceil(rows * _HNSW_BUILD_BYTES_PER_ROW / 1024), _MIN_BUILD_KB)
            # Raise only: a server configured with more memory keeps its setting.
            await conn.execute(_RAISE_MAINTENANCE_WORK_MEM, {"kb": needed_kb})
            await conn.execute(CreateIndex(vector_index, if_not_exists=True))
    finally:
        await engine.dispose()
