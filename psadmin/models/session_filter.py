"""Filtering and sorting of the activity list, typed as one line: ``state:idle app:api min:5s``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from psadmin.models.activity import Session

_DURATION = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_STATE_ALIASES = {
    "iit": "idle in transaction",
    "idlex": "idle in transaction",
    "xact": "idle in transaction",
    "aborted": "idle in transaction (aborted)",
    "fastpath": "fastpath function call",
    "waiting": "waiting",
}


class FilterError(ValueError):
    """A filter the user typed that cannot be understood; the message says why."""


def parse_duration(text: str) -> float:
    """``500ms``, ``5s``, ``2m``, ``1h`` or a plain number of seconds."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise FilterError(f"not a duration: {text!r} (use e.g. 500ms, 5s, 2m, 1h)")
    return float(match["number"]) * _UNITS[match["unit"]]


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Every field narrows the list; an empty filter keeps every session."""

    state: str | None = None
    """Prefix of the state (``idle in``), an alias (``iit``, ``aborted``), or ``waiting``."""
    application: str | None = None
    """Substring of application_name, case-insensitive."""
    user: str | None = None
    min_duration_s: float = 0.0
    hide_idle: bool = False
    text: str | None = None
    """Substring of the query, application, user or client address."""

    @classmethod
    def parse(cls, line: str, *, hide_idle: bool = False) -> SessionFilter:
        fields: dict[str, str | float | None] = {}
        words: list[str] = []
        for token in line.split():
            name, sep, value = token.partition(":")
            if not sep or not value:
                words.append(token)
                continue
            name = name.lower()
            if name == "state":
                fields["state"] = _STATE_ALIASES.get(value.lower(), value.lower())
            elif name in {"app", "application"}:
                fields["application"] = value.lower()
            elif name == "user":
                fields["user"] = value.lower()
            elif name in {"min", "duration"}:
                fields["min_duration_s"] = parse_duration(value)
            else:
                raise FilterError(f"unknown filter {name!r} (state:, app:, user:, min:)")
        return cls(
            state=_str(fields.get("state")),
            application=_str(fields.get("application")),
            user=_str(fields.get("user")),
            min_duration_s=float(fields.get("min_duration_s") or 0.0),
            hide_idle=hide_idle,
            text=" ".join(words).lower() or None,
        )

    def matches(self, s: Session) -> bool:
        if self.hide_idle and s.state == "idle":
            return False
        if self.state == "waiting":
            if not s.waiting_on_lock:
                return False
        elif self.state is not None and not (s.state or "").startswith(self.state):
            return False
        if self.application is not None and self.application not in s.application.lower():
            return False
        if self.user is not None and self.user not in (s.user or "").lower():
            return False
        if self.min_duration_s > 0 and (s.duration_s or 0.0) < self.min_duration_s:
            return False
        if self.text is not None:
            haystack = " ".join((s.query, s.application, s.user or "", s.client_addr or ""))
            if self.text not in haystack.lower():
                return False
        return True


def _str(value: str | float | None) -> str | None:
    return None if value is None else str(value)


def _age(s: Session, value: float | None) -> float:
    return -math.inf if value is None else value


SORTS: dict[str, tuple[str, Callable[[Session], object], bool]] = {
    "duration": ("duration", lambda s: _age(s, s.duration_s), True),
    "pid": ("pid", lambda s: s.pid, False),
    "user": ("user", lambda s: (s.user or "", s.pid), False),
    "application": ("application", lambda s: (s.application, s.pid), False),
    "state": ("state", lambda s: (s.state or "~", s.pid), False),
    "xact_age": ("transaction age", lambda s: _age(s, s.xact_age_s), True),
    "backend_age": ("backend age", lambda s: _age(s, s.backend_age_s), True),
}
"""Sort name -> (label, key, descending). Ages sort longest first."""
SORT_ORDER = tuple(SORTS)


def sort_sessions(sessions: Iterable[Session], sort: str, reverse: bool = False) -> list[Session]:
    _, key, descending = SORTS[sort]
    return sorted(sessions, key=key, reverse=descending != reverse)  # type: ignore[arg-type]


def short_age(seconds: float | None) -> str:
    """Compact ages for table cells: ``42s``, ``3m05s``, ``2h10m``, ``3d04h``."""
    if seconds is None:
        return "—"
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def coarse_age(seconds: float | None) -> str:
    """Like :func:`short_age` but in whole minutes past the first one, for ages that only
    need to be roughly right (connection age): the cell then changes once a minute."""
    if seconds is None or seconds < 60:
        return short_age(seconds)
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m"
    return short_age(seconds)


def one_line(query: str, limit: int = 120) -> str:
    """The query on one line, whitespace collapsed, cut at ``limit`` characters."""
    flat = " ".join(query.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
