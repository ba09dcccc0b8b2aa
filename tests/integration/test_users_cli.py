"""``psadmin users`` and ``snapshot users`` as a person runs them, plus the audited action path."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from psadmin.actions import ActionRunner
from psadmin.backend import LiveBackend
from psadmin.config import Profile
from psadmin.demo.servers import PostgresCluster, RedisServer
from psadmin.models.actions import OutcomeStatus
from psadmin.models.errors import BackendError
from psadmin.models.user_actions import unlock_request
from psadmin.models.users import UserRow
from tests.integration.helpers import clean_env, settings_for
from tests.integration.users_data import (
    HOSTILE_NAMES,
    Account,
    add_accounts,
    create_users_table,
    key_template,
    table_state,
)

NewDb = Callable[[PostgresCluster, str], str]
ACCOUNTS = [
    Account("alice", 5, 900),
    Account("bob", 5, 600),
    Account("carol", 5, 300),
    Account("dave", 3),
    Account("erin", role="admin"),
    *(Account(name) for name in HOSTILE_NAMES),
]


class Env:
    """A users database, a Redis key family and a config file that points the audit trail here."""

    def __init__(self, dsn: str, redis_url: str, tmp: Path) -> None:
        self.dsn, self.redis_url, self.tmp = dsn, redis_url, tmp
        self.template = key_template()
        self.audit = tmp / "audit.jsonl"
        self.config = tmp / "config.toml"
        self.config.write_text(
            f"[defaults]\nunlock_redis_keys = [{json.dumps(self.template)}]\n"
            f"audit_file = {json.dumps(str(self.audit))}\n"
        )
        self.ids = add_accounts(dsn, ACCOUNTS)

    def run(
        self, *args: str, stdin: int | None = subprocess.DEVNULL
    ) -> subprocess.CompletedProcess[str]:
        env = clean_env() | {"XDG_STATE_HOME": str(self.tmp), "XDG_CONFIG_HOME": str(self.tmp)}
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "psadmin",
                *args,
                "--dsn",
                self.dsn,
                "--redis-url",
                self.redis_url,
                "--config",
                str(self.config),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            stdin=stdin,
        )

    def state(self, name: str) -> tuple[Any, ...]:
        with psycopg.connect(self.dsn) as conn:
            found = conn.execute(
                "SELECT login_attempts, locked_until > now() FROM users WHERE username = %s",
                (name,),
            ).fetchone()
        assert found is not None
        return tuple(found)

    def key(self, name: str) -> str:
        return self.template.format(username=name)

    def events(self) -> list[tuple[str, str, str | None]]:
        if not self.audit.exists():
            return []
        records = [json.loads(line) for line in self.audit.read_text().splitlines()]
        return [(r["event"], r["action"], r["reason"]) for r in records]


@pytest.fixture
def env(
    pg15: PostgresCluster, redis_server: RedisServer, fresh_database: NewDb, tmp_path: Path
) -> Env:
    dsn = fresh_database(pg15, "userscli")
    create_users_table(dsn)
    return Env(dsn, redis_server.url, tmp_path)


def set_key(redis_server: RedisServer, key: str) -> None:
    import redis

    with redis.Redis.from_url(redis_server.url) as client:
        client.set(key, 5)


def exists(redis_server: RedisServer, key: str) -> bool:
    import redis

    with redis.Redis.from_url(redis_server.url) as client:
        return bool(client.exists(key))


def one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("psadmin: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_list_as_json_and_text(env: Env) -> None:
    locked = env.run("users", "list", "--locked", "--json")
    assert locked.returncode == 0, locked.stderr
    document = json.loads(locked.stdout)
    assert document["policy"] == {"max_attempts": 5, "lock_minutes": 30, "at_risk_attempts": 3}
    assert document["counts"]["locked"] == 3 and document["counts"]["at_risk"] >= 1
    assert [u["username"] for u in document["users"]] == ["alice", "bob", "carol"]
    alice = document["users"][0]
    assert alice["locked"] and alice["locked_until"].endswith("Z") and alice["login_attempts"] == 5
    assert 800 < alice["lock_remaining_s"] <= 900
    at_risk = json.loads(env.run("users", "list", "--at-risk", "--json").stdout)["users"]
    assert "dave" in {u["username"] for u in at_risk} and "alice" not in {
        u["username"] for u in at_risk
    }
    text = env.run("users", "list", "--search", "a%b")
    assert text.returncode == 0 and "a%b" in text.stdout and "alice" not in text.stdout
    one_line_error(env.run("users", "list", "--locked", "--at-risk"), 2, "choose one")
    before = subprocess.run(
        [
            sys.executable,
            "-m",
            "psadmin",
            "--dsn",
            env.dsn,
            "users",
            "--config",
            str(env.config),
            "list",
            "--locked",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
    )  # options before the group and between the group and the command work too
    assert before.returncode == 0, before.stderr
    again = [(u["id"], u["locked_until"]) for u in json.loads(before.stdout)["users"]]
    assert again == [(u["id"], u["locked_until"]) for u in document["users"]]


def test_unlock_changes_the_row_and_redis_and_is_audited(
    env: Env, redis_server: RedisServer
) -> None:
    set_key(redis_server, env.key("alice"))
    result = env.run("users", "unlock", "alice", "--reason", "ticket 4711", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("unlocked alice") and "deleted 1 Redis key" in result.stdout
    assert env.state("alice") == (0, None) and not exists(redis_server, env.key("alice"))
    assert env.state("bob") == (5, True)
    assert env.events() == [
        ("requested", "unlock_user", "ticket 4711"),
        ("ok", "unlock_user", "ticket 4711"),
    ]
    again = env.run("users", "unlock", "alice", "--reason", "again", "--yes")
    assert again.returncode == 0 and "nothing to unlock" in again.stdout
    assert env.events()[-1] == ("no-op", "unlock_user", "again")


def test_an_unknown_name_changes_nothing(env: Env) -> None:
    before = table_state(env.dsn)
    result = env.run("users", "unlock", "alice", "ghost", "--reason", "r", "--yes")
    one_line_error(result, 1, "no user named 'ghost'", "nothing changed")
    hostile = ["'; DROP TABLE users; --x", "%", "_", "\\", "zoë?", "ALICE", "é" * 5000]
    every = env.run("users", "unlock", "bob", *hostile, "--reason", "r", "--yes")
    one_line_error(every, 1, """no users named "'; DROP TABLE users; --x", '%', '_' (and 4 more)""")
    for name in ("\\", "é" * 5000):
        one_line_error(env.run("users", "unlock", name, "--reason", "r", "--yes"), 1, "no user")
        lock = env.run("users", "lock", name, "--minutes", "5", "--reason", "r", "--yes")
        one_line_error(lock, 1, "no user named")
    assert table_state(env.dsn) == before and env.events() == []


def test_hostile_names_that_exist_are_matched_exactly(env: Env) -> None:
    result = env.run("users", "lock", "a%b", "--minutes", "5", "--reason", "r", "--yes")
    assert result.returncode == 0, result.stderr
    assert env.state("a%b")[1] and not env.state("a_b")[1]
    result = env.run(
        "users", "unlock", "'; DROP TABLE users; --", "x" * 255, "--reason", "r", "--yes"
    )
    assert result.returncode == 0 and "unlocked 0 of 2 accounts (2 had nothing" in result.stdout


def test_bad_input_is_one_line_and_changes_nothing(env: Env) -> None:
    before = table_state(env.dsn)
    for minutes in ("0", "-5", "525601", "99999999999999999999", "abc", "1.5", ""):
        result = env.run("users", "lock", "bob", "--minutes", minutes, "--reason", "r", "--yes")
        one_line_error(result, 2, "--minutes")
    for reason in ("", "   ", "x" * 10_000, "two\nlines"):
        one_line_error(
            env.run("users", "unlock", "bob", "--reason", reason, "--yes"), 2, "--reason"
        )
    one_line_error(env.run("users", "unlock", "bob", "--all-locked", "--reason", "r"), 2)
    one_line_error(env.run("users", "unlock", "--reason", "r"), 2)
    one_line_error(env.run("users", "unlock", "bob"), 2, "--reason")
    no_tty = env.run("users", "unlock", "bob", "--reason", "r")
    one_line_error(no_tty, 2, "--yes")
    assert table_state(env.dsn) == before and env.events() == []


def test_read_only_refuses_and_records_the_refusal(env: Env) -> None:
    before = table_state(env.dsn)
    result = env.run("--read-only", "users", "unlock", "bob", "--reason", "r", "--yes")
    one_line_error(result, 1, "read-only", "nothing changed")
    assert table_state(env.dsn) == before
    assert env.events() == [("refused", "unlock_user", "r")]


def test_bulk_and_all_locked(env: Env, redis_server: RedisServer) -> None:
    for name in ("alice", "bob", "carol"):
        set_key(redis_server, env.key(name))
    result = env.run("users", "unlock", "alice", "bob", "bob", "--reason", "incident 9", "--yes")
    assert result.returncode == 0 and result.stdout.startswith("unlocked 2 of 2 accounts")
    assert env.state("carol") == (5, True)
    rest = env.run("users", "unlock", "--all-locked", "--reason", "incident 9", "--yes")
    assert rest.returncode == 0 and rest.stdout.startswith("unlocked 1 locked account")
    assert env.state("carol") == (0, None) and env.state("dave") == (3, None)
    assert not any(exists(redis_server, env.key(n)) for n in ("alice", "bob", "carol"))
    none = env.run("users", "unlock", "--all-locked", "--reason", "r", "--yes")
    assert none.returncode == 0 and "no account is locked" in none.stdout
    assert [e[:2] for e in env.events()] == [
        ("requested", "unlock_users"),
        ("ok", "unlock_users"),
    ] * 2


def test_lock_for_minutes(env: Env) -> None:
    result = env.run("users", "lock", "erin", "--minutes", "10", "--reason", "suspicious", "--yes")
    assert result.returncode == 0 and "locked erin for 10 min" in result.stdout
    assert env.state("erin") == (0, True)


def answer_on_a_terminal(env: Env, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")  # the terminal holds it until the prompt reads
        return env.run(*args, stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)


def test_terminal_prompt_defaults_to_no_and_bulk_needs_the_count(env: Env) -> None:
    before = table_state(env.dsn)
    declined = answer_on_a_terminal(env, "", "users", "unlock", "bob", "--reason", "r")
    assert declined.returncode == 1 and "Go ahead? [y/N]" in declined.stderr
    assert declined.stderr.endswith("psadmin: declined; nothing changed\n")
    assert declined.stdout == ""  # the question and the statement go to stderr
    wrong = answer_on_a_terminal(env, "3", "users", "unlock", "alice", "bob", "--reason", "r")
    assert wrong.returncode == 1 and "Type 2 to confirm" in wrong.stderr
    assert table_state(env.dsn) == before
    typed = answer_on_a_terminal(env, "2", "users", "unlock", "alice", "bob", "--reason", "r")
    assert typed.returncode == 0, typed.stderr
    assert env.state("alice") == env.state("bob") == (0, None)
    assert [e[0] for e in env.events()] == ["declined", "declined", "requested", "ok"]


def test_cannot_connect_is_exit_3() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "psadmin",
            "users",
            "list",
            "--dsn",
            "postgresql://nobody@127.0.0.1:1/x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
    )
    one_line_error(result, 3, "cannot reach")


def test_snapshot_users_json_and_text(env: Env) -> None:
    result = env.run("snapshot", "--json", "users")
    assert result.returncode == 0, result.stderr
    panel = json.loads(result.stdout)["users"]
    assert panel["available"] and panel["policy"]["max_attempts"] == 5
    assert panel["counts"]["locked"] == 3 and panel["counts"]["total"] == len(ACCOUNTS)
    assert [u["username"] for u in panel["locked"]] == ["alice", "bob", "carol"]
    assert {"id", "username", "login_attempts", "locked_until"} <= set(panel["locked"][0])
    assert "dave" in [u["username"] for u in panel["at_risk"]]
    assert not any(k.startswith("_") for k in panel)
    text = env.run("snapshot", "users")
    assert "3 locked" in text.stdout and "alice" in text.stdout


async def test_runner_audits_both_sinks_and_read_only_sessions_cannot_write(
    env: Env, redis_server: RedisServer
) -> None:
    profile = Profile(audit_file=env.audit, unlock_redis_keys=(env.template,))
    alice = UserRow(env.ids["alice"], "alice", "alice@example.com", "user", 5, None, None, None)
    backend = LiveBackend(settings_for(env.dsn, redis_server.url, profile=profile))
    try:
        await backend.connect()
        outcome = await ActionRunner(backend).run(unlock_request(alice, None, reason="why"))
        assert outcome.status is OutcomeStatus.OK and outcome.duration_ms > 0
    finally:
        await backend.close()
    with psycopg.connect(env.dsn) as conn:
        rows = conn.execute(
            "SELECT event, action, reason FROM psadmin_audit ORDER BY at"
        ).fetchall()
    assert rows == [("requested", "unlock_user", "why"), ("ok", "unlock_user", "why")]
    assert env.events() == rows

    read_only = LiveBackend(
        settings_for(env.dsn, redis_server.url, read_only=True, profile=profile)
    )
    before = table_state(env.dsn)
    bob = UserRow(env.ids["bob"], "bob", "bob@example.com", "user", 5, None, None, None)
    try:
        await read_only.connect()
        with pytest.raises(BackendError, match="read-only"):
            await ActionRunner(read_only).run(unlock_request(bob, None, reason="no"))
        with pytest.raises(BackendError, match="read-only transaction"):
            await read_only.execute_action(
                unlock_request(bob, None, reason="no")
            )  # belt and braces
    finally:
        await read_only.close()
    assert table_state(env.dsn) == before
