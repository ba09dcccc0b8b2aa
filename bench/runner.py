"""The rows of ``python -m bench``: a summary, its peer or target, the verdict; table and JSON.

Pure: nothing here starts a server or reads a clock, so the verdict logic is unit-tested.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.stats import Summary, summarize


@dataclass(frozen=True)
class Target:
    """A bound on the ratio to the peer (``on_ratio``) or on the median itself."""

    bound: float
    on_ratio: bool = True
    higher_is_better: bool = False

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value >= self.bound if self.higher_is_better else value <= self.bound

    def describe(self, unit: str, peer: str | None) -> str:
        sign = ">=" if self.higher_is_better else "<="
        if self.on_ratio:
            return f"{sign} {self.bound:g}x" + (f" {peer}" if peer else "")
        return f"{sign} {self.bound:g} {unit}".rstrip()


@dataclass(frozen=True)
class Row:
    """One measured figure. ``error`` set means the measurement failed: no figures."""

    name: str
    unit: str
    summary: Summary | None = None
    peer: str | None = None
    """What the ratio compares against (pg_activity, exact search, OFFSET...)."""
    peer_summary: Summary | None = None
    target: Target | None = None
    note: str = ""
    error: str | None = None
    values: tuple[float, ...] = field(default=())

    @property
    def ratio(self) -> float | None:
        """Median over the peer's median; without a peer, median over an absolute bound."""
        if self.summary is None:
            return None
        if self.peer_summary is not None:
            theirs = self.peer_summary.median
            if theirs == 0:
                return math.inf if self.summary.median else 1.0
            return self.summary.median / theirs
        if self.target is not None and not self.target.on_ratio and self.target.bound:
            return self.summary.median / self.target.bound
        return None

    @property
    def met(self) -> bool | None:
        """None when there is nothing to judge (no target, or the measurement failed)."""
        if self.target is None or self.summary is None:
            return None
        if self.target.on_ratio:
            ratio = self.ratio
            return None if ratio is None else self.target.met(ratio)
        return self.target.met(self.summary.median)


def measured(
    name: str,
    unit: str,
    values: Sequence[float],
    *,
    peer: str | None = None,
    peer_values: Sequence[float] | None = None,
    target: Target | None = None,
    note: str = "",
) -> Row:
    """A row from raw repeated values (and the peer's, measured in the same run)."""
    return Row(
        name=name,
        unit=unit,
        summary=summarize(values) if values else None,
        peer=peer,
        peer_summary=summarize(peer_values) if peer_values else None,
        target=target,
        note=note,
        error=None if values else "no values were measured",
        values=tuple(values),
    )


def failed(name: str, exc: BaseException) -> Row:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return Row(name=name, unit="", error=f"{type(exc).__name__}: {exc}{where}")


Measurement = Callable[[], list[Row]]


def run_isolated(name: str, measurement: Measurement) -> list[Row]:
    """Run one measurement; its failure becomes its own row instead of stopping the others."""
    try:
        rows = measurement()
    except Exception as exc:  # any failure is reported in the table, then the next one runs
        return [failed(name, exc)]
    return rows or [Row(name=name, unit="", error="the measurement returned no rows")]


def _figure(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    magnitude = abs(value)
    text = (
        f"{value:,.0f}"
        if magnitude >= 1000
        else f"{value:.3g}"
        if magnitude < 1
        else f"{value:.1f}"
    )
    return f"{text} {unit}".rstrip()


def _ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    if math.isinf(ratio):
        return "inf"
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def verdict(row: Row) -> str:
    if row.error is not None:
        return "FAILED"
    return {True: "met", False: "MISSED", None: "-"}[row.met]


HEADER = (
    "measurement",
    "median",
    "p95",
    "spread",
    "n",
    "peer median",
    "ratio",
    "target",
    "verdict",
)


def table_lines(rows: Iterable[Row]) -> list[str]:
    """One fixed-width table: every figure with its unit, the ratio, the target, the verdict."""
    cells = [HEADER]
    notes: list[str] = []
    for row in rows:
        s, p = row.summary, row.peer_summary
        target = row.target.describe(row.unit, row.peer) if row.target else "-"
        ratio = row.ratio
        cells.append(
            (
                row.name,
                _figure(s.median if s else None, row.unit),
                _figure(s.p95 if s else None, row.unit),
                f"{s.spread:.0%}" if s else "-",
                str(s.runs) if s else "-",
                f"{_figure(p.median, row.unit)} ({row.peer})" if p else "-",
                _ratio_text(ratio),
                target,
                verdict(row),
            )
        )
        if row.error:
            notes.append(f"  {row.name}: {row.error}")
        elif row.note:
            notes.append(f"  {row.name}: {row.note}")
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = [
        "  ".join(
            cell.ljust(w) if i in (0, 5, 7) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return lines + (["", "notes:", *notes] if notes else [])


def _summary_json(summary: Summary | None) -> dict[str, float] | None:
    if summary is None:
        return None
    return {
        "median": summary.median,
        "p95": summary.p95,
        "spread": summary.spread,
        "runs": summary.runs,
    }


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: an unbounded ratio is written as null (the verdict still says)."""
    return None if value is None or math.isinf(value) or math.isnan(value) else value


def row_json(row: Row) -> dict[str, Any]:
    target = row.target
    return {
        "name": row.name,
        "unit": row.unit,
        **(_summary_json(row.summary) or {}),
        "values": list(row.values),
        "peer": row.peer,
        "peer_summary": _summary_json(row.peer_summary),
        "ratio": _finite(row.ratio),
        "target": None
        if target is None
        else {
            "bound": target.bound,
            "on": "ratio" if target.on_ratio else "value",
            "direction": ">=" if target.higher_is_better else "<=",
            "text": target.describe(row.unit, row.peer),
        },
        "met": row.met,
        "status": "failed" if row.error else "ok",
        "error": row.error,
        "note": row.note,
    }


def results_json(rows: Iterable[Row], context: dict[str, Any]) -> dict[str, Any]:
    """The whole run: how it was run (sizes, load, versions) and one entry per row."""
    return {**context, "rows": [row_json(row) for row in rows]}
