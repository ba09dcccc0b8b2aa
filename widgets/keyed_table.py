"""A DataTable that is refreshed by row key: rows update in place and the cursor stays put."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Cell = str | Text | int | float


class KeyedTable(DataTable[Cell]):
    """Give it the complete new set of rows on every refresh; it applies only the difference.

    Changed cells are updated in place (clearing and refilling costs several times the CPU and
    loses the cursor), vanished rows are removed and new ones appended. When the order changes
    (a list sorted by a live value), rows are reordered in place rather than re-added, and the
    cursor stays on the row it was on.
    """

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns = tuple(columns)
        self._rows: dict[Hashable, tuple[Cell, ...]] = {}
        self._keys: dict[str, Hashable] = {}

    def on_mount(self) -> None:
        for key, label in self._columns:
            self.add_column(label, key=key)

    @property
    def row_keys(self) -> list[Hashable]:
        return list(self._rows)

    @property
    def selected_key(self) -> Hashable | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self._rows or not 0 <= self.cursor_row < self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self._keys.get(str(row_key.value))

    def show(self, rows: Iterable[tuple[Hashable, Sequence[Cell]]]) -> None:
        fresh = {key: tuple(cells) for key, cells in rows}
        selected = self.selected_key
        for key in [k for k in self._rows if k not in fresh]:
            self.remove_row(str(key))
            del self._rows[key]
            del self._keys[str(key)]
        for key, cells in fresh.items():
            old = self._rows.get(key)
            if old is None:
                self.add_row(*cells, key=str(key))
                self._keys[str(key)] = key
            elif old != cells:
                for (column, _), before, after in zip(self._columns, old, cells, strict=True):
                    if before != after:
                        self.update_cell(str(key), column, after)
            self._rows[key] = cells
        if list(self._rows) != list(fresh):
            self._reorder(list(fresh))
        if selected in self._rows and self.selected_key != selected:
            self.move_cursor(row=list(self._rows).index(selected), animate=False)

    def _reorder(self, order: list[Hashable]) -> None:
        # What DataTable.sort() does, with the order given by key instead of by cell values
        # (textual is pinned; tests/ui cover this). Re-adding every row would re-measure every
        # cell: several times the CPU for a list sorted by a duration that changes every tick.
        self._row_locations = TwoWayDict({RowKey(str(key)): i for i, key in enumerate(order)})
        self._rows = {key: self._rows[key] for key in order}
        self._update_count += 1
        self.refresh()
