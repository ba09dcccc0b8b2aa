"""Deterministic generator of realistic PSScript content for the demo database.

Each script comes from a task family (`corpus_templates.FAMILIES`): the family fixes the
cmdlets and structure, a per-script context (organisation, site, servers, thresholds) fills
the slots, and a feature set decides which optional parts (help, error handling, -WhatIf,
CSV export, ...) appear. Earlier versions are the same script with fewer features, so the
history reads like a script that grew up. The analysis is computed from the final content.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from psadmin.demo import corpus_templates as tpl
from psadmin.demo.corpus_templates import CATEGORIES, TAGS

__all__ = ["CATEGORIES", "TAGS", "AnalysisDoc", "ScriptDoc", "generate_scripts"]


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


# --- compiling the templates ---------------------------------------------------------------

_T = TypeVar("_T")
# A line's condition: the features it needs and the ones it must not have; None if unmarked.
_Spec = tuple[frozenset[str], frozenset[str]] | None
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_QUOTED = re.compile(r"'[^']*'")
_VERSION_MARK = "\x00"  # the help's version number, filled in once the history is final
_ALWAYS_APPLICABLE = ("errors", "logging")
_VERSION_COUNTS = (1, 1, 2, 2, 3, 3, 4, 5, 6)


def _to_format(text: str) -> str:
    """Turn `{{Slot}}` templates into str.format strings, escaping PowerShell's own braces."""
    parts = _SLOT.split(text)
    return "".join(
        "{" + part + "}" if i % 2 else part.replace("{", "{{").replace("}", "}}")
        for i, part in enumerate(parts)
    )


def _split_marker(line: str) -> tuple[_Spec, str]:
    if not line.startswith("?"):
        return None, line
    head, _, rest = line.partition("|")
    names = head[1:].split(",")
    needed = frozenset(n for n in names if not n.startswith("!"))
    return (needed, frozenset(n[1:] for n in names if n.startswith("!"))), rest


def _on(spec: _Spec, features: frozenset[str]) -> bool:
    return spec is None or (spec[0] <= features and spec[1].isdisjoint(features))


def _compile_lines(text: str) -> tuple[tuple[_Spec, ...], str]:
    """Split marked lines into their conditions and one format string for the whole block."""
    pairs = [_split_marker(line) for line in text.removeprefix("\n").split("\n")]
    return tuple(spec for spec, _ in pairs), _to_format("\n".join(line for _, line in pairs))


@dataclass(frozen=True, slots=True)
class _Compiled:
    family: tpl.Family
    titles: tuple[str, ...]
    texts: str  # synopsis, description, purpose and example, joined by newlines
    param_specs: tuple[_Spec, ...]
    params: str
    body_specs: tuple[_Spec, ...]
    body: str
    optional: tuple[str, ...]
    # Per feature set: which body lines it keeps and whether they call ShouldProcess.
    selections: dict[frozenset[str], tuple[tuple[int, ...], bool]] = field(default_factory=dict)

    def select(self, features: frozenset[str]) -> tuple[tuple[int, ...], bool]:
        if (found := self.selections.get(features)) is None:
            kept = tuple(i for i, spec in enumerate(self.body_specs) if _on(spec, features))
            lines = self.body.split("\n")
            previews = any(
                "ShouldProcess(" in lines[i] or "$WhatIfPreference" in lines[i] for i in kept
            )
            found = self.selections[features] = (kept, previews)
        return found


def _compile(family: tpl.Family) -> _Compiled:
    param_specs, params = _compile_lines(family.params)
    body_specs, body = _compile_lines(family.body)
    used = {name for spec in (*param_specs, *body_specs) if spec for name in spec[0] | spec[1]}
    optional = tuple(f for f in tpl.FEATURE_ORDER if f in used or f in _ALWAYS_APPLICABLE)
    texts = "\n".join((family.synopsis, family.description, family.purpose, family.example))
    return _Compiled(
        family=family,
        titles=tuple(_to_format(t) for t in family.titles),
        texts=_to_format(texts),
        param_specs=param_specs,
        params=params,
        body_specs=body_specs,
        body=body,
        optional=optional,
    )


