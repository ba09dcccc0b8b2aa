"""Session-wide throwaway servers shared by every integration test.

Starting a cluster costs about a second (initdb), so each server is started once per session;
tests isolate themselves with `fresh_database` instead of fresh clusters.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from psadmin.demo.servers import (
    DEBIAN_PG15_BIN,
    PostgresCluster,
    RedisServer,
    embedded_bin_dir,
)

_INTEGRATION_DIR = Path(__file__).parent / "integration"
_db_counter = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)


def new_database(cluster: PostgresCluster, prefix: str = "t") -> str:
    """Create a uniquely named database on `cluster` and return its dsn."""
    stem = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in prefix.lower()) or "t"
    if stem[0].isdigit():
        stem = "_" + stem
    suffix = f"_{next(_db_counter)}_{uuid.uuid4().hex[:8]}"
    return cluster.create_database(stem[: 63 - len(suffix)] + suffix)


@pytest.fixture
def fresh_database() -> Callable[[PostgresCluster, str], str]:
    """`fresh_database(cluster, prefix) -> dsn` of a new, empty, uniquely named database."""
    return new_database


def _cluster(
    tmp_path_factory: pytest.TempPathFactory, name: str, bin_dir: Path
) -> Iterator[PostgresCluster]:
    base = tmp_path_factory.mktemp(name)
    cluster = PostgresCluster(bin_dir, base, preload=("pg_stat_statements",))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg18(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """Embedded PostgreSQL 18 (pgvector and the other extensions available)."""
    yield from _cluster(tmp_path_factory, "pg18", embedded_bin_dir())


@pytest.fixture(scope="session")
def pg15(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """Debian's PostgreSQL 15 (no pgvector)."""
    if not (DEBIAN_PG15_BIN / "postgres").is_file():
        pytest.fail(
            f"Debian's PostgreSQL 15 is missing ({DEBIAN_PG15_BIN}/postgres). "
            "Run the suite with `bash tests/run.sh`, which installs postgresql-15 "
            "(or: apt-get install postgresql-15 postgresql-contrib-15).",
            pytrace=False,
        )
    yield from _cluster(tmp_path_factory, "pg15", DEBIAN_PG15_BIN)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    base = tmp_path_factory.mktemp("redis")
    server = RedisServer(base)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
