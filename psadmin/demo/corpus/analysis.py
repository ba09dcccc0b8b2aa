"""The analysis of a script's final content, as the PSScript analyser would have stored it.

Scores, findings and metrics are read from the rendered code with the rules in `rules`
and the cmdlet reference in `cmdlets`; a little noise from the script's random stream
keeps the scores from looking computed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from psadmin.demo.corpus.cmdlets import (
    AWS_DOCS,
    CMDLETS,
    DOCS_SLUGS,
    LEARN_DOCS,
    MODIFYING_CMDLETS,
    PESTER_DOCS,
)
from psadmin.demo.corpus.documents import AnalysisDoc
from psadmin.demo.corpus.render import Script
from psadmin.demo.corpus.rules import (
    COMPATIBILITY_RULES,
    GENERIC_ADVICE,
    MISSING_FEATURE_ADVICE,
    PERFORMANCE_RULES,
    PRACTICE_RULES,
    SECURITY_RULES,
    SEVERITY_PENALTY,
)
from psadmin.demo.corpus.templates import applies
from psadmin.demo.corpus.vocabulary import Family

# Verb-Noun words; names that are not in the cmdlet table (servers, functions) are ignored.
_CMDLET = re.compile(r"[A-Z][A-Za-z]+-[A-Z]\w+")
_SECURITY = tuple((re.compile(rule[2]), rule) for rule in SECURITY_RULES)
_PRACTICE = tuple((re.compile(rule[2]), rule) for rule in PRACTICE_RULES)
_BRANCHES = ("if (", "foreach (", "for (", "while (", "switch (", "catch", " -and ", " -or ")
_NEEDLES = frozenset(n for rule in (*SECURITY_RULES, *PRACTICE_RULES) for n in rule[1])
_ARRAY_APPEND = re.compile(r"\$\w+\s*\+=\s*(?:@\(|')")
_ISSUE_RISK = {"critical": 30.0, "high": 18.0, "medium": 10.0, "low": 4.0}
_QUALITY_GAINS = {"errors": 10, "verbose": 6, "whatif": 6, "export": 3, "modern": 5, "logging": 4}
_CROSS_PLATFORM = ("Az.", "AWS.", "Microsoft.Graph", "ExchangeOnline", "Pester", "PowerShellGet")


def _docs_url(name: str, module: str) -> str:
    if module == "Pester":
        return PESTER_DOCS.format(name=name)
    if module.startswith("AWS."):
        return AWS_DOCS.format(name=name)
    slug = DOCS_SLUGS.get(module, module.lower())
    return LEARN_DOCS.format(slug=slug, lower=name.lower())


_DOCS = {
    name: {"title": f"{name} ({module})", "url": _docs_url(name, module)}
    for name, (module, _) in CMDLETS.items()
}
_COMMANDS = {
    name: {
        "name": name,
        "module": module,
        "description": text,
        "modifies_state": name in MODIFYING_CMDLETS,
    }
    for name, (module, text) in CMDLETS.items()
}


def _clamp(value: float, low: float, high: float = 100.0) -> float:
    return round(min(max(value, low), high), 1)


_Rule = tuple[Any, ...]
FactsCache = dict[tuple[str, frozenset[str], str, str], "_Facts"]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the analysis reads from the code after the help block.

    Those lines depend only on the family, the features, the catch block and the logging
    style: slot values change words inside lines but never add lines, cmdlets or rule
    matches (the tests recount both on generated content). So the facts are found once per
    such key and reused, with rows counted from the end of the help block.
    """

    counts: dict[str, int]
    issues: tuple[tuple[_Rule, int], ...]  # (rule, row)
    violations: tuple[tuple[_Rule, int, int], ...]  # (rule, first row, occurrences)
    previews: bool
    remote: bool
    insights: tuple[str, ...]
    notes: tuple[str, ...]
    metrics: dict[str, int]
    network: bool
    portable: bool