_COMPILED: tuple[_Compiled, ...] = tuple(_compile(f) for f in tpl.FAMILIES)


# --- one script ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Param:
    spec: _Spec
    name: str
    type: str
    mandatory: bool
    default: str
    validation: str
    description: str
    help: str  # the description wrapped for the help block


@dataclass(frozen=True, slots=True)
class _Script:
    """Everything about one script that does not depend on the version being rendered."""

    compiled: _Compiled
    purpose: str
    help_head: str  # the opening of the help block: synopsis and description
    call: str  # the example invocation used in .EXAMPLE
    author: str
    log_file: str
    params: tuple[_Param, ...]
    body: list[str]
    catch: str
    log_style: str


class _Draw:
    """Many small choices from one big random number: far cheaper than a random call each."""

    __slots__ = ("bits",)

    def __init__(self, rng: random.Random) -> None:
        self.bits = rng.getrandbits(512)

    def __call__(self, choices: Sequence[_T]) -> _T:
        self.bits, index = divmod(self.bits, len(choices))
        return choices[index]

    def number(self, top: int) -> str:
        return f"{self(range(1, top + 1)):02d}"


def _context(rng: random.Random, family: tpl.Family) -> dict[str, str]:
    draw = _Draw(rng)
    org, short = draw(tpl.ORGS)
    site, site_name = draw(tpl.SITES)
    env, env_short = draw(tpl.ENVIRONMENTS)
    dept = draw(tpl.DEPARTMENTS)
    domain = draw(tpl.AD_DOMAIN_PATTERNS).format(short)
    dn = ",".join(f"DC={part}" for part in domain.split("."))
    mail = f"{short}.com"
    role, first = draw(tpl.SERVER_ROLES), draw(range(1, 10))
    ctx = {key: draw(pool) for key, pool in tpl.POOL_SLOTS}
    ctx.update({key: f"{site}-{kind}{draw.number(top)}" for key, kind, top in tpl.SERVER_SLOTS})
    ctx.update(
        Org=org,
        OrgShort=short,
        Site=site,
        SiteName=site_name,
        Env=env,
        EnvShort=env_short,
        Dept=dept,
        Domain=domain,
        DomainDN=dn,
        NetBIOS=short.upper()[:15],
        MailDomain=mail,
        Tenant=f"{short}.onmicrosoft.com",
        ExServer=f"{site}-EX01.{domain}",
        Server1=f"{site}-{role}{first:02d}",
        Server2=f"{site}-{role}{first + 1:02d}",
        Server3=f"{site}-{role}{first + 2:02d}",
        DrServer=f"DR-FS{draw.number(3)}",
        Smtp=f"smtp.{mail}",
        AdminUpn=f"svc-exo@{mail}",
        Subscription=f"{org} {env}",
        MailTo=f"{draw(tpl.MAIL_TEAMS)}@{mail}",
        MailFrom=f"{draw(tpl.MAIL_SENDERS)}@{mail}",
        BackupShare=rf"\\{ctx['FileServer']}\Backups\{dept}",
        RG=f"rg-{draw(tpl.WORKLOADS)}-{env_short}-{draw(tpl.AZURE_REGIONS)}",
        UserOU=f"OU={dept},OU=Users,OU={site_name},{dn}",
        ComputerOU=f"OU=Workstations,OU={site_name},{dn}",
        Vault=f"{short}-kv-{env_short}",
        WebHost=f"{draw(tpl.WEB_APPS)}.{mail}",
        Webhook=f"https://{short}.webhook.office.com/webhookb2/{draw(tpl.FAKE_GUIDS)}",
    )
    ctx.update({name: draw(choices) for name, choices in family.slots.items()})
    return ctx


def _unique_title(base: str, ctx: dict[str, str], seen: set[str]) -> str:
    """Qualify a colliding title with the script's own org, site, environment and team."""
    keys = ("Org", "SiteName", "Env", "Dept", "Server1")
    qualifiers = [ctx[key] for key in keys if ctx[key] not in base]
    # "Report (Lab)" grows into "Report (Lab, Contoso)" rather than "Report (Lab) (Contoso)".
    stem, opening, closing = (base[:-1], ", ", ")") if base.endswith(")") else (base, " (", ")")
    title = base
    for k in range(1, len(qualifiers) + 1):
        if title not in seen:
            break
        title = f"{stem}{opening}{', '.join(qualifiers[:k])}{closing}"
    qualified, n = title, 1
    while title in seen:  # only reachable once every qualifier combination is taken
        n += 1
        title = f"{qualified} #{n}"
    seen.add(title)
    return title


