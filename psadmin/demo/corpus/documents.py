"""The documents the corpus yields: a script with its history, and its analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AnalysisDoc:
    """A `script_analysis` row as the PSScript analyser would have stored it."""

    purpose: str
    security_score: float
    quality_score: float
    risk_score: float
    parameter_docs: dict[str, Any]
    suggestions: list[str]
    command_details: list[dict[str, Any]]
    ms_docs_references: list[dict[str, str]]
    security_issues: list[dict[str, Any]]
    best_practice_violations: list[dict[str, Any]]
    performance_insights: list[str]
    potential_risks: list[str]
    code_complexity_metrics: dict[str, Any]
    compatibility_notes: list[str]
    execution_summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ScriptDoc:
    """One script with its version history (oldest first) and the analysis of its content."""

    title: str
    description: str
    category: str
    content: str
    tags: tuple[str, ...]
    versions: tuple[tuple[str, str], ...]
    analysis: AnalysisDoc
