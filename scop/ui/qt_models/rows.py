"""How every list of the console behaves: one row at a time, read-only, no row numbers."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def read_only_rows(view: QTableView) -> None:
    """Rows are selected whole and one at a time; cells are never edited in place (every
    change is a command, journaled); row numbers mean nothing to an operator."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