def _wrap(text: str, width: int = 88) -> str:
    if len(text) <= width:
        return f"    {text}"
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return "\n".join(f"    {line}" for line in [*lines, current])


def _help(s: _Script, params: list[_Param], previews: bool, verbose: bool) -> str:
    fam = s.compiled.family
    parts = [s.help_head]
    parts += [f"\n.PARAMETER {p.name}\n{p.help}" for p in params]
    parts.append(f"\n.EXAMPLE\n{s.call}")
    if previews:
        parts.append(f"\n.EXAMPLE\n{s.call} -WhatIf\n\n    Shows the changes without making them.")
    elif verbose:
        parts.append(f"\n.EXAMPLE\n{s.call} -Verbose")
    requires = ", ".join([f"PowerShell {fam.ps_version}", *fam.modules])
    parts.append(f"\n.NOTES\n    Author:   {s.author}\n    Version:  1.{_VERSION_MARK}")
    parts.append(f"    Requires: {requires}\n#>")
    return "\n".join(parts)


def _render(s: _Script, features: frozenset[str]) -> str:
    """Render one version of the script with the given feature set."""
    fam = s.compiled.family
    kept, previews = s.compiled.select(features)
    body = [s.body[i] for i in kept]
    params = [p for p in s.params if _on(p.spec, features)]
    validated = "validation" in features
    out = [_help(s, params, previews, "verbose" in features)] if "help" in features else []
    if validated:
        out.append(f"#Requires -Version {fam.ps_version}")
        out += [f"#Requires -Modules {', '.join(fam.modules)}"] if fam.modules else []
        out += ["#Requires -RunAsAdministrator"] if fam.admin else []
        out.append("")
    if validated or previews:
        out.append("[CmdletBinding(SupportsShouldProcess)]" if previews else "[CmdletBinding()]")
    decls = []
    for p in params:
        attributes = "    [Parameter(Mandatory)]\n" if p.mandatory else ""
        if validated and p.validation:
            attributes += f"    [{p.validation}]\n"
        default = f" = {p.default}" if p.default else ""
        decls.append(f"{attributes}    [{p.type}]${p.name}{default}")
    separator = ",\n\n" if validated else ",\n"
    out.append(f"param(\n{separator.join(decls)}\n)\n" if decls else "param()\n")
    if not validated:  # drafts load their modules explicitly instead of declaring them
        out += [f"Import-Module {module}" for module in fam.modules]
    logging = "logging" in features
    transcript = logging and s.log_style == "transcript"
    start, finish = [], []
    if transcript:
        start = [
            f'Start-Transcript -Path "{s.log_file}-$(Get-Date -Format yyyyMMdd).log" -Append'
            " | Out-Null"
        ]
        finish = ["Stop-Transcript | Out-Null"]
    elif logging:
        out += [
            f"$script:LogFile = '{s.log_file}-{{0:yyyyMMdd}}.log' -f (Get-Date)\n",
            tpl.LOG_FUNCTION,
        ]
        start = ['Write-Log "Started by $env:USERNAME on $env:COMPUTERNAME"']
        finish = ["Write-Log 'Finished'"]
    if "errors" not in features:
        return "\n".join([*out, *start, *body, *finish]) + "\n"
    main = ["$ErrorActionPreference = 'Stop'", *start, *body, *([] if transcript else finish)]
    out.append("try {")
    out += [f"    {line}" if line else line for line in main]
    out.append("}\ncatch {")
    if logging and not transcript:
        out.append("    Write-Log $_.Exception.Message -Level ERROR")
    # ThrowTerminatingError needs $PSCmdlet, which only advanced scripts have.
    catch = s.catch if validated or previews else tpl.CATCH_BLOCKS[0]
    out.append(catch.replace("{name}", fam.name) + "\n}")
    if transcript:
        out.append("finally {\n    Stop-Transcript | Out-Null\n}")
    return "\n".join(out) + "\n"


