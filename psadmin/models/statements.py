"""pg_stat_statements as values: statement totals, interval deltas, long-running queries, EXPLAIN.

The interval figures are differences between two samples, as pgcenter computes them: a
statement that appeared (or was reset) between the samples counts with everything it has.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from psadmin.models.statement_availability import StatementsAvailability

OWN_TAG = "/* psadmin:"
"""Every statement psadmin sends carries this tag (see ``queries.sql.load``)."""
GENERIC_PLAN_SINCE = 160000
"""EXPLAIN (GENERIC_PLAN), a plan for ``$n`` without values, is new in PostgreSQL 16."""


@dataclass(frozen=True, slots=True, order=True)
class StatementKey:
    """One pg_stat_statements entry of the connected database."""

    userid: int
    queryid: int
    toplevel: bool = True
    """False for statements nested in functions (only tracked with ``track = all``)."""

    def __str__(self) -> str:
        return f"{self.userid}:{self.queryid}:{'top' if self.toplevel else 'nested'}"


@dataclass(frozen=True, slots=True)
class StatementStats:
    """Totals of one statement since its entry was created or last reset (times in ms)."""

    key: StatementKey
    query: str | None
    """Normalized text (constants replaced by ``$n``); None when the server has lost it."""
    calls: int
    total_exec_ms: float
    min_exec_ms: float
    max_exec_ms: float
    mean_exec_ms: float
    stddev_exec_ms: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    shared_blks_dirtied: int
    shared_blks_written: int
    temp_blks_read: int
    temp_blks_written: int
    blk_read_ms: float
    blk_write_ms: float
    wal_bytes: int | None = None
    """None before extension version 1.8."""
    plans: int | None = None
    total_plan_ms: float | None = None
    stats_since: datetime | None = None
    """When this entry started counting (extension 1.11+)."""

    @property
    def temp_blks(self) -> int:
        return self.temp_blks_read + self.temp_blks_written


@dataclass(frozen=True, slots=True)
class StatementSample:
    """Every visible statement of the connected database at one moment (server clock)."""

    taken_at: datetime | None
    availability: StatementsAvailability
    statements: tuple[StatementStats, ...] = ()
    stats_reset: datetime | None = None
    """Last full reset (pg_stat_statements_info, extension 1.9+)."""
    dealloc: int | None = None
    """Entries evicted because pg_stat_statements.max was reached (1.9+)."""
    hidden: int = 0
    """Entries of other roles whose text and queryid this role may not see."""
    own: int = 0
    """psadmin's own statements, left out."""

    @property
    def total_exec_ms(self) -> float:
        return sum(s.total_exec_ms for s in self.statements)


@dataclass(frozen=True, slots=True)
class StatementInterval:
    """What one statement did between two samples."""

    calls: int
    exec_ms: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    temp_blks: int
    wal_bytes: int | None
    share: float | None
    """Fraction of the execution time of all statements in the interval."""

    @property
    def mean_ms(self) -> float:
        return self.exec_ms / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class IntervalDeltas:
    seconds: float
    total_exec_ms: float
    by_key: Mapping[StatementKey, StatementInterval] = field(default_factory=dict)


def _restarted(before: StatementStats, now: StatementStats) -> bool:
    if before.stats_since is not None and before.stats_since != now.stats_since:
        return True
    return now.calls < before.calls


def interval_deltas(previous: StatementSample, current: StatementSample) -> IntervalDeltas | None:
    """Per-statement differences; None without two samples to compare."""
    if previous.taken_at is None or current.taken_at is None:
        return None
    before = {s.key: s for s in previous.statements}
    raw: dict[StatementKey, tuple[int, float, int, int, int, int, int | None]] = {}
    for now in current.statements:
        old = before.get(now.key)
        base: tuple[int, float, int, int, int, int, int | None]
        if old is None or _restarted(old, now):
            base = (0, 0.0, 0, 0, 0, 0, 0)
        else:
            base = (
                old.calls,
                old.total_exec_ms,
                old.rows,
                old.shared_blks_hit,
                old.shared_blks_read,
                old.temp_blks,
                old.wal_bytes,
            )
        calls = now.calls - base[0]
        if calls <= 0:
            continue
        wal = None if now.wal_bytes is None else now.wal_bytes - (base[6] or 0)
        raw[now.key] = (
            calls,
            max(now.total_exec_ms - base[1], 0.0),
            now.rows - base[2],
            now.shared_blks_hit - base[3],
            now.shared_blks_read - base[4],
            now.temp_blks - base[5],
            wal,
        )
    total = sum(r[1] for r in raw.values())
    return IntervalDeltas(
        seconds=(current.taken_at - previous.taken_at).total_seconds(),
        total_exec_ms=total,
        by_key={
            key: StatementInterval(*values, share=values[1] / total if total > 0 else None)
            for key, values in raw.items()
        },
    )


class StatementSort(enum.Enum):
    TOTAL_TIME = "total time"
    MEAN_TIME = "mean time"
    CALLS = "calls"
    ROWS = "rows"
    SHARED_READ = "shared blocks read"
    TEMP_BLOCKS = "temp blocks"
    WAL = "WAL bytes"

    def next(self) -> StatementSort:
        members = list(StatementSort)
        return members[(members.index(self) + 1) % len(members)]


