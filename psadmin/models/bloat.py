"""The statistical bloat estimate and exact pgstattuple measurements.

The estimate follows the ioguix method (pg_class + pg_stats: how many bytes the live rows need,
compared with what the table occupies) and refines it by laying the rows out as the heap does:
the columns in order with their type alignment, each taking space only in the rows where it is
not NULL, a null bitmap only in rows that have a NULL, every tuple MAXALIGNed on its own — so
neither padding nor NULLs are mistaken for bloat. Its ratios are defined like pgstattuple's
``(dead_tuple_len + free_space) / table_len``: the line pointers that dead rows keep until
VACUUM are neither, so they are not counted as bloat either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

PAGE_HEADER = 24
"""SizeOfPageHeaderData."""
TUPLE_HEADER = 23
"""offsetof(HeapTupleHeaderData, t_bits): the heap tuple header without its null bitmap."""
LINE_POINTER = 4
"""sizeof(ItemIdData): every tuple also takes one line pointer."""
MAXALIGN = 8
TOAST_CHUNK_SPACE = 2036
"""One full TOAST chunk row with its line pointer (8 kB pages hold four of them)."""
_ALIGN = {"c": 1, "s": 2, "i": 4, "d": 8}
STALE_SHARE = 0.2
STALE_ROWS = 50
"""More changes than this since the last ANALYZE make the estimate's inputs stale."""
_SHORT_VARLENA_MAX = 127
"""Varlena values stored in up to this many bytes (their 1-byte header included) are not
aligned (VARATT_SHORT_MAXSIZE)."""


def _align(offset: float, alignment: int) -> float:
    return math.ceil(offset / alignment) * alignment


_HEADER = int(_align(TUPLE_HEADER, MAXALIGN))
"""t_hoff of a row without NULLs: the header MAXALIGNed (24)."""
_MASK = MAXALIGN - 1


Column = tuple[int, str, int | None, float | None, bool]
"""(attlen, attalign, pg_stats.avg_width, pg_stats.null_frac, visible) of one column."""


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """A table's columns in attnum order, as parallel tuples (an estimate covers thousands of
    tables at once, so no object per column)."""

    lengths: tuple[int, ...] = ()
    """pg_attribute.attlen: bytes for fixed-width types, -1 varlena, -2 cstring."""
    aligns: tuple[str, ...] = ()
    """pg_attribute.attalign: c, s, i or d."""
    widths: tuple[int | None, ...] = ()
    """pg_stats.avg_width; None when there is no pg_stats row (hidden or never analyzed)."""
    null_fracs: tuple[float | None, ...] = ()
    visible: tuple[bool, ...] = ()
    """False when the role lacks SELECT on the column, which hides its pg_stats row."""

    @classmethod
    def of(cls, columns: Iterable[Column]) -> ColumnLayout:
        rows = list(columns)
        return cls(
            tuple(c[0] for c in rows),
            tuple(c[1] for c in rows),
            tuple(c[2] for c in rows),
            tuple(c[3] for c in rows),
            tuple(c[4] for c in rows),
        )

    def __len__(self) -> int:
        return len(self.lengths)


