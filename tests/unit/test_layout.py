"""The four top-level packages are this project's (a PyPI package named `queries` exists)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["psadmin", "queries", "screens", "widgets"])
def test_package_resolves_to_this_checkout(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve() == ROOT / name / "__init__.py"


def test_sql_files_ship_inside_the_queries_package() -> None:
    from importlib import resources

    names = {entry.name for entry in resources.files("queries.sql").iterdir()}
    assert {"capabilities.sql", "activity_sample.sql", "database_size.sql"} <= names
