"""A table model over rows identified by a key: updates in place, never resets the view."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


class KeyedTableModel(QAbstractTableModel):
    """``cell(obj, column, role)`` gives each cell; ``set_items`` diffs by key so that
    selection, scroll position and sorting survive live updates."""

    def __init__(
        self,
        headers: Sequence[str],
        key: Callable[[Any], Hashable],
        cell: Callable[[Any, int, int], Any],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._key = key
        self._cell = cell
        self._items: list[Any] = []
        self._rows: dict[Hashable, int] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == KEY_ROLE:
            return self._key(item)
        return self._cell(item, index.column(), role)

    def item(self, row: int) -> Any:
        return self._items[row]

    def row_of(self, key: Hashable) -> int | None:
        return self._rows.get(key)

    def set_items(self, items: Sequence[Any]) -> None:
        new_keys = [self._key(i) for i in items]
        new_set = set(new_keys)
        for gone in sorted((r for k, r in self._rows.items() if k not in new_set), reverse=True):
            self.beginRemoveRows(QModelIndex(), gone, gone)
            del self._items[gone]
            self.endRemoveRows()
        self._rows = {self._key(i): r for r, i in enumerate(self._items)}
        added: list[Any] = []
        for key, item in zip(new_keys, items, strict=True):
            row = self._rows.get(key)
            if row is None:
                added.append(item)
            elif self._items[row] is not item:
                self._items[row] = item
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._headers) - 1))
        if added:
            start = len(self._items)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._items.extend(added)
            self.endInsertRows()
            for r in range(start, len(self._items)):
                self._rows[self._key(self._items[r])] = r

    def refresh_all(self) -> None:
        """Cells that depend on time (ages) change without their item changing."""
        if self._items:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._items) - 1, len(self._headers) - 1)
            )
