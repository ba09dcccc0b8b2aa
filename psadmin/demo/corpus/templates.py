"""Compiling the task families: format strings for their text, conditions for their lines.

A family's templates use `{{Slot}}` placeholders and `?feature|` line markers (see
`families`). Compiling turns each block into one `str.format` string plus the condition of
every line, once per family, so a script only has to fill the slots and pick the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psadmin.demo.corpus.families import FAMILIES
from psadmin.demo.corpus.vocabulary import FEATURE_ORDER, Family

# A line's condition: the features it needs and the ones it must not have; None if unmarked.
Spec = tuple[frozenset[str], frozenset[str]] | None
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_ALWAYS_APPLICABLE = ("errors", "logging")


def _to_format(text: str) -> str:
    """Turn `{{Slot}}` templates into str.format strings, escaping PowerShell's own braces."""
    parts = _SLOT.split(text)
    return "".join(
        "{" + part + "}" if i % 2 else part.replace("{", "{{").replace("}", "}}")
        for i, part in enumerate(parts)
    )


def _split_marker(line: str) -> tuple[Spec, str]:
    if not line.startswith("?"):
        return None, line
    head, _, rest = line.partition("|")
    names = head[1:].split(",")
    needed = frozenset(n for n in names if not n.startswith("!"))
    return (needed, frozenset(n[1:] for n in names if n.startswith("!"))), rest


def applies(spec: Spec, features: frozenset[str]) -> bool:
    """Whether a line (or parameter) with this condition belongs to a version with `features`."""
    return spec is None or (spec[0] <= features and spec[1].isdisjoint(features))


def _compile_lines(text: str) -> tuple[tuple[Spec, ...], str]:
    """Split marked lines into their conditions and one format string for the whole block."""
    pairs = [_split_marker(line) for line in text.removeprefix("\n").split("\n")]
    return tuple(spec for spec, _ in pairs), _to_format("\n".join(line for _, line in pairs))


@dataclass(frozen=True, slots=True)
class Compiled:
    """A family with its templates compiled, shared by every script of the family."""

    family: Family
    titles: tuple[str, ...]
    texts: str  # synopsis, description, purpose and example, joined by newlines
    param_specs: tuple[Spec, ...]
    params: str
    body_specs: tuple[Spec, ...]
    body: str
    optional: tuple[str, ...]
    # Per feature set: which body lines it keeps and whether they call ShouldProcess.
    selections: dict[frozenset[str], tuple[tuple[int, ...], bool]] = field(default_factory=dict)

    def select(self, features: frozenset[str]) -> tuple[tuple[int, ...], bool]:
        if (found := self.selections.get(features)) is None:
            kept = tuple(i for i, spec in enumerate(self.body_specs) if applies(spec, features))
            lines = self.body.split("\n")
            previews = any(
                "ShouldProcess(" in lines[i] or "$WhatIfPreference" in lines[i] for i in kept
            )
            found = self.selections[features] = (kept, previews)
        return found


def _compile(family: Family) -> Compiled:
    param_specs, params = _compile_lines(family.params)
    body_specs, body = _compile_lines(family.body)
    used = {name for spec in (*param_specs, *body_specs) if spec for name in spec[0] | spec[1]}
    optional = tuple(f for f in FEATURE_ORDER if f in used or f in _ALWAYS_APPLICABLE)
    texts = "\n".join((family.synopsis, family.description, family.purpose, family.example))
    return Compiled(
        family=family,
        titles=tuple(_to_format(t) for t in family.titles),
        texts=_to_format(texts),
        param_specs=param_specs,
        params=params,
        body_specs=body_specs,
        body=body,
        optional=optional,
    )


COMPILED: tuple[Compiled, ...] = tuple(_compile(f) for f in FAMILIES)