def _history(rng: random.Random, compiled: _Compiled) -> list[tuple[frozenset[str], str]]:
    """Feature sets of every version, oldest first, with the commit message that made it."""
    chosen = {f for f in compiled.optional if rng.random() < tpl.LATEST_CHANCE[f]}
    latest = [f for f in tpl.FEATURE_ORDER if f in ("help", "validation") or f in chosen]
    wanted = rng.choice(_VERSION_COUNTS)
    drafted = [f for f in latest if rng.random() < 0.2]
    added = [f for f in latest if f not in drafted]
    rng.shuffle(added)
    steps = min(wanted - 1, len(added))
    if steps <= 0:
        return [(frozenset(latest), rng.choice(tpl.INITIAL_COMMITS))]
    cuts = [0, *sorted(rng.sample(range(1, len(added)), steps - 1)), len(added)]
    history = [(frozenset(drafted), rng.choice(tpl.INITIAL_COMMITS))]
    for lo, hi in itertools.pairwise(cuts):
        group = added[lo:hi]
        messages = [
            compiled.family.commits.get(f) or rng.choice(tpl.FEATURE_COMMITS[f]) for f in group
        ]
        message = "; ".join([messages[0], *(m[0].lower() + m[1:] for m in messages[1:])])
        history.append((history[-1][0] | set(group), message))
    return history


def _build(
    compiled: _Compiled, rng: random.Random, seen: set[str], cache: _FactsCache
) -> ScriptDoc:
    fam = compiled.family
    ctx = _context(rng, fam)
    title = _unique_title(rng.choice(compiled.titles).format_map(ctx), ctx, seen)
    synopsis, description, purpose, example = compiled.texts.format_map(ctx).split("\n")
    params, param_lines = [], compiled.params.format_map(ctx).split("\n")
    for spec, line in zip(compiled.param_specs, param_lines, strict=True):
        name, type_, flags, default, validation, text = line.split("|", 5)
        if "," in _QUOTED.sub("", default) and not default.startswith("@"):
            default = f"@({default})"  # a bare comma would end the parameter in param()
        params.append(
            _Param(spec, name, type_, "M" in flags, default, validation, text, _wrap(text))
        )
    body_lines = compiled.body.format_map(ctx).split("\n")
    script = _Script(
        compiled=compiled,
        purpose=purpose,
        help_head=f"<#\n.SYNOPSIS\n    {synopsis}\n\n.DESCRIPTION\n{_wrap(description)}",
        call=f"    PS> .\\{fam.name}.ps1 {example}".rstrip(),
        author=ctx["Author"],
        log_file=f"{ctx['LogRoot']}\\{fam.name}",
        params=tuple(params),
        body=body_lines,
        catch=rng.choice(tpl.CATCH_BLOCKS),
        log_style=rng.choice(("transcript", "function")),
    )
    history = _history(rng, compiled)
    drafts: list[tuple[str, str]] = []
    for features, message in history:
        text = _render(script, features)
        if drafts and drafts[-1][0] == text:
            # The step only added a feature whose lines need another one still missing, so
            # its message rides along with the next step that changes something.
            message = f"{drafts.pop()[1]}; {message[0].lower()}{message[1:]}"
        drafts.append((text, message))
    versions = tuple(
        (text.replace(_VERSION_MARK, str(number)), message)
        for number, (text, message) in enumerate(drafts)
    )
    content = versions[-1][0]
    lowered = content.lower()
    pool = [t for t in fam.tags[1:] if tpl.TAG_EVIDENCE.get(t, "") in lowered]
    tags = [fam.tags[0], *rng.sample(pool, rng.randint(min(1, len(pool)), min(3, len(pool))))]
    for tag, evidence in (("csv", "export-csv"), ("remoting", "invoke-command")):
        if len(tags) < 5 and tag not in tags and evidence in lowered:
            tags.append(tag)
    if len(tags) < 5 and fam.ps_version.startswith("7"):
        tags.append("powershell-7")
    return ScriptDoc(
        title=title,
        description=description,
        category=fam.category,
        content=content,
        tags=tuple(tags),
        versions=versions,
        analysis=_analyse(script, content, history[-1][0], rng, cache),
    )


