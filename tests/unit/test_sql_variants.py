"""One rule picks the SQL variant for a server version."""

from __future__ import annotations

from pathlib import Path

import pytest

import queries.sql as sql_pkg
from queries import sql


@pytest.fixture
def variant_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in {
        "probe.sql": "SELECT 'base'",
        "probe@pg16.sql": "SELECT 'pg16'",
        "probe@pg18.sql": "SELECT 'pg18'",
    }.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sql_pkg.resources, "files", lambda _pkg: tmp_path)
    sql._variants.cache_clear()
    sql.load.cache_clear()
    yield tmp_path
    sql._variants.cache_clear()
    sql.load.cache_clear()


@pytest.mark.parametrize(
    ("version", "expected"),
    [(150004, "base"), (160001, "pg16"), (170002, "pg16"), (180006, "pg18"), (190000, "pg18")],
)
def test_newest_variant_not_newer_than_server(
    variant_dir: Path, version: int, expected: str
) -> None:
    assert sql.load("probe", version).splitlines()[0].endswith(f"SELECT '{expected}'")


def test_statements_are_tagged_as_psadmins_own() -> None:
    text = sql.load("capabilities")
    assert text.startswith("/* psadmin:capabilities */")
    # PostgreSQL 18's pg_stat_statements keeps only the trailing tag
    assert text.endswith("\n/* psadmin:capabilities */")
