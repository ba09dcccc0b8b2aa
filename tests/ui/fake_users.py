"""Accounts for the fake backend: a fixed set, paged in memory with the same keyset rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from psadmin.models.users import (
    LockoutPolicy,
    PageCursor,
    UserCounts,
    UserFilter,
    UserPage,
    UserQuery,
    UserRow,
    UsersSummary,
)

NOW = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
_LOWEST = datetime.min.replace(tzinfo=UTC)


def make_users(count: int = 120) -> list[UserRow]:
    """``user000``…: every 10th locked (5 fails), every 7th at risk (3 fails), #1 an admin."""
    rows = []
    for i in range(count):
        locked = i % 10 == 3
        at_risk = not locked and i % 7 == 2
        rows.append(
            UserRow(
                id=i + 1,
                username=f"user{i:03d}",
                email=f"user{i:03d}@example.com",
                role="admin" if i == 1 else "user",
                login_attempts=5 if locked else 3 if at_risk else 0,
                locked_until=NOW + timedelta(minutes=12) if locked else None,
                last_login_at=NOW - timedelta(hours=i),
                created_at=NOW - timedelta(days=i),
            )
        )
    return rows


def _key(row: UserRow, query: UserQuery) -> tuple[Any, int]:
    value = getattr(row, query.sort.value)
    if value is None:
        value = 0 if query.sort.value == "login_attempts" else _LOWEST
    return value, row.id


def _cursor_key(cursor: PageCursor, query: UserQuery) -> tuple[Any, int]:
    value = cursor.value
    if value is None:
        value = 0 if query.sort.value == "login_attempts" else _LOWEST
    return value, cursor.id


def _after(key: tuple[Any, int], mark: tuple[Any, int], descending: bool) -> bool:
    """Whether ``key`` comes after ``mark`` in the sort order."""
    return bool(key < mark) if descending else bool(key > mark)


class FakeUsers:
    def __init__(self) -> None:
        self.rows = make_users()
        self.policy = LockoutPolicy()
        self.available = True
        self.queries: list[UserQuery] = []
        self.unlock_redis_keys = ("auth:attempts:{username}",)

    def _matches(self, row: UserRow, query: UserQuery) -> bool:
        locked = row.locked_at(NOW)
        if query.filter is UserFilter.LOCKED and not locked:
            return False
        if query.filter is UserFilter.AT_RISK and (
            locked or row.login_attempts < self.policy.at_risk_attempts
        ):
            return False
        if query.filter is UserFilter.ADMINS and not row.is_admin:
            return False
        term = query.search.lower()
        return not term or term in row.username.lower() or term in row.email.lower()

    def summary(self) -> UsersSummary:
        if not self.available:
            return UsersSummary(
                self.policy, available=False, reason="no users table", fix="connect elsewhere"
            )
        locked = sum(r.locked_at(NOW) for r in self.rows)
        at_risk = sum(self._matches(r, UserQuery(UserFilter.AT_RISK)) for r in self.rows)
        admins = sum(r.is_admin for r in self.rows)
        return UsersSummary(
            self.policy,
            UserCounts(len(self.rows), locked, at_risk, admins),
            NOW,
            can_update=True,
            unlock_redis_keys=self.unlock_redis_keys,
        )

    def page(self, query: UserQuery) -> UserPage:
        self.queries.append(query)
        desc = query.sort.descending
        rows = sorted(
            (r for r in self.rows if self._matches(r, query)),
            key=lambda r: _key(r, query),
            reverse=desc,
        )
        if query.after is not None:
            mark = _cursor_key(query.after, query)
            rows = [r for r in rows if _after(_key(r, query), mark, desc)]
            return UserPage(tuple(rows[: query.limit]), NOW, len(rows) > query.limit, True)
        if query.before is not None:
            mark = _cursor_key(query.before, query)
            rows = [r for r in rows if _after(mark, _key(r, query), desc)]
            if len(rows) > query.limit:
                return UserPage(tuple(rows[-query.limit :]), NOW, True, True)
            return self.page(UserQuery(query.filter, query.search, query.sort, limit=query.limit))
        return UserPage(tuple(rows[: query.limit]), NOW, len(rows) > query.limit, False)

    def by_name(self, names: Sequence[str]) -> list[UserRow]:
        return [r for r in self.rows if r.username in set(names)]
