"""Throwaway PostgreSQL and Redis servers on free loopback ports, for the demo and the tests."""

from psadmin.demo.servers.postgres_cluster import (
    DEBIAN_PG15_BIN,
    PG_SYSTEM_USER,
    PostgresCluster,
    embedded_bin_dir,
)
from psadmin.demo.servers.processes import ServerError
from psadmin.demo.servers.redis_server import RedisServer, find_redis_server

__all__ = [
    "DEBIAN_PG15_BIN",
    "PG_SYSTEM_USER",
    "PostgresCluster",
    "RedisServer",
    "ServerError",
    "embedded_bin_dir",
    "find_redis_server",
]
