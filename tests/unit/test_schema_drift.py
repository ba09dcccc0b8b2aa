"""The pure drift comparison: expected (psadmin's PSScript metadata) against a live shape."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects.postgresql import INET

from psadmin.models.indexes import FindingLevel, IndexSpec, quote_ident
from psadmin.models.schema_drift import orphan_checks, orphan_finding, schema_drift
from psadmin.models.schema_shape import (
    ColumnShape,
    ForeignKeyShape,
    IndexShape,
    KeyShape,
    SchemaShape,
    TableShape,
    TriggerShape,
)
from psadmin.schema_expected import expected_schema, pg_type

EXPECTED = expected_schema()


def live_from_expected(**tables: TableShape | None) -> SchemaShape:
    """The expected schema as a live database would show it, with some tables changed."""
    shapes = dict(EXPECTED.tables)
    for name, table in tables.items():
        if table is None:
            del shapes[name]
        else:
            shapes[name] = table
    return SchemaShape(tables=shapes, functions={"update_updated_at_column": ""})


def table(name: str, **changes: object) -> TableShape:
    return dataclasses.replace(EXPECTED.tables[name], **changes)  # type: ignore[arg-type]


def drift(live: SchemaShape, schema: str = "public") -> dict[str, tuple[FindingLevel, str, str]]:
    return {f.key: (f.level, f.detail, f.remediation) for f in schema_drift(EXPECTED, live, schema)}


def test_the_metadata_matches_itself() -> None:
    assert drift(live_from_expected()) == {}
    assert len(EXPECTED.tables) == 17


def test_every_metadata_column_has_a_postgresql_spelling() -> None:
    users = EXPECTED.tables["users"]
    assert users.column("locked_until") == ColumnShape(
        "locked_until", "timestamp with time zone", False
    )
    assert users.column("username") == ColumnShape("username", "character varying(255)", True)
    embeddings = EXPECTED.tables["script_embeddings"]
    assert embeddings.column("embedding") == ColumnShape("embedding", "vector(1536)", True)
    assert EXPECTED.tables["scripts"].column("average_execution_time").type == "double precision"  # type: ignore[union-attr]
    odd = Table("odd", MetaData(), Column("addr", INET))
    with pytest.raises(TypeError, match=r"odd\.addr"):
        pg_type(odd.c.addr)


def test_missing_table_and_column_are_critical() -> None:
    users = EXPECTED.tables["users"]
    found = drift(
        live_from_expected(
            tool_execution_results=None,
            users=table(
                "users", columns=tuple(c for c in users.columns if c.name != "last_login_at")
            ),
        )
    )
    level, _detail, fix = found["schema_drift:users:column:last_login_at"]
    assert level is FindingLevel.CRITICAL
    assert fix == "ALTER TABLE public.users ADD COLUMN last_login_at timestamp with time zone;"
    assert found["schema_drift:tool_execution_results:table"][0] is FindingLevel.CRITICAL


def test_type_and_nullability_differences() -> None:
    users = EXPECTED.tables["users"]
    columns = tuple(
        ColumnShape(c.name, "timestamp without time zone", c.not_null)
        if c.name == "locked_until"
        else ColumnShape(c.name, c.type, not c.not_null)
        if c.name in ("role", "email")
        else c
        for c in users.columns
    )
    found = drift(live_from_expected(users=table("users", columns=columns)))
    _level, detail, fix = found["schema_drift:users:column:locked_until"]
    assert "is timestamp without time zone; expected timestamp with time zone" in detail
    assert fix.endswith(
        "ALTER TABLE public.users ALTER COLUMN locked_until TYPE timestamp with time zone;"
    )
    assert found["schema_drift:users:column:email"][0] is FindingLevel.WARNING
    assert found["schema_drift:users:column:email"][2].endswith("SET NOT NULL;")
    assert found["schema_drift:users:column:role"][0] is FindingLevel.INFO
    assert found["schema_drift:users:column:role"][2].endswith("DROP NOT NULL;")


def test_missing_index_comes_with_a_buildable_spec() -> None:
    scripts = EXPECTED.tables["scripts"]
    live = live_from_expected(
        scripts=table(
            "scripts",
            indexes=tuple(i for i in scripts.indexes if i.name != "idx_scripts_file_hash"),
        ),
        script_embeddings=table("script_embeddings", indexes=()),
    )
    findings = {f.key: f for f in schema_drift(EXPECTED, live, "app")}
    missing = findings["schema_drift:scripts:index:idx_scripts_file_hash"]
    assert missing.remediation == (
        "CREATE INDEX CONCURRENTLY idx_scripts_file_hash ON app.scripts (file_hash);"
    )
    assert missing.fix == IndexSpec("app", "scripts", "idx_scripts_file_hash", ("file_hash",))
    vector = findings["schema_drift:script_embeddings:index:script_embeddings_idx"]
    assert vector.remediation == (
        "CREATE INDEX CONCURRENTLY script_embeddings_idx ON app.script_embeddings USING hnsw "
        "(embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128);"
    )
    assert vector.fix is not None and vector.fix.params() == {
        "schema": "app",
        "table": "script_embeddings",
        "name": "script_embeddings_idx",
        "columns": ["embedding"],
        "method": "hnsw",
        "opclasses": ["vector_cosine_ops"],
        "options": {"m": 32, "ef_construction": 128},
    }
    assert IndexSpec.from_params(vector.fix.params()) == vector.fix


def test_index_differences_and_renames() -> None:
    users = EXPECTED.tables["users"]
    indexes = []
    for index in users.indexes:
        if index.name == "idx_users_role":
            index = dataclasses.replace(index, name="users_role_idx")
        elif index.name == "idx_users_email_password":
            index = dataclasses.replace(index, columns=("password_hash", "email"))
        indexes.append(index)
    embeddings = table(
        "script_embeddings",
        indexes=(IndexShape("script_embeddings_idx", ("embedding",), "hnsw", False, (None,)),),
    )
    found = drift(
        live_from_expected(
            users=table("users", indexes=tuple(indexes)), script_embeddings=embeddings
        )
    )
    level, detail, fix = found["schema_drift:users:index:idx_users_role"]
    assert level is FindingLevel.INFO and "exists under another name: users_role_idx" in detail
    assert fix == "ALTER INDEX public.users_role_idx RENAME TO idx_users_role;"
    level, detail, fix = found["schema_drift:users:index:idx_users_email_password"]
    assert "btree (password_hash, email); expected btree (email, password_hash)" in detail
    assert fix.startswith("DROP INDEX CONCURRENTLY public.idx_users_email_password;\nCREATE")
    assert (
        "expected hnsw (embedding) vector_cosine_ops"
        in (found["schema_drift:script_embeddings:index:script_embeddings_idx"][1])
    )


def test_unique_constraints_by_columns_not_names() -> None:
    analysis = EXPECTED.tables["script_analysis"]
    without = tuple(k for k in analysis.keys if k.kind == "p")
    found = drift(live_from_expected(script_analysis=table("script_analysis", keys=without)))
    _level, _detail, fix = found[
        "schema_drift:script_analysis:unique:script_analysis_script_id_unique"
    ]
    assert "CREATE UNIQUE INDEX CONCURRENTLY script_analysis_script_id_unique" in fix
    assert "ADD CONSTRAINT script_analysis_script_id_unique UNIQUE USING INDEX" in fix
    # another name, or a unique index instead of a constraint, enforces the same thing
    renamed = (*without, KeyShape("other_name", "u", ("script_id",)))
    unique_index = IndexShape("uq", ("script_id",), unique=True)
    assert drift(live_from_expected(script_analysis=table("script_analysis", keys=renamed))) == {}
    assert not drift(
        live_from_expected(
            script_analysis=table(
                "script_analysis", keys=without, indexes=(*analysis.indexes, unique_index)
            )
        )
    )
    # a partial unique index does not
    partial = dataclasses.replace(unique_index, partial=True)
    assert drift(
        live_from_expected(
            script_analysis=table("script_analysis", keys=without, indexes=(partial,))
        )
    )


def test_primary_key_missing_or_different() -> None:
    tags = EXPECTED.tables["tags"]
    others = tuple(k for k in tags.keys if k.kind != "p")
    missing = drift(live_from_expected(tags=table("tags", keys=others)))
    assert missing["schema_drift:tags:primary_key"][2] == (
        "ALTER TABLE public.tags ADD PRIMARY KEY (id);"
    )
    other = drift(
        live_from_expected(
            tags=table("tags", keys=(*others, KeyShape("tags_pkey", "p", ("name",))))
        )
    )
    assert (
        "primary key of tags is (name); expected (id)" in other["schema_drift:tags:primary_key"][1]
    )


def test_foreign_keys_missing_on_delete_and_target() -> None:
    scripts = EXPECTED.tables["scripts"]
    fks = {fk.name: fk for fk in scripts.foreign_keys}
    live_fks = (
        dataclasses.replace(fks["scripts_user_id_fkey"], name="fk_live", on_delete="a"),
        dataclasses.replace(fks["scripts_category_id_fkey"], references="tags"),
    )
    found = drift(live_from_expected(scripts=table("scripts", foreign_keys=live_fks)))
    _level, detail, fix = found["schema_drift:scripts:foreign_key:scripts_user_id_fkey"]
    assert "has ON DELETE NO ACTION; expected ON DELETE CASCADE" in detail
    assert fix == (
        "ALTER TABLE public.scripts DROP CONSTRAINT fk_live, ADD CONSTRAINT fk_live FOREIGN KEY "
        "(user_id) REFERENCES public.users (id) ON DELETE CASCADE NOT VALID;\n"
        "ALTER TABLE public.scripts VALIDATE CONSTRAINT fk_live;"
    )
    assert (
        "references tags(id); expected categories(id)"
        in (found["schema_drift:scripts:foreign_key:scripts_category_id_fkey"][1])
    )
    gone = drift(live_from_expected(scripts=table("scripts", foreign_keys=())))
    assert (
        "ADD CONSTRAINT scripts_category_id_fkey"
        in (gone["schema_drift:scripts:foreign_key:scripts_category_id_fkey"][2])
    )


def test_updated_at_triggers_missing_disabled_or_different() -> None:
    trigger = EXPECTED.tables["scripts"].triggers[0]
    assert trigger == TriggerShape("update_scripts_updated_at", "update_updated_at_column")
    found = drift(
        live_from_expected(
            scripts=table("scripts", triggers=()),
            comments=table(
                "comments",
                triggers=(
                    TriggerShape(
                        "update_comments_updated_at", "update_updated_at_column", enabled=False
                    ),
                ),
            ),
            users=table(
                "users",
                triggers=(TriggerShape("update_users_updated_at", "touch", before=False),),
            ),
        )
    )
    assert found["schema_drift:scripts:trigger:update_scripts_updated_at"][2] == (
        "CREATE TRIGGER update_scripts_updated_at BEFORE UPDATE ON public.scripts "
        "FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();"
    )
    assert found["schema_drift:comments:trigger:update_comments_updated_at"][2] == (
        "ALTER TABLE public.comments ENABLE TRIGGER update_comments_updated_at;"
    )
    _level, detail, fix = found["schema_drift:users:trigger:update_users_updated_at"]
    assert "calls touch() AFTER UPDATE" in detail and fix.startswith("DROP TRIGGER")
    # without the function, the remediation creates it first
    no_function = dataclasses.replace(
        live_from_expected(scripts=table("scripts", triggers=())), functions={}
    )
    fix = drift(no_function)["schema_drift:scripts:trigger:update_scripts_updated_at"][2]
    assert fix.startswith("CREATE OR REPLACE FUNCTION update_updated_at_column()")


def test_extra_live_objects_are_not_drift() -> None:
    users = EXPECTED.tables["users"]
    extra = table(
        "users",
        columns=(*users.columns, ColumnShape("nickname", "text", False)),
        indexes=(*users.indexes, IndexShape("idx_users_nickname", ("nickname",))),
        foreign_keys=(ForeignKeyShape("users_x_fkey", ("id",), "scripts", ("id",)),),
    )
    assert drift(live_from_expected(users=extra)) == {}


def test_odd_schema_names_are_quoted_in_remediation() -> None:
    assert quote_ident("plain_name") == "plain_name"
    assert quote_ident("user") == '"user"' and quote_ident("Mixed") == '"Mixed"'
    assert quote_ident('a"b') == '"a""b"'
    found = drift(live_from_expected(scripts=table("scripts", indexes=())), schema='My "App"')
    fix = found["schema_drift:scripts:index:idx_scripts_file_hash"][2]
    assert 'ON "My ""App""".scripts (file_hash);' in fix


