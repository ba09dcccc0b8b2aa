"""Deterministic generator of realistic PSScript content for the demo database.

Each script comes from a task family (`families.FAMILIES`): the family fixes the cmdlets
and structure, a per-script context (organisation, site, servers, thresholds) fills the
slots, and a feature set decides which optional parts (help, error handling, -WhatIf, CSV
export, ...) appear. Earlier versions are the same script with fewer features, so the
history reads like a script that grew up. The analysis is computed from the final content.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from typing import TypeVar

from psadmin.demo.corpus.analysis import FactsCache, analyse
from psadmin.demo.corpus.documents import ScriptDoc
from psadmin.demo.corpus.history import (
    CATCH_BLOCKS,
    FEATURE_COMMITS,
    INITIAL_COMMITS,
    LATEST_CHANCE,
)
from psadmin.demo.corpus.render import VERSION_MARK, Param, Script, render, wrap
from psadmin.demo.corpus.templates import COMPILED, Compiled
from psadmin.demo.corpus.vocabulary import (
    AD_DOMAIN_PATTERNS,
    AZURE_REGIONS,
    DEPARTMENTS,
    ENVIRONMENTS,
    FAKE_GUIDS,
    FEATURE_ORDER,
    MAIL_SENDERS,
    MAIL_TEAMS,
    ORGS,
    POOL_SLOTS,
    SERVER_ROLES,
    SERVER_SLOTS,
    SITES,
    TAG_EVIDENCE,
    WEB_APPS,
    WORKLOADS,
    Family,
)

_T = TypeVar("_T")
_QUOTED = re.compile(r"'[^']*'")
_VERSION_COUNTS = (1, 1, 2, 2, 3, 3, 4, 5, 6)


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


def _context(rng: random.Random, family: Family) -> dict[str, str]:
    draw = _Draw(rng)
    org, short = draw(ORGS)
    site, site_name = draw(SITES)
    env, env_short = draw(ENVIRONMENTS)
    dept = draw(DEPARTMENTS)
    domain = draw(AD_DOMAIN_PATTERNS).format(short)
    dn = ",".join(f"DC={part}" for part in domain.split("."))
    mail = f"{short}.com"
    role, first = draw(SERVER_ROLES), draw(range(1, 10))
    ctx = {key: draw(pool) for key, pool in POOL_SLOTS}
    ctx.update({key: f"{site}-{kind}{draw.number(top)}" for key, kind, top in SERVER_SLOTS})
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
        MailTo=f"{draw(MAIL_TEAMS)}@{mail}",
        MailFrom=f"{draw(MAIL_SENDERS)}@{mail}",
        BackupShare=rf"\\{ctx['FileServer']}\Backups\{dept}",
        RG=f"rg-{draw(WORKLOADS)}-{env_short}-{draw(AZURE_REGIONS)}",
        UserOU=f"OU={dept},OU=Users,OU={site_name},{dn}",
        ComputerOU=f"OU=Workstations,OU={site_name},{dn}",
        Vault=f"{short}-kv-{env_short}",
        WebHost=f"{draw(WEB_APPS)}.{mail}",
        Webhook=f"https://{short}.webhook.office.com/webhookb2/{draw(FAKE_GUIDS)}",
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


def _history(rng: random.Random, compiled: Compiled) -> list[tuple[frozenset[str], str]]:
    """Feature sets of every version, oldest first, with the commit message that made it."""
    chosen = {f for f in compiled.optional if rng.random() < LATEST_CHANCE[f]}
    latest = [f for f in FEATURE_ORDER if f in ("help", "validation") or f in chosen]
    wanted = rng.choice(_VERSION_COUNTS)
    drafted = [f for f in latest if rng.random() < 0.2]
    added = [f for f in latest if f not in drafted]
    rng.shuffle(added)
    steps = min(wanted - 1, len(added))
    if steps <= 0:
        return [(frozenset(latest), rng.choice(INITIAL_COMMITS))]
    cuts = [0, *sorted(rng.sample(range(1, len(added)), steps - 1)), len(added)]
    history = [(frozenset(drafted), rng.choice(INITIAL_COMMITS))]
    for lo, hi in itertools.pairwise(cuts):
        group = added[lo:hi]
        messages = [compiled.family.commits.get(f) or rng.choice(FEATURE_COMMITS[f]) for f in group]
        message = "; ".join([messages[0], *(m[0].lower() + m[1:] for m in messages[1:])])
        history.append((history[-1][0] | set(group), message))
    return history


def _build(compiled: Compiled, rng: random.Random, seen: set[str], cache: FactsCache) -> ScriptDoc:
    fam = compiled.family
    ctx = _context(rng, fam)
    title = _unique_title(rng.choice(compiled.titles).format_map(ctx), ctx, seen)
    synopsis, description, purpose, example = compiled.texts.format_map(ctx).split("\n")
    params, param_lines = [], compiled.params.format_map(ctx).split("\n")
    for spec, line in zip(compiled.param_specs, param_lines, strict=True):
        name, type_, flags, default, validation, text = line.split("|", 5)
        if "," in _QUOTED.sub("", default) and not default.startswith("@"):
            default = f"@({default})"  # a bare comma would end the parameter in param()
        params.append(Param(spec, name, type_, "M" in flags, default, validation, text, wrap(text)))
    body_lines = compiled.body.format_map(ctx).split("\n")
    script = Script(
        compiled=compiled,
        purpose=purpose,
        help_head=f"<#\n.SYNOPSIS\n    {synopsis}\n\n.DESCRIPTION\n{wrap(description)}",
        call=f"    PS> .\\{fam.name}.ps1 {example}".rstrip(),
        author=ctx["Author"],
        log_file=f"{ctx['LogRoot']}\\{fam.name}",
        params=tuple(params),
        body=body_lines,
        catch=rng.choice(CATCH_BLOCKS),
        log_style=rng.choice(("transcript", "function")),
    )
    history = _history(rng, compiled)
    drafts: list[tuple[str, str]] = []
    for features, message in history:
        text = render(script, features)
        if drafts and drafts[-1][0] == text:
            # The step only added a feature whose lines need another one still missing, so
            # its message rides along with the next step that changes something.
            message = f"{drafts.pop()[1]}; {message[0].lower()}{message[1:]}"
        drafts.append((text, message))
    versions = tuple(
        (text.replace(VERSION_MARK, str(number)), message)
        for number, (text, message) in enumerate(drafts)
    )
    content = versions[-1][0]
    lowered = content.lower()
    pool = [t for t in fam.tags[1:] if TAG_EVIDENCE.get(t, "") in lowered]
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
        analysis=analyse(script, content, history[-1][0], rng, cache),
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
    cache: FactsCache = {}
    deck: list[Compiled] = []
    for _ in range(count):
        if not deck:
            deck = list(COMPILED)
            rng.shuffle(deck)
        yield _build(deck.pop(), rng, seen, cache)