def _code_facts(fam: Family, code_part: list[str]) -> _Facts:
    code = "\n".join(code_part)
    lowered = code.lower()
    # Substring tests are far cheaper than the regexes, which only run on lines with a needle.
    present = {needle for needle in _NEEDLES if needle in lowered}

    def rows(pattern: re.Pattern[str], needles: tuple[str, ...]) -> list[int]:
        found: set[int] = set()
        for needle in present.intersection(needles):
            at = lowered.find(needle)
            while at >= 0:
                found.add(lowered.count("\n", 0, at))
                at = lowered.find(needle, at + 1)
        return [row for row in sorted(found) if pattern.search(code_part[row])]

    counts: dict[str, int] = {}
    for name in _CMDLET.findall(code):
        if name in CMDLETS:
            counts[name] = counts.get(name, 0) + 1
    insights = [advice for needle, advice in PERFORMANCE_RULES if needle in code]
    if "+=" in code and _ARRAY_APPEND.search(code):
        insights.append(
            "Appending to an array with += copies it every time; collect the loop output or "
            "use a List[object]."
        )
    comments = code.count("\n#") + code.count("\n    #") + code.startswith("#")
    depth = 0
    while "\n" + "    " * (depth + 1) in code:
        depth += 1
    portable = bool(fam.modules) and all(m.startswith(_CROSS_PLATFORM) for m in fam.modules)
    remote = "Invoke-Command" in code or "-ComputerName" in code
    violations = []
    for pattern, rule in _PRACTICE:
        if not present.isdisjoint(rule[1]) and (found := rows(pattern, rule[1])):
            violations.append((rule, found[0], len(found)))
    return _Facts(
        counts=counts,
        issues=tuple(
            (rule, row)
            for pattern, rule in _SECURITY
            if not present.isdisjoint(rule[1])
            for row in rows(pattern, rule[1])
        ),
        violations=tuple(violations),
        previews="SupportsShouldProcess" in code,
        remote=remote,
        insights=tuple(insights),
        notes=tuple(note for needle, note in COMPATIBILITY_RULES if needle in code),
        metrics={
            "code_lines": len(code_part) - code.count("\n\n") - comments,
            "comments": comments,
            "functions": sum(s.startswith("function ") for s in code_part),
            "cyclomatic_complexity": 1 + sum(code.count(branch) for branch in _BRANCHES),
            "max_nesting_depth": depth,
            "pipelines": code.count("| ") + code.count("|\n"),
        },
        network=remote or portable or "http" in lowered,
        portable=portable and "HKLM:" not in code,
    )


