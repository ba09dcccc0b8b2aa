"""`psadmin demo --serve` end to end: servers, schema, data, cache, live workload, cleanup."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis

from tests.integration.helpers import clean_env, wait_until


@dataclass
class Demo:
    proc: subprocess.Popen[str]
    database_url: str
    redis_url: str
    stderr: list[str]
    tmp: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo-tmp")
    env = clean_env() | {"TMPDIR": str(tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "psadmin", "demo", "--serve", "--scripts", "400", "--users", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()  # type: ignore[arg-type]
    urls: dict[str, str] = {}
    try:
        for line in proc.stdout:  # blocks until the demo prints its URLs (or dies)
            key, _, value = line.strip().partition("=")
            urls[key] = value
            if {"DATABASE_URL", "REDIS_URL"} <= urls.keys():
                break
        assert {"DATABASE_URL", "REDIS_URL"} <= urls.keys(), "".join(stderr)
        yield Demo(proc, urls["DATABASE_URL"], urls["REDIS_URL"], stderr, tmp)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def query(demo: Demo, sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(demo.database_url, autocommit=True) as conn:
        return conn.execute(sql, params or None).fetchall()


def test_schema_data_and_indexes(demo: Demo) -> None:
    tables = {
        r[0] for r in query(demo, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert len(tables) >= 14 and {"users", "scripts", "script_embeddings"} <= tables
    assert query(demo, "SELECT count(*) FROM scripts") == [(400,)]
    assert query(demo, "SELECT count(*) FROM users") == [(120,)]
    missing = query(
        demo,
        "SELECT count(*) FROM scripts s WHERE NOT EXISTS"
        " (SELECT 1 FROM script_embeddings e WHERE e.script_id = s.id)",
    )
    assert missing == [(0,)]
    assert query(demo, "SELECT vector_dims(embedding) FROM script_embeddings LIMIT 1") == [(1536,)]
    methods = query(
        demo,
        "SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'script_embeddings_idx'",
    )
    assert methods == [("hnsw",)]
    extensions = {r[0] for r in query(demo, "SELECT extname FROM pg_extension")}
    assert {"vector", "pg_stat_statements"} <= extensions
    calls = query(demo, "SELECT count(*) FROM pg_stat_statements")
    assert calls[0][0] > 0  # preloaded and collecting
    # a few users are locked and a few are close to it, as the demo promises
    locked, at_risk = query(
        demo,
        "SELECT count(*) FILTER (WHERE locked_until > now()),"
        " count(*) FILTER (WHERE login_attempts BETWEEN 3 AND 4)"
        " FROM users",
    )[0]
    assert int(locked) >= 1 and int(at_risk) >= 1  # type: ignore[call-overload]
    hashes = query(demo, "SELECT count(*) FROM users WHERE password_hash !~ '^\\$2b\\$12\\$.{53}$'")
    assert hashes == [(0,)]


def test_content_is_realistic_powershell(demo: Demo) -> None:
    (content,) = query(demo, "SELECT content FROM scripts ORDER BY id LIMIT 1")[0]
    assert isinstance(content, str)
    assert ".SYNOPSIS" in content and "param(" in content.replace("param (", "param(")
    assert re.search(r"\b(Get|Set|New|Invoke|Test|Export)-[A-Z]\w+", content)


def test_redis_cache_families_with_seed_ttls(demo: Demo) -> None:
    client = redis.Redis.from_url(demo.redis_url, decode_responses=True)
    try:
        scripts = list(client.scan_iter(match="script:*", count=500))
        assert scripts
        # -2: the workload invalidated the key between SCAN and TTL; -1 would mean no TTL
        ttls = [ttl for ttl in (client.ttl(key) for key in scripts[:50]) if ttl != -2]
        assert ttls and all(0 < ttl <= 600 for ttl in ttls)
        assert client.exists("categories:all") and client.ttl("categories:all") == -1
        lists = list(client.scan_iter(match="scripts:*", count=500))
        list_ttls = [ttl for ttl in (client.ttl(k) for k in lists[:20]) if ttl != -2]
        assert list_ttls and all(0 < ttl <= 300 for ttl in list_ttls)
    finally:
        client.close()


def test_workload_runs_as_the_api_and_locks_accounts(demo: Demo) -> None:
    locked_at_start = {r[0] for r in query(demo, "SELECT id FROM users WHERE locked_until > now()")}

    def api_sessions() -> int:
        rows = query(
            demo, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psscript-api'"
        )
        return int(rows[0][0])  # type: ignore[call-overload]

    wait_until(lambda: api_sessions() >= 1, what="the workload's pool")
    assert api_sessions() <= 10  # the seed's pool max

    def newly_locked() -> set[object]:
        rows = query(demo, "SELECT id FROM users WHERE locked_until > now()")
        return {r[0] for r in rows} - locked_at_start

    wait_until(lambda: bool(newly_locked()), timeout=90, what="a failed-login lockout")
    user_id = next(iter(newly_locked()))
    (attempts, username) = query(
        demo, "SELECT login_attempts, username FROM users WHERE id = %s", user_id
    )[0]
    assert attempts == 5
    client = redis.Redis.from_url(demo.redis_url, decode_responses=True)
    try:
        assert int(client.get(f"auth:attempts:{username}") or 0) >= 5
    finally:
        client.close()


def test_bloat_history_like_the_change_record(demo: Demo) -> None:
    rows = dict(
        query(
            demo,
            "SELECT relname, n_dead_tup::float / greatest(n_live_tup, 1)"
            " FROM pg_stat_user_tables"
            " WHERE relname IN ('script_versions', 'script_analysis')",
        )
    )
    assert rows["script_versions"] > 10  # the seed found 1400 %
    assert rows["script_analysis"] > 10  # and 1600 %


def test_snapshot_against_the_demo(demo: Demo) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "--json", "overview", "--interval", "0.5"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env() | {"DATABASE_URL": demo.database_url, "REDIS_URL": demo.redis_url},
    )
    assert result.returncode == 0, result.stderr
    overview = json.loads(result.stdout)["overview"]
    assert overview["connections"] >= 2
    assert overview["database_size_bytes"] > 10_000_000
    assert overview["redis"]["available"] and overview["redis"]["keys"] > 0


def test_zz_sigterm_stops_everything_and_removes_the_directory(demo: Demo) -> None:
    demo_dirs = list(demo.tmp.glob("psadmin-demo-*"))
    assert len(demo_dirs) == 1
    postmaster = demo_dirs[0] / "pg" / "data" / "postmaster.pid"
    pid = int(postmaster.read_text().split()[0])
    demo.proc.send_signal(signal.SIGTERM)
    assert demo.proc.wait(timeout=60) == 0
    assert not demo_dirs[0].exists()

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") >= 0

    wait_until(gone, what="the demo's PostgreSQL to exit")
    assert not any("Traceback" in line for line in demo.stderr), "".join(demo.stderr)
