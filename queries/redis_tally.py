"""Counting a keyspace scan into families (bookkeeping only; the scan does the I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psadmin.models.cache import (
    MAX_OTHER_GROUPS,
    OVERFLOW_FAMILY,
    TTL_BUCKETS,
    FamilyScan,
    FamilyStats,
    KeyFamily,
    SampledKey,
    TtlStats,
    glob_regex,
    prefix_family,
)
from queries.redis_errors import key_denied


@dataclass
class Group:
    """The running totals of one family while the scan goes on."""

    family: KeyFamily
    keys: int = 0
    ttl_min: float | None = None
    ttl_max: float | None = None
    without_ttl: int = 0
    over_expected: int = 0
    unknown: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * len(TTL_BUCKETS))
    reserved: int = 0
    sampled_keys: int = 0
    sampled_bytes: int = 0
    denied: int = 0
    irregular: int = 0
    samples: list[SampledKey] = field(default_factory=list)

    def stats(self) -> FamilyStats:
        return FamilyStats(
            family=self.family,
            keys=self.keys,
            ttl=TtlStats(
                min_s=self.ttl_min,
                max_s=self.ttl_max,
                without_ttl=self.without_ttl,
                over_expected=self.over_expected,
                unknown=self.unknown,
                histogram=tuple(self.histogram),
            ),
            sampled_keys=self.sampled_keys,
            sampled_bytes=self.sampled_bytes,
            denied=self.denied,
            irregular=self.irregular,
            samples=tuple(self.samples),
        )


class KeyspaceTally:
    """Classifies key names into families and accumulates what PTTL / MEMORY USAGE said."""

    def __init__(self, families: tuple[KeyFamily, ...], samples_per_family: int) -> None:
        self.documented = families
        self.samples_per_family = samples_per_family
        self._matchers: list[tuple[re.Pattern[str], Group]] = [
            (glob_regex(f.pattern), Group(f)) for f in families if f.pattern is not None
        ]
        self._prefixes: dict[str | None, Group] = {}
        self._overflow: Group | None = None

    def classify(self, name: str) -> Group:
        for regex, group in self._matchers:
            if regex.fullmatch(name):
                return group
        prefix = name.split(":", 1)[0] if ":" in name else None
        known = self._prefixes.get(prefix)
        if known is not None:
            return known
        if len(self._prefixes) < MAX_OTHER_GROUPS:
            fresh = self._prefixes[prefix] = Group(prefix_family(prefix, self.documented))
            return fresh
        if self._overflow is None:
            self._overflow = Group(OVERFLOW_FAMILY)
        return self._overflow

    def reserve_samples(self, groups: list[Group]) -> list[int]:
        """Indices of the keys of this page whose memory is to be read."""
        chosen = []
        for i, group in enumerate(groups):
            if group.reserved < self.samples_per_family:
                group.reserved += 1
                chosen.append(i)
        return chosen

    def add(self, group: Group, name: str, ttl: object, size: object, sampled: bool) -> None:
        """One key's PTTL reply (ms, -1, -2 or an error) and MEMORY USAGE reply."""
        if ttl == -2:
            return  # expired or removed since SCAN listed it
        group.keys += 1
        family = group.family
        segments = family.segments
        if segments is not None and name.count(":") + 1 != segments:
            group.irregular += 1
        ttl_s: float | None = None
        if isinstance(ttl, BaseException):
            group.unknown += 1
            if key_denied(ttl):  # an ACL key pattern, not a missing command
                group.denied += 1
        elif ttl == -1:
            group.without_ttl += 1
        elif isinstance(ttl, int):
            ttl_s = ttl / 1000
            group.ttl_min = ttl_s if group.ttl_min is None else min(group.ttl_min, ttl_s)
            group.ttl_max = ttl_s if group.ttl_max is None else max(group.ttl_max, ttl_s)
            bucket = next(i for i, (_, bound) in enumerate(TTL_BUCKETS) if ttl_s <= bound)
            group.histogram[bucket] += 1
            if family.expected_ttl_s is not None and ttl_s > family.expected_ttl_s:
                group.over_expected += 1
        if not sampled:
            return
        size_bytes = size if isinstance(size, int) else None
        if size_bytes is not None:
            group.sampled_keys += 1
            group.sampled_bytes += size_bytes
        group.samples.append(SampledKey(name, ttl_s, size_bytes))

    def scan(
        self,
        scanned: int,
        dbsize: int | None,
        done: bool,
        elapsed_s: float,
        no_touch: bool,
        notes: list[str],
        capped: bool = False,
    ) -> FamilyScan:
        others = sorted(self._prefixes.values(), key=lambda g: (-g.keys, g.family.name))
        groups = [g for _, g in self._matchers] + others
        if self._overflow is not None:
            groups.append(self._overflow)
        return FamilyScan(
            families=tuple(g.stats() for g in groups),
            scanned=scanned,
            dbsize=dbsize,
            done=done,
            elapsed_s=elapsed_s,
            capped=capped,
            no_touch=no_touch,
            notes=tuple(notes),
        )
