"""What the Queries screen shows: table columns, cells, the summary and the detail texts."""

from __future__ import annotations

from rich.text import Text

from psadmin.models.health import Thresholds
from psadmin.models.overview import format_bytes
from psadmin.models.session_filter import short_age
from psadmin.models.statements import (
    IntervalDeltas,
    LongRunningQueries,
    LongRunningQuery,
    RankedStatement,
    StatementSample,
    StatementSort,
    one_line,
)

STATEMENT_COLUMNS = (
    ("calls", "Calls"),
    ("total", "Time ms"),
    ("mean", "Mean ms"),
    ("share", "Share"),
    ("rows", "Rows"),
    ("read", "Shr read"),
    ("temp", "Temp blks"),
    ("wal", "WAL"),
    ("query", "Statement"),
)
LONG_COLUMNS = (
    ("pid", "PID"),
    ("query_age", "Running"),
    ("xact_age", "Xact age"),
    ("user", "User"),
    ("app", "Application"),
    ("wait", "Waiting on"),
    ("query", "Query"),
)
QUERY_WIDTH = 120


def count(value: float | None) -> str:
    """``950``, ``12.3k``, ``4.5M``: short enough for a narrow column."""
    if value is None:
        return "—"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def millis(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100_000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _mean_style(mean_ms: float, thresholds: Thresholds) -> str:
    return (
        "bold red"
        if mean_ms >= 10 * thresholds.query_warn_ms
        else ("yellow" if mean_ms >= thresholds.query_warn_ms else "")
    )


def statement_cells(
    ranked: RankedStatement, per_interval: bool, thresholds: Thresholds
) -> tuple[str | Text, ...]:
    s, delta = ranked.stats, ranked.interval
    nested = "" if s.key.toplevel else "(nested) "
    query = Text(nested + one_line(s.query, QUERY_WIDTH))
    if per_interval and delta is not None:
        mean = delta.mean_ms
        return (
            count(delta.calls),
            millis(delta.exec_ms),
            Text(millis(mean), style=_mean_style(mean, thresholds)),
            percent(delta.share),
            count(delta.rows),
            count(delta.shared_blks_read),
            count(delta.temp_blks),
            format_bytes(delta.wal_bytes),
            query,
        )
    return (
        count(s.calls),
        millis(s.total_exec_ms),
        Text(millis(s.mean_exec_ms), style=_mean_style(s.mean_exec_ms, thresholds)),
        percent(ranked.total_share),
        count(s.rows),
        count(s.shared_blks_read),
        count(s.temp_blks),
        format_bytes(s.wal_bytes),
        query,
    )


def long_cells(q: LongRunningQuery, thresholds: Thresholds) -> tuple[str | Text, ...]:
    age_style = "bold red" if q.query_ms >= 10 * thresholds.query_warn_ms else "yellow"
    xact_style = "bold red" if (q.xact_age_s or 0) >= thresholds.transaction_warn_s else ""
    wait = f"{q.wait_event_type}: {q.wait_event}" if q.wait_event_type else "—"
    return (
        str(q.pid),
        Text(running(q.query_ms), style=age_style),
        Text(short_age(q.xact_age_s), style=xact_style),
        q.user or "?",
        q.application or "",
        wait,
        one_line(q.query, QUERY_WIDTH),
    )


def running(query_ms: float) -> str:
    return f"{query_ms:.0f} ms" if query_ms < 10_000 else short_age(query_ms / 1000)


def summary_text(
    sample: StatementSample | None,
    deltas: IntervalDeltas | None,
    sort: StatementSort,
    per_interval: bool,
    shown: int,
) -> Text:
    text = Text()
    if sample is None:
        return Text("loading…", style="dim")
    availability = sample.availability
    if not availability.available:
        text.append("Statement statistics unavailable: ", style="bold red")
        text.append(f"{availability.reason}\n")
        text.append("Fix: ", style="bold")
        text.append(f"{availability.fix}", style="yellow")
    else:
        text.append(f"pg_stat_statements {availability.extension_version}", style="bold")
        if per_interval:
            span = f"{deltas.seconds:.1f} s" if deltas else "waiting for a second sample"
            text.append(f" · last interval ({span})", style="bold cyan")
        else:
            since = sample.stats_reset.strftime("%Y-%m-%d %H:%M UTC") if sample.stats_reset else ""
            text.append(" · since reset" + (f" {since}" if since else ""), style="bold cyan")
        text.append(f" · top {shown} of {len(sample.statements)} by {sort.value}")
        extras = [
            f"{sample.own} of psadmin's own left out" if sample.own else "",
            f"{sample.hidden} of other roles hidden" if sample.hidden else "",
            f"{sample.dealloc} evicted (pg_stat_statements.max)" if sample.dealloc else "",
        ]
        if any(extras):
            text.append(" · " + ", ".join(e for e in extras if e), style="dim")
    for note in availability.notes:
        text.append(f"\n⚠ {note}", style="yellow")
    return text


def long_title(long: LongRunningQueries | None) -> Text:
    if long is None:
        return Text("Long-running queries", style="bold")
    found = len(long.queries)
    text = Text(f"Long-running queries (running ≥ {long.threshold_ms:g} ms): ", style="bold")
    text.append(f"{found}" if found else "none", style="yellow" if found else "green")
    return text