def analyse(
    s: Script, content: str, features: frozenset[str], rng: random.Random, cache: FactsCache
) -> AnalysisDoc:
    """Analyse `content`, the latest version of `s`, rendered with `features`."""
    compiled, fam = s.compiled, s.compiled.family
    lines = content.split("\n")
    first = lines.index("#>") + 1 if "#>" in lines else 0
    key = (
        fam.key,
        features,
        s.catch if "errors" in features else "",
        s.log_style if "logging" in features else "",
    )
    facts = cache.get(key)
    if facts is None:
        facts = cache[key] = _code_facts(fam, lines[first:])
    counts = facts.counts
    modifying = [name for name in counts if name in MODIFYING_CMDLETS]
    issues = [
        {
            "id": rule[0],
            "severity": rule[3],
            "title": rule[4],
            "line": first + 1 + row,
            "evidence": lines[first + row].strip(),
            "recommendation": rule[5],
        }
        for rule, row in facts.issues
    ]
    violations = [
        {
            "rule": rule[0],
            "severity": rule[3],
            "line": first + 1 + row,
            "occurrences": n,
            "message": rule[4],
        }
        for rule, row, n in facts.violations
    ]
    if modifying and not facts.previews:
        violations.append(
            {
                "rule": "PSUseShouldProcessForStateChangingFunctions",
                "severity": "Warning",
                "line": first + 1,
                "occurrences": 1,
                "message": f"Changes state with {modifying[0]} without -WhatIf.",
            }
        )
    params = [p for p in s.params if applies(p.spec, features)]

    penalty = sum(SEVERITY_PENALTY[rule[3]] for rule, _ in facts.issues)
    security = _clamp(96.0 + rng.uniform(-4.0, 3.0) - penalty, 5.0)
    earned = sum(
        gain
        for feature, gain in _QUALITY_GAINS.items()
        if feature in features or feature not in compiled.optional
    )
    quality = _clamp(
        66.0 + earned - 4 * len(violations) - 3 * len(issues) + rng.uniform(-3.0, 2.0), 10.0
    )
    risk = _clamp(
        8.0
        + 6 * min(len(modifying), 5)
        + 10 * facts.remote
        + 5 * fam.admin
        + sum(_ISSUE_RISK[rule[3]] for rule, _ in facts.issues)
        - 10 * (facts.previews and bool(modifying))
        + rng.uniform(-3.0, 3.0),
        0.0,
    )

    suggestions = [
        MISSING_FEATURE_ADVICE[f]
        for f in compiled.optional
        if f not in features and f in MISSING_FEATURE_ADVICE
    ]
    suggestions += [rule[5] for rule, _ in facts.issues]
    suggestions.append(rng.choice(GENERIC_ADVICE))
    insights = [*fam.insights, *facts.insights]
    if not insights:
        where = "the remote calls" if facts.remote else "local I/O"
        insights.append(f"No obvious hot spots; runtime is dominated by {where}.")
    risks = list(fam.risks)
    if modifying:
        risks.append(f"Changes system state ({', '.join(modifying[:3])}).")
        if not facts.previews:
            risks.append("No -WhatIf support; try it against a lab before production.")
    if "Invoke-Command" in counts:
        risks.append("Needs WinRM and administrative rights on every target computer.")
    if any(rule[3] in ("critical", "high") for rule, _ in facts.issues):
        risks.append("Contains high-severity security issues; do not run it unreviewed.")
    notes = list(facts.notes)
    if fam.ps_version.startswith("7"):
        notes.append(f"Requires PowerShell {fam.ps_version} or later.")
    elif not notes:
        notes.append("Runs on Windows PowerShell 5.1 and PowerShell 7.x.")
    metrics = facts.metrics
    return AnalysisDoc(
        purpose=s.purpose,
        security_score=security,
        quality_score=quality,
        risk_score=risk,
        parameter_docs={
            p.name: {
                "type": p.type,
                "description": p.description,
                "mandatory": p.mandatory,
                "default": p.default or None,
                "validation": p.validation or None,
            }
            for p in params
        },
        suggestions=list(dict.fromkeys(suggestions)),
        command_details=[{**_COMMANDS[name], "occurrences": n} for name, n in counts.items()],
        ms_docs_references=[{**_DOCS[name]} for name in counts],
        security_issues=issues,
        best_practice_violations=violations,
        performance_insights=insights,
        potential_risks=risks or ["Read-only; low operational risk."],
        code_complexity_metrics={
            "lines": len(lines) - 1,
            "code_lines": metrics["code_lines"],
            "comment_lines": first + metrics["comments"],
            "functions": metrics["functions"],
            "parameters": len(params),
            "cyclomatic_complexity": metrics["cyclomatic_complexity"],
            "max_nesting_depth": metrics["max_nesting_depth"],
            "pipelines": metrics["pipelines"],
            "distinct_cmdlets": len(counts),
        },
        compatibility_notes=notes,
        execution_summary={
            "requires_admin": fam.admin or (bool(modifying) and facts.remote),
            "remote_execution": facts.remote,
            "modifies_system": bool(modifying),
            "supports_whatif": facts.previews,
            "network_access": facts.network,
            "modules": list(fam.modules),
            "minimum_powershell": fam.ps_version,
            "target_platform": "Cross-platform" if facts.portable else "Windows",
            "estimated_runtime_seconds": round(
                (2 + 3 * len(counts)) * (4 if facts.remote else 1) * rng.uniform(0.6, 1.6)
            ),
            "risk_level": "high" if risk >= 60 else "medium" if risk >= 30 else "low",
        },
    )
