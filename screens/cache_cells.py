"""What the Cache screen's tables show, and the invalidation requests built from a row."""

from __future__ import annotations

from rich.text import Text

from psadmin.models.actions import ActionRequest, Risk
from psadmin.models.cache import (
    UNLINK_BATCH,
    FamilyScan,
    FamilyStats,
    SampledKey,
    invalidation_params,
    printable_key,
)
from psadmin.models.overview import format_bytes
from widgets.keyed_table import Cell

FAMILY_COLUMNS = (
    ("family", "Family"),
    ("keys", "Keys"),
    ("memory", "Est. memory"),
    ("ttl", "TTL left"),
    ("expected", "Doc. TTL"),
    ("no_ttl", "No TTL"),
    ("notes", "Notes"),
)
KEY_COLUMNS = (("key", "Sampled key"), ("ttl", "TTL left"), ("bytes", "Memory"))


def _right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


def _ttl(seconds: float | None) -> str:
    """Compact: ``42s``, ``8m19s``, ``1h05m``."""
    if seconds is None:
        return "none"
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.0f}s" if seconds >= 1 else f"{seconds:.1f}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def family_row(stats: FamilyStats) -> tuple[Cell, ...]:
    family, ttl = stats.family, stats.ttl
    expected = family.expected_ttl_s
    if ttl.min_s is None:
        span = "—"
    elif ttl.min_s == ttl.max_s:
        span = _ttl(ttl.min_s)
    else:
        span = f"{_ttl(ttl.min_s)}-{_ttl(ttl.max_s)}"
    if not family.documented:
        documented = "—"
    else:
        documented = "none (kept)" if expected is None else _ttl(expected)
    no_ttl_style = "bold yellow" if stats.missing_ttl else "dim" if not ttl.without_ttl else ""
    notes = []
    if stats.missing_ttl:
        notes.append("TTL expected")
    if ttl.over_expected:
        notes.append(f"{ttl.over_expected:,} over documented TTL")
    if stats.irregular:
        notes.append(f"{stats.irregular:,} irregular names")
    if stats.denied:
        notes.append(f"{stats.denied:,} denied by ACL")
    elif ttl.unknown:
        notes.append(f"{ttl.unknown:,} TTL unreadable")
    if not notes and family.note:
        notes.append(family.note)
    return (
        Text(family.name, style="bold" if family.documented else ""),
        _right(f"{stats.keys:,}"),
        _right(format_bytes(stats.estimated_bytes)),
        span,
        documented,
        _right(f"{ttl.without_ttl:,}", no_ttl_style),
        Text(", ".join(notes), style="yellow" if stats.missing_ttl or stats.denied else "dim"),
    )


def key_row(key: SampledKey) -> tuple[Cell, ...]:
    return (
        Text(printable_key(key.name)),
        _ttl(key.ttl_s),
        _right(format_bytes(key.bytes)),
    )


def scan_summary(scan: FamilyScan) -> Text:
    text = Text()
    if scan.error is not None:
        text.append(f"Key scan failed: {scan.error}", style="bold red")
        if scan.scanned:
            text.append(f" (after {scan.scanned:,} keys; counts are partial)")
        text.append(" · s retries", style="dim")
        return text
    if not scan.done:
        total = f" of ~{scan.dbsize:,}" if scan.dbsize else ""
        share = f" ({scan.progress:.0%})" if scan.progress is not None else ""
        text.append(f"Scanning… {scan.scanned:,}{total} keys{share}", style="bold")
        text.append(f" · {scan.elapsed_s:.1f} s")
        return text
    text.append(f"Scanned {scan.scanned:,} keys in {scan.elapsed_s:.1f} s", style="bold")
    if scan.capped:
        text.append(" · stopped at the key limit: counts are lower bounds", style="yellow")
    text.append(" · CLIENT NO-TOUCH on" if scan.no_touch else "")
    text.append(" · s rescans · d invalidates the selection · k types a key", style="dim")
    for note in scan.notes:
        text.append(f"\n{note}", style="dim")
    return text


def key_request(key: str) -> ActionRequest:
    shown = printable_key(key)
    return ActionRequest(
        kind="invalidate_key",
        target=f"Redis key {shown}",
        effect="Removes this key (UNLINK); the application reloads it from PostgreSQL on its "
        "next read.",
        statement=f"UNLINK {shown}",
        params=invalidation_params(key),
        risk=Risk.LOW,
        needs_write=True,
    )


def family_request(stats: FamilyStats) -> ActionRequest | str:
    """The request to purge a whole family, or why it cannot be purged as one."""
    family = stats.family
    if family.pattern is None:
        return f"{family.name} is not one pattern: invalidate its keys one by one."
    if not stats.keys:
        return f"{family.name} had no keys at the last scan (s rescans)."
    count = str(stats.keys)
    spared = (
        f", except keys of {', '.join(family.exclude)} (other families)" if family.exclude else ""
    )
    return ActionRequest(
        kind="invalidate_family",
        target=f"Redis key family {family.name} ({stats.keys:,} keys at the last scan)",
        effect=f"Removes every key matching {family.pattern}{spared}, {UNLINK_BATCH} per "
        "UNLINK; the application rebuilds them from PostgreSQL as it reads. Type the key "
        f"count ({count}) to confirm.",
        statement=f"SCAN <cursor> MATCH {family.pattern} COUNT 1000  (until the cursor is 0)\n"
        f"UNLINK <up to {UNLINK_BATCH} keys of each page>",
        params={
            "family": family.name,
            "pattern": family.pattern,
            "exclude": list(family.exclude),
            "keys_at_scan": stats.keys,
        },
        risk=Risk.HIGH,
        confirm_text=count,
        needs_write=True,
    )