def test_orphan_checks_cover_the_junction_tables() -> None:
    assert sorted(orphan_checks(EXPECTED)) == [
        ("script_dependencies", "child_script_id", "scripts", "id"),
        ("script_dependencies", "parent_script_id", "scripts", "id"),
        ("script_tags", "script_id", "scripts", "id"),
        ("script_tags", "tag_id", "tags", "id"),
        ("user_favorites", "script_id", "scripts", "id"),
        ("user_favorites", "user_id", "users", "id"),
    ]
    one = orphan_finding("public", "script_tags", "tag_id", "tags", "id", 1)
    assert one.key == "orphan_rows:script_tags.tag_id" and one.references == "tags"
    assert one.detail.startswith("1 row of script_tags references a missing tags row")
    assert one.remediation == (
        "DELETE FROM public.script_tags j WHERE j.tag_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM public.tags p WHERE p.id = j.tag_id);"
    )


def test_index_spec_rejects_malformed_parameters() -> None:
    good = IndexSpec("public", "t", "t_a_idx", ("a",)).params()
    assert IndexSpec.from_params(good) == IndexSpec("public", "t", "t_a_idx", ("a",))
    for bad in ({**good, "columns": []}, {**good, "opclasses": ["", ""]}, {**good, "name": ""}):
        with pytest.raises(ValueError):
            IndexSpec.from_params(bad)
    with pytest.raises(KeyError):
        IndexSpec.from_params({"schema": "public"})