# --- analysis ------------------------------------------------------------------------------

# Verb-Noun words; names that are not in the cmdlet table (servers, functions) are ignored.
_CMDLET = re.compile(r"[A-Z][A-Za-z]+-[A-Z]\w+")
_SECURITY = tuple((re.compile(rule[2]), rule) for rule in tpl.SECURITY_RULES)
_PRACTICE = tuple((re.compile(rule[2]), rule) for rule in tpl.PRACTICE_RULES)
_BRANCHES = ("if (", "foreach (", "for (", "while (", "switch (", "catch", " -and ", " -or ")
_NEEDLES = frozenset(n for rule in (*tpl.SECURITY_RULES, *tpl.PRACTICE_RULES) for n in rule[1])
_ARRAY_APPEND = re.compile(r"\$\w+\s*\+=\s*(?:@\(|')")
_ISSUE_RISK = {"critical": 30.0, "high": 18.0, "medium": 10.0, "low": 4.0}
_QUALITY_GAINS = {"errors": 10, "verbose": 6, "whatif": 6, "export": 3, "modern": 5, "logging": 4}
_CROSS_PLATFORM = ("Az.", "AWS.", "Microsoft.Graph", "ExchangeOnline", "Pester", "PowerShellGet")


def _docs_url(name: str, module: str) -> str:
    if module == "Pester":
        return tpl.PESTER_DOCS.format(name=name)
    if module.startswith("AWS."):
        return tpl.AWS_DOCS.format(name=name)
    slug = tpl.DOCS_SLUGS.get(module, module.lower())
    return tpl.LEARN_DOCS.format(slug=slug, lower=name.lower())


_DOCS = {
    name: {"title": f"{name} ({module})", "url": _docs_url(name, module)}
    for name, (module, _) in tpl.CMDLETS.items()
}
_COMMANDS = {
    name: {
        "name": name,
        "module": module,
        "description": text,
        "modifies_state": name in tpl.MODIFYING_CMDLETS,
    }
    for name, (module, text) in tpl.CMDLETS.items()
}


def _clamp(value: float, low: float, high: float = 100.0) -> float:
    return round(min(max(value, low), high), 1)


_Rule = tuple[Any, ...]
_FactsCache = dict[tuple[str, frozenset[str], str, str], "_Facts"]


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


def _code_facts(fam: tpl.Family, code_part: list[str]) -> _Facts:
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
        if name in tpl.CMDLETS:
            counts[name] = counts.get(name, 0) + 1
    insights = [advice for needle, advice in tpl.PERFORMANCE_RULES if needle in code]
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
        notes=tuple(note for needle, note in tpl.COMPATIBILITY_RULES if needle in code),
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


def _analyse(
    s: _Script, content: str, features: frozenset[str], rng: random.Random, cache: _FactsCache
) -> AnalysisDoc:
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
    modifying = [name for name in counts if name in tpl.MODIFYING_CMDLETS]
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
    params = [p for p in s.params if _on(p.spec, features)]

    penalty = sum(tpl.SEVERITY_PENALTY[rule[3]] for rule, _ in facts.issues)
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
        tpl.MISSING_FEATURE_ADVICE[f]
        for f in compiled.optional
        if f not in features and f in tpl.MISSING_FEATURE_ADVICE
    ]
    suggestions += [rule[5] for rule, _ in facts.issues]
    suggestions.append(rng.choice(tpl.GENERIC_ADVICE))
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


def generate_scripts(count: int, seed: int = 0) -> Iterator[ScriptDoc]:
    """Yield `count` scripts; the same (count, seed) always yields the same scripts.

    Families are dealt from a reshuffled deck, so every family appears once per round and
    a prefix of a longer run equals a shorter run with the same seed.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    seen: set[str] = set()
    cache: _FactsCache = {}
    deck: list[_Compiled] = []
    for _ in range(count):
        if not deck:
            deck = list(_COMPILED)
            rng.shuffle(deck)
        yield _build(deck.pop(), rng, seen, cache)