_SORT_FIELDS: dict[StatementSort, tuple[str, str]] = {
    StatementSort.TOTAL_TIME: ("total_exec_ms", "exec_ms"),
    StatementSort.MEAN_TIME: ("mean_exec_ms", "mean_ms"),
    StatementSort.CALLS: ("calls", "calls"),
    StatementSort.ROWS: ("rows", "rows"),
    StatementSort.SHARED_READ: ("shared_blks_read", "shared_blks_read"),
    StatementSort.TEMP_BLOCKS: ("temp_blks", "temp_blks"),
    StatementSort.WAL: ("wal_bytes", "wal_bytes"),
}
"""The figure each sort key reads: from the totals since the reset, and from an interval."""


def _since_reset(stats: StatementStats, sort: StatementSort) -> float:
    return float(getattr(stats, _SORT_FIELDS[sort][0]) or 0)


def _in_interval(delta: StatementInterval, sort: StatementSort) -> float:
    return float(getattr(delta, _SORT_FIELDS[sort][1]) or 0)


@dataclass(frozen=True, slots=True)
class RankedStatement:
    stats: StatementStats
    interval: StatementInterval | None
    total_share: float | None
    """Fraction of the execution time of all statements since the last reset."""


def rank_statements(
    sample: StatementSample,
    deltas: IntervalDeltas | None,
    sort: StatementSort = StatementSort.TOTAL_TIME,
    *,
    per_interval: bool = False,
    limit: int | None = None,
) -> list[RankedStatement]:
    """Top statements by ``sort``, since the reset or (``per_interval``) in the last interval.

    Per interval, only statements that ran in it are listed (none before a second sample).
    """
    total = sample.total_exec_ms
    by_key = deltas.by_key if deltas else {}
    ranked = [
        RankedStatement(s, by_key.get(s.key), s.total_exec_ms / total if total > 0 else None)
        for s in sample.statements
    ]
    if per_interval:
        live = [(r, r.interval) for r in ranked if r.interval is not None]
        live.sort(key=lambda pair: (_in_interval(pair[1], sort), pair[0].stats.key), reverse=True)
        ranked = [r for r, _ in live]
    else:
        ranked.sort(key=lambda r: (_since_reset(r.stats, sort), r.stats.key), reverse=True)
    return ranked if limit is None else ranked[:limit]


@dataclass(frozen=True, slots=True)
class LongRunningQuery:
    """A client session whose current query has run longer than the threshold."""

    pid: int
    backend_start: datetime
    user: str | None
    application: str | None
    client_addr: str | None
    database: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    query_ms: float
    xact_age_s: float | None
    """Age of the session's transaction, which may be much older than the query."""
    query_id: int | None
    query: str


@dataclass(frozen=True, slots=True)
class LongRunningQueries:
    threshold_ms: float
    queries: tuple[LongRunningQuery, ...] = ()


class ExplainMode(enum.Enum):
    PLAIN = "plain"
    """The statement has no parameters."""
    GENERIC = "generic"
    """EXPLAIN (GENERIC_PLAN): a plan that does not depend on the parameter values (16+)."""
    PARAMETERS = "parameters"
    """A plan for the parameter values the user supplied (bound, never interpolated)."""
    ANALYZE = "analyze"
    """Executed, measured and rolled back."""


@dataclass(frozen=True, slots=True)
class ExplainResult:
    key: StatementKey
    mode: ExplainMode
    statement: str
    """The EXPLAIN that was run (the normalized statement with its EXPLAIN options)."""
    plan: str
    parameters: tuple[str, ...] = ()


_PARAMETER = re.compile(r"\$(\d+)")
_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+")
_EXPLAINABLE = frozenset(
    {"select", "insert", "update", "delete", "merge", "values", "with", "table"}
)
_READS = frozenset({"select", "values", "table", "with"})
_WRITES = re.compile(r"\b(insert|update|delete|merge|into|nextval|setval)\b", re.IGNORECASE)


def parameter_count(text: str) -> int:
    """How many ``$n`` parameters a normalized statement takes (the highest n)."""
    return max((int(n) for n in _PARAMETER.findall(_COMMENTS.sub(" ", text))), default=0)


def first_keyword(text: str) -> str:
    match = _WORD.search(_COMMENTS.sub(" ", text))
    return match.group(0).lower() if match else ""


def explainable(text: str) -> bool:
    """Whether EXPLAIN accepts the statement (utility statements such as SET are not)."""
    return first_keyword(text) in _EXPLAINABLE


def statement_writes(text: str) -> bool:
    """Whether running the statement may change data (then EXPLAIN ANALYZE is a write).

    Conservative: anything but a plain read counts, including ``SELECT … FOR UPDATE``,
    ``SELECT … INTO`` and sequence calls. A misjudged read is still safe: reads run in a
    READ ONLY transaction, where the server refuses any write.
    """
    return first_keyword(text) not in _READS or bool(_WRITES.search(_COMMENTS.sub(" ", text)))


def is_own(text: str | None) -> bool:
    return text is not None and OWN_TAG in text


def one_line(text: str | None, width: int = 200) -> str:
    if text is None:
        return "(query text not available)"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def format_parameters(values: Sequence[str]) -> str:
    return ", ".join(f"${i}={v!r}" for i, v in enumerate(values, start=1))
