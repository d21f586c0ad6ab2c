"""The events being handled, coloured by gravity and age."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models.entities import GRAVITIES, Event
from scop.models.nomenclatures import category_label
from scop.room import Change
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel

GRAVITY_COLOURS = {1: "#e8f5e9", 2: "#fff8e1", 3: "#ffe0b2", 4: "#ffcdd2"}
HEADERS = ("N°", "Heure", "Gravité", "Catégorie", "Intitulé", "Adresse", "Statut", "Équipages")


class EventsDock(ScopDock):
    dock_id = "events"
    title = "Événements"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = KeyedTableModel(HEADERS, key=lambda e: e.id, cell=self._cell, parent=self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Filtrer les événements…")
        self.search.setClearButtonEnabled(True)
        self.show_closed = QCheckBox("Afficher les clos")
        bar.addWidget(self.search, 1)
        bar.addWidget(self.show_closed)
        lay.addLayout(bar)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((70, 90, 70, 150, 240, 220, 100)):
            self.view.setColumnWidth(col, width)
        lay.addWidget(self.view, 1)
        self.set_content(w)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.show_closed.toggled.connect(self._refresh)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        ctx.selection.event_selected.connect(self._show_event)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._refresh)
        self._ages = QTimer(self)
        self._ages.timeout.connect(self.model.refresh_all)
        self._ages.start(30000)
        self._refresh()

    def _cell(self, e: Event, col: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            values: tuple[Any, ...] = (
                e.id,
                local(e.created_at).strftime("%H:%M")
                if role == Qt.ItemDataRole.DisplayRole
                else e.created_at.timestamp(),
                GRAVITIES.get(e.gravity, str(e.gravity))
                if role == Qt.ItemDataRole.DisplayRole
                else e.gravity,
                category_label(e.category),
                e.title,
                e.address,
                e.status_label,
                ", ".join(e.crews),
            )
            return values[col]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(GRAVITY_COLOURS.get(e.gravity, "#ffffff")))
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            age_min = (self.ctx.room.clock.now() - e.created_at).total_seconds() / 60
            if e.status == "nouveau" and age_min > 5:
                return QBrush(QColor("#c62828"))  # nobody has taken it in hand yet
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.description or None
        return None

    def _refresh(self) -> None:
        show_closed = self.show_closed.isChecked()
        self.model.set_items(
            [e for e in self.ctx.room.state.events.values() if show_closed or e.status != "clos"]
        )

    def _on_change(self, change: Change) -> None:
        if change.entries:
            self._refresh()

    def _on_current(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            self.ctx.selection.select_event(str(current.data(KEY_ROLE)))

    def _show_event(self, event_id: str) -> None:
        row = self.model.row_of(event_id)
        if row is None:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if idx.isValid():
            self.view.selectRow(idx.row())
            self.view.scrollTo(idx)

    def teardown(self) -> None:
        self._ages.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._refresh)
