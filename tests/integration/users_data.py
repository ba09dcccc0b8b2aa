"""A users table on a real server, filled with accounts whose lockout state tests choose."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from psadmin.schema import metadata, users

HOSTILE_NAMES = (
    "a%b",
    "a_b",
    "back\\slash",
    "o'quote",
    'dq"uote',
    "zoë",
    "ZOË",
    "semi;colon --",
    "'; DROP TABLE users; --",
    "x" * 255,
)


@dataclass(frozen=True)
class Account:
    username: str
    attempts: int = 0
    locked_s: float | None = None
    """Lock relative to now in seconds (negative: a lock that has run out); None: never locked."""
    role: str = "user"
    last_login_h: float | None = 1.0
    created_d: float = 10.0
    email: str | None = None


def create_users_table(dsn: str) -> None:
    """Only ``users`` (PostgreSQL 15 here has no pgvector for the rest of the schema)."""
    engine = create_engine(
        dsn.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool
    )
    try:
        with engine.begin() as conn:
            metadata.create_all(conn, tables=[users])
    finally:
        engine.dispose()


def add_accounts(dsn: str, accounts: Sequence[Account]) -> dict[str, int]:
    """Insert in one transaction (so equal offsets give exactly equal timestamps); name -> id."""
    with psycopg.connect(dsn) as conn:
        ids: dict[str, int] = {}
        for a in accounts:
            row = conn.execute(
                "INSERT INTO users (username, email, password_hash, role, login_attempts,"
                " locked_until, last_login_at, created_at)"
                " VALUES (%s, %s, '$2b$12$x', %s, %s,"
                " now() + make_interval(secs => %s), now() - make_interval(secs => %s),"
                " now() - make_interval(secs => %s)) RETURNING id",
                (
                    a.username,
                    a.email or f"{a.username[:200]}@example.com",
                    a.role,
                    a.attempts,
                    a.locked_s,
                    None if a.last_login_h is None else a.last_login_h * 3600,
                    a.created_d * 86400,
                ),
            ).fetchone()
            assert row is not None
            ids[a.username] = row[0]
    return ids


def mixed_accounts(count: int = 237, seed: int = 5) -> list[Account]:
    """Many ties in every sort key, NULLs where columns allow them, and hostile names."""
    rng = random.Random(seed)
    accounts = [Account(name, attempts=i % 4) for i, name in enumerate(HOSTILE_NAMES)]
    for i in range(count - len(accounts)):
        roll = rng.random()
        locked = roll < 0.1
        accounts.append(
            Account(
                f"user{i:04d}",
                attempts=5 if locked else rng.choice((0, 0, 0, 1, 2, 3, 4)),
                locked_s=rng.choice((600.0, 1200.0))
                if locked
                else (-60.0 if roll < 0.15 else None),
                role="admin" if rng.random() < 0.05 else "user",
                last_login_h=None if rng.random() < 0.2 else float(rng.randint(1, 5)),
                created_d=float(rng.randint(1, 4)),
            )
        )
    return accounts


def table_state(dsn: str) -> list[tuple[object, ...]]:
    """Every row in full, to prove that something changed nothing."""
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT * FROM users ORDER BY id").fetchall()


def key_template() -> str:
    """A per-test key family on the shared Redis server."""
    return f"t{uuid.uuid4().hex[:8]}:auth:attempts:{{username}}"
