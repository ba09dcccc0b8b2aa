"""The PSScript cache key families and what a keyspace scan found in each of them.

A key belongs to the first family whose Redis glob pattern matches it; keys of no documented
family are grouped by the part of the name before the first ``:``. Invalidating a family
removes the keys that match its pattern and none of the patterns listed in ``exclude`` (the
families before it), so a family is exactly what the table counted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

UNLINK_BATCH = 500
"""Keys per UNLINK when a family is invalidated."""
MAX_OTHER_GROUPS = 50
"""Prefix groups shown for undocumented keys; the rest are counted together."""

TTL_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1m", 60),
    ("1-5m", 300),
    ("5-10m", 600),
    ("10-30m", 1800),
    ("30-60m", 3600),
    ("1-6h", 21600),
    (">6h", math.inf),
)
"""Remaining-TTL histogram buckets: label and upper bound in seconds (inclusive)."""

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_GLOB_SPECIAL = re.compile(r"([\\*?\[\]])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class KeyFamily:
    name: str
    """What the table shows: the documented template (``script:{id}``) or ``prefix:*``."""
    pattern: str | None
    """Redis glob for SCAN MATCH; None when the group cannot be addressed as one family."""
    expected_ttl_s: int | None = None
    """The documented TTL; None when keys are meant to live until invalidated."""
    documented: bool = False
    exclude: tuple[str, ...] = ()
    """Patterns of earlier families: keys matching them belong there, not here."""
    segments: int | None = None
    """``:``-separated parts a well-formed key has; None when the template does not fix it."""
    note: str = ""


def escape_glob(text: str) -> str:
    """``text`` as a Redis glob that matches only itself."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def template_pattern(template: str) -> str:
    """``script:{id}`` -> ``script:*``; a literal ``*`` in the template stays a wildcard."""
    parts = _PLACEHOLDER.split(template)
    return "*".join("*".join(escape_glob(p) for p in part.split("*")) for part in parts)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex that matches exactly what Redis' glob ``pattern`` matches."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            j, negate, members = i + 1, False, []
            if j < n and pattern[j] == "^":
                negate, j = True, j + 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\" and j + 1 < n:
                    j += 1
                    members.append(re.escape(pattern[j]))
                elif j + 2 < n and pattern[j + 1] == "-" and pattern[j + 2] != "]":
                    low, high = sorted((pattern[j], pattern[j + 2]))
                    members.append(f"{re.escape(low)}-{re.escape(high)}")
                    j += 2
                else:
                    members.append(re.escape(pattern[j]))
                j += 1
            body = "".join(members)
            out.append(f"[{'^' if negate else ''}{body}]" if body else ("." if negate else "(?!)"))
            i = j  # an unclosed class runs to the end of the pattern, as in Redis
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def printable_key(name: str) -> str:
    """A key name safe to show: undecodable bytes as ``\\xNN``, control characters escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def invalidation_params(key: str) -> dict[str, str]:
    """JSON-safe action params naming one key exactly (hex too when it is not UTF-8)."""
    raw = key.encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"key": printable_key(key), "key_hex": raw.hex()}
    return {"key": key}


def psscript_families(
    lockout_templates: tuple[str, ...] = ("auth:attempts:{username}",),
    lockout_minutes: int = 30,
) -> tuple[KeyFamily, ...]:
    """The seed's documented families plus the account-lockout counters of the profile."""
    documented: list[tuple[str, int | None, str]] = [
        ("script:{id}", 600, "single script"),
        ("scripts:{page}:{limit}:{filters}", 300, "list pages; seed MED-007: keys can collide"),
        ("categories:all", None, "category list, kept until invalidated"),
        ("analysis:{scriptId}", 600, "analysis results"),
        ("analytics:*", 3600, "analytics"),
    ]
    documented += [(t, lockout_minutes * 60, "failed-login counter") for t in lockout_templates]
    families: list[KeyFamily] = []
    for template, ttl, note in documented:
        pattern = template_pattern(template)
        if any(f.pattern == pattern for f in families):
            continue
        families.append(
            KeyFamily(
                name=template,
                pattern=pattern,
                expected_ttl_s=ttl,
                documented=True,
                exclude=tuple(f.pattern for f in families if f.pattern),
                segments=template.count(":") + 1 if _PLACEHOLDER.search(template) else None,
                note=note,
            )
        )
    return tuple(families)


