"""Application accounts and their lockout state (PSScript's ``users`` table).

PostgreSQL is the authority on whether an account is locked: the application checks
``users.locked_until`` at every login. Redis only holds the application's attempt counter
(``auth:attempts:{username}``), so an unlock clears the row first and then those keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

MAX_LOCK_MINUTES = 525_600
"""A year: longer than that is a ban, which PSScript has no notion of."""
MAX_REASON_CHARS = 1000
PAGE_SIZE = 50


class UserFilter(enum.Enum):
    ALL = "all"
    LOCKED = "locked"
    """``locked_until`` is in the future."""
    AT_RISK = "at-risk"
    """Not locked, but within two failed logins of the lock (attempts >= 3 by default)."""
    ADMINS = "admins"

    @property
    def label(self) -> str:
        return {"all": "all users", "locked": "locked now", "at-risk": "at risk"}.get(
            self.value, self.value
        )


class UserSort(enum.Enum):
    """Sort orders; each has one natural direction, and ``id`` breaks ties."""

    USERNAME = "username"
    ATTEMPTS = "login_attempts"
    LOCKED_UNTIL = "locked_until"
    LAST_LOGIN = "last_login_at"
    CREATED = "created_at"
    ID = "id"

    @property
    def descending(self) -> bool:
        return self not in (UserSort.USERNAME, UserSort.ID)

    @property
    def label(self) -> str:
        arrow = "↓" if self.descending else "↑"
        return f"{self.value} {arrow}"


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """The application's rule (seed: 5 failed logins lock an account for 30 minutes)."""

    max_attempts: int = 5
    lock_minutes: int = 30

    @property
    def at_risk_attempts(self) -> int:
        """Two failures from a lock: 3 with the seed's policy."""
        return max(self.max_attempts - 2, 1)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    email: str
    role: str | None
    login_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime | None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def remaining_s(self, now: datetime) -> float:
        """Seconds of lock left (0 when not locked)."""
        if self.locked_until is None or self.locked_until <= now:
            return 0.0
        return (self.locked_until - now).total_seconds()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class PageCursor:
    """A position in one sort order: the sort key of a row and its id (keyset pagination)."""

    value: str | int | datetime | None
    id: int


def cursor_of(row: UserRow, sort: UserSort) -> PageCursor:
    value: str | int | datetime | None = getattr(row, sort.value)
    return PageCursor(value, row.id)


@dataclass(frozen=True, slots=True)
class UserQuery:
    """One page request; ``after``/``before`` come from the previous page's last/first row."""

    filter: UserFilter = UserFilter.ALL
    search: str = ""
    """Matched case-insensitively anywhere in the username or email, literally (no wildcards)."""
    sort: UserSort = UserSort.USERNAME
    after: PageCursor | None = None
    before: PageCursor | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class UserPage:
    rows: tuple[UserRow, ...]
    as_of: datetime
    """The server's clock when the page was read: time remaining is computed against it."""
    has_next: bool
    has_previous: bool


@dataclass(frozen=True, slots=True)
class UserCounts:
    total: int
    locked: int
    at_risk: int
    admins: int


@dataclass(frozen=True, slots=True)
class UsersSummary:
    """The header of the Users panel; ``available`` is False (with why) without a users table."""

    policy: LockoutPolicy
    counts: UserCounts | None = None
    as_of: datetime | None = None
    can_update: bool = False
    """Whether this role may change lockout columns (else actions will be refused)."""
    unlock_redis_keys: tuple[str, ...] = ()
    """Key templates an unlock also deletes (from the profile), shown in confirmations."""
    available: bool = True
    reason: str | None = None
    fix: str | None = None
    table_present: bool = True
    """False when there is no users table at all (not the PSScript database)."""


@dataclass(frozen=True, slots=True)
class UserChange:
    """One account an action touched: before and after."""

    id: int
    username: str
    attempts_before: int
    locked_until_before: datetime | None
    attempts_after: int
    locked_until_after: datetime | None
    changed: bool


@dataclass(frozen=True, slots=True)
class KeyDeletion:
    """What happened to the configured Redis keys of the users an action touched."""

    deleted: int = 0
    keys: tuple[str, ...] = field(default_factory=tuple)
    error: str | None = None


# What the confirmation shows: the essential statement of each action (the executor runs it
# with a row lock and reads the values before the change in the same statement).
UNLOCK_STATEMENT = (
    "UPDATE users SET login_attempts = 0, locked_until = NULL, updated_at = now() "
    "WHERE id = $1 RETURNING …"
)
BULK_UNLOCK_STATEMENT = (
    "UPDATE users SET login_attempts = 0, locked_until = NULL, updated_at = now() "
    "WHERE id = ANY($1) RETURNING …"
)
UNLOCK_ALL_LOCKED_STATEMENT = (
    "UPDATE users SET login_attempts = 0, locked_until = NULL, updated_at = now() "
    "WHERE locked_until > now() RETURNING …"
)
LOCK_STATEMENT = (
    "UPDATE users SET locked_until = now() + make_interval(mins => $2), updated_at = now() "
    "WHERE id = $1 RETURNING …"
)
RESET_STATEMENT = (
    "UPDATE users SET login_attempts = 0, updated_at = now() WHERE id = $1 RETURNING …"
)


def redis_note(templates: tuple[str, ...]) -> str:
    """How the confirmation names the Redis keys an unlock also deletes."""
    if not templates:
        return ""
    return "; then UNLINK " + ", ".join(templates)


def validate_minutes(value: object) -> int:
    """Lock length in whole minutes, 1 to a year; raises ValueError with a one-line reason."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError(f"minutes must be a whole number from 1 to {MAX_LOCK_MINUTES}")
        value = int(text)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"minutes must be a whole number from 1 to {MAX_LOCK_MINUTES}")
    if not 1 <= value <= MAX_LOCK_MINUTES:
        raise ValueError(f"minutes must be from 1 to {MAX_LOCK_MINUTES}, not {value}")
    return value


def validate_reason(text: str) -> str:
    """A reason fit for the audit trail: non-empty, one printable line, at most 1000 chars."""
    reason = text.strip()
    if not reason:
        raise ValueError("a reason is required")
    if len(reason) > MAX_REASON_CHARS:
        raise ValueError(
            f"the reason is too long ({len(reason)} characters, max {MAX_REASON_CHARS})"
        )
    if any(not ch.isprintable() for ch in reason):
        raise ValueError("the reason must be one line of printable text")
    return reason


def storable(text: str) -> bool:
    """Whether PostgreSQL text can hold this string (no NUL, valid UTF-8 when encoded).

    A string that cannot be stored cannot match a stored username, so a lookup or search
    for it has a known, empty answer instead of a driver error.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def like_pattern(term: str) -> str:
    """``term`` as a literal substring pattern for ``LIKE … ESCAPE '\\'``."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def format_remaining(seconds: float) -> str:
    if seconds <= 0:
        return ""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"
