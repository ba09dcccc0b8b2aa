"""Rendering one version of a script: help, requirements, param block, body and wrappers.

A `Script` holds everything about a script that is the same in every version; `render`
writes the version with a given feature set, so earlier versions are the same script with
fewer features.
"""

from __future__ import annotations

from dataclasses import dataclass

from psadmin.demo.corpus.history import CATCH_BLOCKS, LOG_FUNCTION
from psadmin.demo.corpus.templates import Compiled, Spec, applies

VERSION_MARK = "\x00"  # the help's version number, filled in once the history is final


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a script, with its slots filled."""

    spec: Spec
    name: str
    type: str
    mandatory: bool
    default: str
    validation: str
    description: str
    help: str  # the description wrapped for the help block


@dataclass(frozen=True, slots=True)
class Script:
    """Everything about one script that does not depend on the version being rendered."""

    compiled: Compiled
    purpose: str
    help_head: str  # the opening of the help block: synopsis and description
    call: str  # the example invocation used in .EXAMPLE
    author: str
    log_file: str
    params: tuple[Param, ...]
    body: list[str]
    catch: str
    log_style: str


def wrap(text: str, width: int = 88) -> str:
    """Indent `text` for the help block, wrapped at `width` characters."""
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


def _help(s: Script, params: list[Param], previews: bool, verbose: bool) -> str:
    fam = s.compiled.family
    parts = [s.help_head]
    parts += [f"\n.PARAMETER {p.name}\n{p.help}" for p in params]
    parts.append(f"\n.EXAMPLE\n{s.call}")
    if previews:
        parts.append(f"\n.EXAMPLE\n{s.call} -WhatIf\n\n    Shows the changes without making them.")
    elif verbose:
        parts.append(f"\n.EXAMPLE\n{s.call} -Verbose")
    requires = ", ".join([f"PowerShell {fam.ps_version}", *fam.modules])
    parts.append(f"\n.NOTES\n    Author:   {s.author}\n    Version:  1.{VERSION_MARK}")
    parts.append(f"    Requires: {requires}\n#>")
    return "\n".join(parts)


def render(s: Script, features: frozenset[str]) -> str:
    """Render one version of the script with the given feature set."""
    fam = s.compiled.family
    kept, previews = s.compiled.select(features)
    body = [s.body[i] for i in kept]
    params = [p for p in s.params if applies(p.spec, features)]
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
            LOG_FUNCTION,
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
    catch = s.catch if validated or previews else CATCH_BLOCKS[0]
    out.append(catch.replace("{name}", fam.name) + "\n}")
    if transcript:
        out.append("finally {\n    Stop-Transcript | Out-Null\n}")
    return "\n".join(out) + "\n"
