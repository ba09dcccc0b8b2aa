"""Hostile input across the command line, table-driven, against a real PSScript database.

Every value a user can type goes into every place the CLI takes text or numbers. Each run must
end with an exit code the README documents, at most one line on stderr, never psadmin's
"internal error" fallback (a traceback caught at the last moment), and change no row.
NUL cannot travel in a real argv, so the CLI runs in-process here (click parses the same).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from psadmin.cli import main
from psadmin.demo.seed import seed_database
from psadmin.demo.servers import PostgresCluster
from tests.conftest import new_database
from tests.integration.hostile_data import HOSTILE_TEXT, fingerprint

HOSTILE_NUMBERS = {
    "negative": "-1",
    "zero": "0",
    "past int4": "2147483648",
    "huge": "9" * 40,
    "nan": "nan",
    "inf": "inf",
    "float overflow": "1e309",
    "not a number": "1; DROP TABLE users",
}

# (label, argv builder): every text or number a command takes.
TEXT_PLACES: dict[str, Callable[[str], list[str]]] = {
    "users list --search": lambda v: ["users", "list", "--search", v, "--json"],
    "users unlock USER": lambda v: ["users", "unlock", v, "--reason", "test", "--yes"],
    "users unlock --reason": lambda v: ["users", "unlock", "nobody-here", "--reason", v, "--yes"],
    "users lock USER": lambda v: ["users", "lock", v, "--minutes", "5", "--reason", "t", "--yes"],
    "users list --sort": lambda v: ["users", "list", "--sort", v],
    "similar SCRIPT_ID": lambda v: ["similar", v],
    "vacuum TABLE": lambda v: ["vacuum", v, "--reason", "test", "--yes"],
    "vacuum --reason": lambda v: ["vacuum", "no_such_table", "--reason", v, "--yes"],
    "snapshot PANEL": lambda v: ["snapshot", v],
    "--profile": lambda v: ["--profile", v, "snapshot", "overview"],
    "--config": lambda v: ["--config", v, "snapshot", "overview"],
    "--redis-url": lambda v: ["--redis-url", v, "snapshot", "overview"],
}
NUMBER_PLACES: dict[str, Callable[[str], list[str]]] = {
    "users lock --minutes": lambda v: [
        "users", "lock", "nobody-here", "--minutes", v, "--reason", "t", "--yes",
    ],
    "users list --limit": lambda v: ["users", "list", "--limit", v],
    "similar -k": lambda v: ["similar", "1", "-k", v],
    "similar --ef-search": lambda v: ["similar", "1", "--ef-search", v],
    "similar SCRIPT_ID": lambda v: ["similar", v],
    "snapshot --interval": lambda v: ["snapshot", "overview", "--interval", v],
    "--refresh": lambda v: ["--refresh", v, "snapshot", "overview"],
    "vacuum --lock-timeout": lambda v: [
        "vacuum", "scripts", "--lock-timeout", v, "--reason", "t", "--yes",
    ],
}  # fmt: skip
DOCUMENTED_EXITS = {0, 1, 2, 3}

CASES = [
    pytest.param(place, value, id=f"{place}|{name}")
    for place in TEXT_PLACES
    for name, value in HOSTILE_TEXT.items()
] + [
    pytest.param(place, value, id=f"{place}|{name}")
    for place in NUMBER_PLACES
    for name, value in HOSTILE_NUMBERS.items()
]


@pytest.fixture(scope="module")
def database(pg18: PostgresCluster) -> str:
    dsn = new_database(pg18, "hostile_cli")
    asyncio.run(seed_database(dsn, scripts=40, users=30, redis_url=None))
    return dsn


@pytest.fixture(scope="module")
def before(database: str) -> Iterator[list[object]]:
    state = fingerprint(database)
    yield state
    assert fingerprint(database) == state, "a hostile CLI run changed the database"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize(("place", "value"), CASES)
def test_hostile_value_gets_a_clear_answer_and_writes_nothing(
    place: str,
    value: str,
    database: str,
    before: list[object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "REDIS_HOST", "PGHOST", "PGDATABASE"):
        monkeypatch.delenv(name, raising=False)
    build = TEXT_PLACES.get(place) or NUMBER_PLACES[place]
    argv = [*build(value), "--dsn", database]
    code, out, err = run_cli(argv, capsys)
    assert code in DOCUMENTED_EXITS, (code, err)
    assert "internal error" not in err and "Traceback" not in err + out, err
    assert len(err.splitlines()) <= 1, err
    assert "\x1b" not in err, "a typed escape sequence must not reach the terminal raw"
    if code == 0 and "--json" in argv:
        json.loads(out)
