"""Summaries of repeated measurements: median, p95, spread."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    runs: int
    median: float
    p95: float
    spread: float
    """(max - min) / median: how noisy the machine was during the runs."""

    def row(self, label: str, unit: str = "s") -> str:
        return (
            f"{label:<34} median {self.median:8.2f} {unit}  p95 {self.p95:8.2f} {unit}"
            f"  spread {self.spread:5.1%}  (n={self.runs})"
        )


def summarize(values: Sequence[float]) -> Summary:
    ordered = sorted(values)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    spread = (ordered[-1] - ordered[0]) / median if median else 0.0
    return Summary(len(ordered), median, p95, spread)