def prefix_family(prefix: str | None, documented: tuple[KeyFamily, ...]) -> KeyFamily:
    """The group of undocumented keys before the first ``:`` (None: names without one)."""
    taken = tuple(f.pattern for f in documented if f.pattern)
    if prefix is None:
        return KeyFamily("(no ':' in name)", "*", exclude=("*:*", *taken))
    shown = printable_key(prefix)
    if shown != prefix:  # not UTF-8 or control characters: address such keys one by one
        return KeyFamily(f"{shown}:*", None, note="name not printable: not addressable")
    return KeyFamily(f"{prefix}:*", f"{escape_glob(prefix)}:*", exclude=taken)


OVERFLOW_FAMILY = KeyFamily(
    "(other prefixes)", None, note=f"more than {MAX_OTHER_GROUPS} prefixes; not addressable"
)


@dataclass(frozen=True, slots=True)
class TtlStats:
    min_s: float | None
    max_s: float | None
    without_ttl: int
    """Keys that never expire."""
    over_expected: int = 0
    """Keys whose remaining TTL exceeds the documented one."""
    unknown: int = 0
    """Keys whose TTL could not be read (ACL key patterns, or vanished)."""
    histogram: tuple[int, ...] = (0,) * len(TTL_BUCKETS)
    """Keys with a TTL, per TTL_BUCKETS bucket."""


@dataclass(frozen=True, slots=True)
class SampledKey:
    name: str
    """As Redis has it (bytes that are not UTF-8 kept as surrogates); see printable_key."""
    ttl_s: float | None
    """None when the key never expires."""
    bytes: int | None
    """MEMORY USAGE; None when it could not be read."""


@dataclass(frozen=True, slots=True)
class FamilyStats:
    family: KeyFamily
    keys: int
    ttl: TtlStats
    sampled_keys: int = 0
    """Keys whose MEMORY USAGE was read (a bounded sample)."""
    sampled_bytes: int = 0
    denied: int = 0
    """Keys the Redis user may see in SCAN but not read (ACL key patterns)."""
    irregular: int = 0
    """Keys with a different number of ``:`` parts than the template (ambiguous names)."""
    samples: tuple[SampledKey, ...] = ()

    @property
    def estimated_bytes(self) -> int | None:
        if not self.sampled_keys:
            return None
        return round(self.sampled_bytes / self.sampled_keys * self.keys)

    @property
    def missing_ttl(self) -> int:
        """Keys without a TTL although the family documents one."""
        return self.ttl.without_ttl if self.family.expected_ttl_s is not None else 0


@dataclass(frozen=True, slots=True)
class FamilyScan:
    """A keyspace scan, partial while it runs (``done`` False) and final at the end."""

    families: tuple[FamilyStats, ...]
    scanned: int
    """Distinct keys seen so far."""
    dbsize: int | None
    """DBSIZE when the scan started (None when not permitted): the progress denominator."""
    done: bool
    elapsed_s: float
    capped: bool = False
    """Stopped at the key limit before SCAN finished: counts are lower bounds."""
    no_touch: bool = False
    """CLIENT NO-TOUCH was on for the scanning connection."""
    notes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def progress(self) -> float | None:
        if self.done:
            return 1.0
        if not self.dbsize:
            return None
        return min(self.scanned / self.dbsize, 0.99)

    def family(self, name: str) -> FamilyStats | None:
        return next((f for f in self.families if f.family.name == name), None)