def tuple_bytes(layout: ColumnLayout) -> float:
    """Expected on-page size of one heap tuple, its MAXALIGN padding and line pointer included.

    The heap lays out each row on its own: a column takes its alignment padding and its width
    only in the rows where it is not NULL (so where the next column starts depends on which
    earlier ones are NULL), the header carries a null bitmap only in rows that have a NULL, and
    every tuple is MAXALIGNed. The walk keeps the share of rows at each offset modulo MAXALIGN
    (NULLs taken as independent), so the padding is averaged over the rows rather than computed
    for one average row — which undercounts it, most of all on NULL-heavy tables.

    pg_stats.avg_width of a variable-width column is its mean width rounded down (ANALYZE
    stores it as an integer), so such a column is taken as width or width + 1, half the rows
    each.
    """
    # the share of the rows whose data so far ends at each offset modulo MAXALIGN
    shares: dict[int, float] = {0: 1.0}
    data = 0.0
    without_nulls = 1.0
    for length, align, width, null_frac in zip(
        layout.lengths, layout.aligns, layout.widths, layout.null_fracs, strict=True
    ):
        null = null_frac or 0.0
        if null >= 1.0:  # always NULL: only its bit in the bitmap
            without_nulls = 0.0
            continue
        present = 1.0 - null
        without_nulls *= present
        varies = length < 0 and width is not None
        if width is None:
            # Without statistics only a fixed width is known; a varlena counts as empty.
            width = length if length > 0 else 0
        short = length == -1 and width <= _SHORT_VARLENA_MAX
        step = 0 if short else _ALIGN.get(align, 1) - 1  # alignments are powers of two
        if not null and not varies and len(shares) == 1:
            # All rows so far end at the same offset (the usual NOT NULL leading columns).
            [offset] = shares
            gap = -offset & step
            data += gap + width
            shares = {(offset + gap + width) & _MASK: 1.0}
            continue
        aligned = shares
        if step:
            aligned = {}
            for offset, share in shares.items():
                gap = -offset & step
                data += present * share * gap
                end = (offset + gap) & _MASK
                aligned[end] = aligned.get(end, 0.0) + share
        data += present * width
        after = {offset: share * null for offset, share in shares.items()} if null else {}
        if varies:  # width or width + 1 (avg_width is rounded down), half the rows each
            data += present / 2
            half = present / 2
            for offset, share in aligned.items():
                end = (offset + width) & _MASK
                after[end] = after.get(end, 0.0) + share * half
                end = (end + 1) & _MASK
                after[end] = after.get(end, 0.0) + share * half
        else:
            for offset, share in aligned.items():
                end = (offset + width) & _MASK
                after[end] = after.get(end, 0.0) + share * present
        shares = after
    with_bitmap = int(_align(TUPLE_HEADER + (len(layout) + 7) // 8, MAXALIGN))
    header = _HEADER + (1.0 - without_nulls) * (with_bitmap - _HEADER)
    tail = sum(share * (-offset & _MASK) for offset, share in shares.items())
    return header + data + tail + LINE_POINTER


@dataclass(frozen=True, slots=True)
class TableColumns:
    """What the estimate reads for one table (one row of table_bloat.sql)."""

    relid: int
    schema: str
    name: str
    pages: int
    reltuples: float
    toast_pages: int
    toast_tuples: float
    fillfactor: int
    columns: ColumnLayout
    analyzed: bool
    """Whether ANALYZE (manual or auto) ever ran on the table."""
    mod_since_analyze: int = 0
    """Rows changed since the last ANALYZE: relpages, reltuples and pg_stats predate them."""
    dead_tuples: int = 0
    """pg_stat n_dead_tup: dead rows (pruned or not), each keeping its line pointer until
    VACUUM."""


@dataclass(frozen=True, slots=True)
class BloatEstimate:
    relid: int
    schema: str
    name: str
    table_bytes: int
    """Heap plus TOAST, as pg_class.relpages says."""
    bloat_bytes: int
    """Space beyond what the live rows need at the table's fillfactor (what a rewrite frees,
    less the line pointers of dead rows, which pgstattuple does not count as dead or free)."""
    unused_bytes: int
    """Space not holding live rows (dead rows and free space), fillfactor not deducted."""
    heap_bloat_bytes: int
    toast_bloat_bytes: int | None
    """None when the TOAST table has never been vacuumed (its row count is unknown)."""
    fillfactor: int
    reliable: bool
    note: str
    """Why the figure may be wrong, with the fix; empty when it is trustworthy."""
    stats_hidden: bool = False
    """pg_stats rows are hidden because the role may not SELECT some columns."""

    @property
    def bloat_ratio(self) -> float | None:
        return self.bloat_bytes / self.table_bytes if self.table_bytes else None

    @property
    def unused_ratio(self) -> float | None:
        return self.unused_bytes / self.table_bytes if self.table_bytes else None


def estimate_bloat(table: TableColumns, block_size: int = 8192, role: str = "") -> BloatEstimate:
    """The statistical estimate for one table (ioguix method, column alignment included)."""
    heap_bytes = table.pages * block_size
    live = max(table.reltuples, 0.0)
    # What pgstattuple counts as neither dead nor free, with the page headers' share: the live
    # rows, and the line pointers of dead rows (dead_tuple_len counts a dead row's bytes, not
    # its line pointer, which stays until VACUUM even once pruning has freed the row).
    per_page = block_size / (block_size - PAGE_HEADER)
    live_bytes = live * tuple_bytes(table.columns) * per_page
    dead_pointers = max(table.dead_tuples, 0) * LINE_POINTER * per_page
    used = live_bytes + dead_pointers
    reserve = block_size * (100 - table.fillfactor) / 100
    live_at_fillfactor = (
        live_bytes * (block_size - PAGE_HEADER) / (block_size - PAGE_HEADER - reserve)
    )
    used_at_fillfactor = live_at_fillfactor + dead_pointers
    heap_unused = max(heap_bytes - used, 0.0)
    heap_bloat = max(heap_bytes - used_at_fillfactor, 0.0)

    toast_bytes = table.toast_pages * block_size
    toast_bloat: float | None = 0.0
    if table.toast_pages > 0:
        if table.toast_tuples < 0:
            toast_bloat = None
        else:
            chunks = table.toast_tuples * TOAST_CHUNK_SPACE * block_size / (block_size - 24)
            toast_bloat = max(toast_bytes - chunks, 0.0)

    note, reliable, hidden = _caveats(table, role)
    return BloatEstimate(
        relid=table.relid,
        schema=table.schema,
        name=table.name,
        table_bytes=heap_bytes + (toast_bytes if toast_bloat is not None else 0),
        bloat_bytes=round(heap_bloat + (toast_bloat or 0.0)),
        unused_bytes=round(heap_unused + (toast_bloat or 0.0)),
        heap_bloat_bytes=round(heap_bloat),
        toast_bloat_bytes=None if toast_bloat is None else round(toast_bloat),
        fillfactor=table.fillfactor,
        reliable=reliable,
        note=note,
        stats_hidden=hidden,
    )


def _caveats(table: TableColumns, role: str) -> tuple[str, bool, bool]:
    layout = table.columns
    hidden = layout.visible.count(False)
    missing = sum(
        1
        for seen, width in zip(layout.visible, layout.widths, strict=True)
        if seen and width is None
    )
    qualified = f"{table.schema}.{table.name}"
    if hidden:
        who = role or "this role"
        return (
            f"statistics of {hidden} of {len(table.columns)} columns are hidden from {who} "
            f"(no SELECT): the estimate can be badly wrong — GRANT SELECT ON {qualified} "
            f"TO {who}, or GRANT pg_read_all_data",
            False,
            True,
        )
    if table.reltuples < 0 or not table.analyzed:
        return f"never analyzed: run ANALYZE {qualified}", False, False
    if table.mod_since_analyze > STALE_SHARE * max(table.reltuples, 0) + STALE_ROWS:
        return (
            f"stale: {table.mod_since_analyze:,} rows changed since the last ANALYZE, so "
            "pg_class sizes and pg_stats predate them — run ANALYZE "
            f"{qualified}, or measure it (m)",
            False,
            False,
        )
    if missing:
        return (
            f"no statistics for {missing} of {len(table.columns)} columns: run ANALYZE {qualified}",
            False,
            False,
        )
    if table.pages < 10:
        return "small table: a part-filled last page looks like bloat", True, False
    return "", True, False


@dataclass(frozen=True, slots=True)
class BloatReport:
    """The estimate for every table, with what it cost the server."""

    estimates: tuple[BloatEstimate, ...]
    elapsed_ms: float
    block_size: int = 8192

    @property
    def hidden_tables(self) -> int:
        return sum(1 for e in self.estimates if e.stats_hidden)


@dataclass(frozen=True, slots=True)
class TableMeasurement:
    """pgstattuple (exact, full scan) or pgstattuple_approx (skips all-visible pages)."""

    relid: int
    exact: bool
    table_len: int
    tuple_count: int
    tuple_len: int
    dead_tuple_count: int
    dead_tuple_len: int
    free_space: int
    scanned_ratio: float
    """Share of pages read (1.0 for the exact function)."""
    elapsed_ms: float

    @property
    def bloat_ratio(self) -> float | None:
        """``(dead_tuple_len + free_space) / table_len``, as the estimate's ratio is defined."""
        if self.table_len <= 0:
            return None
        return (self.dead_tuple_len + self.free_space) / self.table_len

    @property
    def function(self) -> str:
        return "pgstattuple" if self.exact else "pgstattuple_approx"


def measurement_cost(pages: int, all_visible_pages: int, block_size: int, exact: bool) -> int:
    """Bytes the measurement reads: every page, or (approx) only those not all-visible."""
    if exact:
        return pages * block_size
    return max(pages - all_visible_pages, 0) * block_size
