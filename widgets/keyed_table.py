"""A DataTable that is refreshed by row key: rows update in place and the cursor stays put."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text | int | float


class KeyedTable(DataTable[Cell]):
    """Give it the complete new set of rows on every refresh; it applies only the difference.

    Changed cells are updated in place (clearing and refilling costs several times the CPU and
    loses the cursor), vanished rows are removed and new ones appended. Only when rows that
    stay change their relative order is the table refilled, with the cursor put back on the
    row it was on.
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
        staying_now = [k for k in self._rows if k in fresh]
        staying_next = [k for k in fresh if k in self._rows]
        if staying_now != staying_next:
            self._refill(fresh)
            return
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

    def _refill(self, fresh: dict[Hashable, tuple[Cell, ...]]) -> None:
        selected = self.selected_key
        self.clear()
        self._rows, self._keys = {}, {}
        for key, cells in fresh.items():
            self.add_row(*cells, key=str(key))
            self._rows[key] = cells
            self._keys[str(key)] = key
        if selected in self._rows:
            self.move_cursor(row=list(self._rows).index(selected))
