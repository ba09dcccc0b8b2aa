"""``psadmin check``: health checks judged against thresholds, and their Nagios/JSON forms.

Pure functions over facts read elsewhere, so every rule is unit-tested without a server.
Exit codes follow the Nagios plugin convention for the levels that exist here: 0 OK,
1 WARNING (a check that cannot be evaluated counts as a warning: the monitoring is blind
there), 2 CRITICAL; 3 is left to "cannot connect", which never reaches this module.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from psadmin.models.health import Level

EXIT_CODES = {Level.OK: 0, Level.WARNING: 1, Level.CRITICAL: 2, Level.UNKNOWN: 1}


class Bad(enum.Enum):
    """Which side of the thresholds is the bad one."""

    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """One read of the counters the checks need (queries.health_facts)."""

    taken_at: datetime
    started_at: datetime
    database: str
    deadlocks: int
    blks_hit: int
    blks_read: int
    stats_reset: datetime | None
    connections: int
    app_connections: Mapping[str, int]
    oldest_xact_pid: int | None
    oldest_xact_s: float | None
    idle_in_transaction: int
    oldest_idle_pid: int | None
    oldest_idle_s: float | None
    oldest_xid_database: str
    xid_age: int
    freeze_max_age: int

    @property
    def counting_since(self) -> datetime:
        """Since when the database's counters count (the newer of a reset and the start)."""
        return max(self.stats_reset or self.started_at, self.started_at)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: its light, the measured value and the thresholds it was judged against."""

    name: str
    level: Level
    summary: str
    """A short phrase for the one-line summary, e.g. ``pool psscript-api 9/10 (90 %)``."""
    value: float | None
    unit: str
    """``ratio``, ``ms``, ``s``, ``per_hour``, ``count`` or ``xids``."""
    warn: float | None
    crit: float | None
    bad: Bad = Bad.HIGH
    detail: str = ""
    """Context or the fix (which GRANT or setting), for the long output and JSON."""
    skipped: str | None = None
    """Why the check does not apply here (no users table, no Redis): it does not count."""
    strict: bool = False
    """Reaching a threshold is still fine; only going past it counts (see :func:`judge`)."""

    @property
    def bad_when(self) -> str:
        if self.bad is Bad.LOW:
            return "below"
        return "above" if self.strict else "at_or_above"


def judge(value: float | None, warn: float, crit: float, bad: Bad, strict: bool = False) -> Level:
    """The light of ``value``; ``strict`` makes equality with a threshold still fine (for
    rates whose target is 0: zero deadlocks an hour is the target, not a warning)."""
    if value is None or math.isnan(value):
        return Level.UNKNOWN
    if bad is Bad.LOW:
        return Level.CRITICAL if value < crit else Level.WARNING if value < warn else Level.OK
    if strict:
        return Level.CRITICAL if value > crit else Level.WARNING if value > warn else Level.OK
    return Level.CRITICAL if value >= crit else Level.WARNING if value >= warn else Level.OK


def worst(results: Sequence[CheckResult]) -> Level:
    """The overall level; a check that could not be evaluated weighs as a warning."""
    return (
        max(
            (Level.WARNING if r.level is Level.UNKNOWN else r.level)
            for r in results
            if r.skipped is None
        )
        if any(r.skipped is None for r in results)
        else Level.OK
    )


def exit_code(results: Sequence[CheckResult]) -> int:
    return EXIT_CODES[worst(results)]


def percent(ratio: float) -> str:
    """Whole percents, except just below 100 % where rounding up would hide a miss."""
    if 0.995 <= ratio < 1:
        return f"{math.floor(ratio * 10000) / 100:.2f} %"
    return f"{ratio * 100:.0f} %"


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# -- rates between two runs --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CounterReading:
    """A cumulative counter, when it was read and since when it counts (reset or start)."""

    value: int
    at: datetime
    since: datetime


@dataclass(frozen=True, slots=True)
class Rate:
    per_hour: float
    window_s: float
    since_previous_run: bool
    """False: no usable earlier reading, so the rate is the average since the counter began."""


def rate_per_hour(current: CounterReading, previous: CounterReading | None) -> Rate | None:
    """Per hour since the previous run when that reading is comparable, else the lifetime
    average (a reset or restart in between makes the previous reading useless)."""
    if (
        previous is not None
        and previous.since == current.since
        and previous.at < current.at
        and previous.value <= current.value
    ):
        window = (current.at - previous.at).total_seconds()
        return Rate((current.value - previous.value) * 3600 / window, window, True)
    window = (current.at - current.since).total_seconds()
    if window <= 0:
        return None
    return Rate(current.value * 3600 / window, window, False)


def rate_phrase(rate: Rate) -> str:
    basis = "since the previous check" if rate.since_previous_run else "average since the reset"
    return f"{rate.per_hour:.2f}/hour ({basis}, {duration(rate.window_s)})"


# -- output forms ------------------------------------------------------------------------------

_UOM = {"ratio": "%", "ms": "ms", "s": "s", "count": "", "per_hour": "", "xids": "c"}


def _perf_number(value: float, unit: str) -> str:
    number = value * 100 if unit == "ratio" else value
    return f"{number:.4g}" if abs(number) < 1e6 else f"{number:.0f}"


def perfdata(result: CheckResult) -> str | None:
    """``'label'=value[UOM];warn;crit`` (Nagios plugin guidelines), None without a value."""
    if result.value is None or result.skipped is not None:
        return None
    uom = _UOM.get(result.unit, "")
    parts = [_perf_number(result.value, result.unit) + uom]
    for limit in (result.warn, result.crit):
        parts.append("" if limit is None else _perf_number(limit, result.unit))
    label = result.name.replace("'", "_").replace("=", "_")
    return f"'{label}'=" + ";".join(parts).rstrip(";")


@dataclass(frozen=True, slots=True)
class CheckReport:
    target: str
    checked_at: datetime
    results: tuple[CheckResult, ...]
    privileges: tuple[str, ...] = field(default_factory=tuple)
    """Missing privileges or settings, each with its fix (the privilege report)."""

    @property
    def level(self) -> Level:
        return worst(self.results)

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)


_STATUS = {
    Level.OK: "OK",
    Level.WARNING: "WARNING",
    Level.CRITICAL: "CRITICAL",
    Level.UNKNOWN: "UNKNOWN",
}


def nagios_text(report: CheckReport) -> str:
    """Line 1: status, the problems (worst first) and perfdata; then one line per check."""
    counted = [r for r in report.results if r.skipped is None]
    problems = sorted((r for r in counted if r.level is not Level.OK), key=lambda r: -int(r.level))
    if problems:
        head = "; ".join(f"{_STATUS[r.level]} {r.summary}" for r in problems)
    else:
        head = f"{len(counted)} checks ok"
    perf = " ".join(p for r in report.results if (p := perfdata(r)) is not None)
    lines = [f"PSADMIN {_STATUS[report.level]} - {head} | {perf}".rstrip(" |")]
    for r in report.results:
        if r.skipped is not None:
            lines.append(f"[SKIP] {r.name}: {r.skipped}")
            continue
        limits = threshold_phrase(r)
        more = f" · {r.detail}" if r.detail else ""
        lines.append(f"[{_STATUS[r.level][:4]:<4}] {r.name}: {r.summary}{limits}{more}")
    if report.privileges:
        lines.append("privileges:")
        lines.extend(f"  - {note}" for note in report.privileges)
    return "\n".join(lines)


def threshold_phrase(r: CheckResult) -> str:
    if r.warn is None and r.crit is None:
        return ""
    side = {"below": "<", "above": ">", "at_or_above": "≥"}[r.bad_when]

    def show(limit: float) -> str:
        if r.unit == "ratio":
            return percent(limit)
        if r.unit in ("ms", "s"):
            return f"{limit:g} {r.unit}"
        if r.unit == "per_hour":
            return f"{limit:g}/hour"
        return f"{limit:,.0f}"

    parts = [
        f"{name} {side} {show(v)}"
        for name, v in (("warn", r.warn), ("crit", r.crit))
        if v is not None
    ]
    return " (" + ", ".join(parts) + ")"


def check_json(report: CheckReport) -> dict[str, object]:
    return {
        "status": report.level.label,
        "exit_code": report.exit_code,
        "target": report.target,
        "checked_at": report.checked_at.isoformat().replace("+00:00", "Z"),
        "checks": [
            {
                "name": r.name,
                "status": "skipped" if r.skipped is not None else r.level.label,
                "value": None if r.value is None else round(r.value, 6),
                "unit": r.unit,
                "warn": r.warn,
                "crit": r.crit,
                "bad_when": r.bad_when,
                "summary": r.summary,
                "detail": r.detail or None,
                "skipped": r.skipped,
            }
            for r in report.results
        ],
        "privileges": list(report.privileges),
    }
