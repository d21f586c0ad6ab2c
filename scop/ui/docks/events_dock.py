"""The events being handled: sortable, filterable, coloured by gravity and age; the entry
point of the intake (F2, the button, or a right-click on the map)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.geo import addresses
from scop.models.entities import EVENT_STATUSES, GRAVITIES, Event
from scop.models.nomenclatures import category_label
from scop.models.vocabulary import EventStatus
from scop.room import Change
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel
from scop.ui.qt_models.rows import read_only_rows

GRAVITY_COLOURS = {1: "#e8f5e9", 2: "#fff8e1", 3: "#ffe0b2", 4: "#ffcdd2"}
HEADERS = (
    "N°",
    "Heure",
    "Âge",
    "Gravité",
    "Catégorie",
    "Intitulé",
    "Adresse",
    "Statut",
    "Équipages",
)
UNHANDLED_AFTER_MIN = 5  # a new event nobody took in hand after this is flagged
OLD_AFTER_MIN = 60  # an open event older than this is shown as lingering

STATUS_FILTERS = (
    ("Ouverts", (EventStatus.NOUVEAU, EventStatus.PRIS_EN_COMPTE, EventStatus.EN_COURS)),
    ("Nouveaux", (EventStatus.NOUVEAU,)),
    ("Pris en compte", (EventStatus.PRIS_EN_COMPTE,)),
    ("En cours", (EventStatus.EN_COURS,)),
    ("Clos", (EventStatus.CLOS,)),
    ("Tous", tuple(EVENT_STATUSES)),
)


def format_age(minutes: float) -> str:
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{int(minutes)} min"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d}"


class EventsDock(ScopDock):
    dock_id = "events"
    title = "Événements"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        addresses.start_loading()  # the intake's completion needs it; a few seconds, once
        self.model = KeyedTableModel(HEADERS, key=lambda e: e.id, cell=self._cell, parent=self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.intake: Any = None
        self._refreshing = False

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.new_button = QPushButton("Nouvel événement (F2)")
        self.new_button.setStyleSheet("font-weight:bold;")
        self.search = QLineEdit(placeholderText="Filtrer (n°, adresse, intitulé, équipage…)")
        self.search.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        for label, statuses in STATUS_FILTERS:
            self.status_box.addItem(label, statuses)
        self.gravity_box = QComboBox()
        self.gravity_box.addItem("Toutes gravités", 1)
        for g in (2, 3, 4):
            self.gravity_box.addItem(f"Gravité ≥ {g}", g)
        bar.addWidget(self.new_button)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_box)
        bar.addWidget(self.gravity_box)
        lay.addLayout(bar)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        read_only_rows(self.view)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((120, 50, 60, 70, 150, 220, 210, 100)):
            self.view.setColumnWidth(col, width)
        lay.addWidget(self.view, 1)
        self.set_content(w)

        self.new_action = QAction("&Nouvel événement…", self)
        self.new_action.setShortcuts([QKeySequence(Qt.Key.Key_F2), QKeySequence("Ctrl+N")])
        self.new_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.new_action.triggered.connect(self._new_requested)
        self.menu_actions = [self.new_action]
        self.new_button.clicked.connect(self._new_requested)
        # Right-click on a row (which makes it the selected event): the card's own actions.
        self.situation_action = QAction("Point de situation…", self)
        self.situation_action.triggered.connect(self.open_situation)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.addAction(self.situation_action)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_box.currentIndexChanged.connect(self._refresh)
        self.gravity_box.currentIndexChanged.connect(self._refresh)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.doubleClicked.connect(self._open_card)
        ctx.selection.event_selected.connect(self._show_event)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._refresh)
        self._ages = QTimer(self)
        self._ages.timeout.connect(self.model.refresh_all)
        self._ages.start(20000)
        self._card: ScopDock | None = None
        self._refresh()
        if reason := ctx.read_only_reason:
            self.new_button.setEnabled(False)
            self.new_button.setToolTip(reason)
            self.new_action.setEnabled(False)
            self.new_action.setToolTip(reason)

    def wire(self, docks: dict[str, ScopDock]) -> None:
        self._card = docks.get("event_card")
        # The window does not know this dock's actions: make the shortcut live anyway.
        self.window().addAction(self.new_action)

    # -- cells -----------------------------------------------------------------------------

    def _age_min(self, e: Event) -> float:
        return max(0.0, (self.ctx.room.clock.now() - e.created_at).total_seconds() / 60)

    def _cell(self, e: Event, col: int, role: int) -> Any:
        display = role == Qt.ItemDataRole.DisplayRole
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == 0:
                return e.id if display else e.created_at.timestamp()
            if col == 1:
                return (
                    local(e.created_at).strftime("%H:%M") if display else e.created_at.timestamp()
                )
            if col == 2:
                return format_age(self._age_min(e)) if display else -e.created_at.timestamp()
            if col == 3:
                return GRAVITIES.get(e.gravity, str(e.gravity)) if display else e.gravity
            values = (
                category_label(e.category),
                e.title,
                e.address,
                e.status_label,
                ", ".join(e.crews),
            )
            return values[col - 4]
        if role == Qt.ItemDataRole.BackgroundRole:
            if e.status == EventStatus.CLOS:
                return QBrush(QColor("#eeeeee"))
            return QBrush(QColor(GRAVITY_COLOURS.get(e.gravity, "#ffffff")))
        if role == Qt.ItemDataRole.ForegroundRole:
            if e.status == EventStatus.CLOS:
                return QBrush(QColor("#757575"))
            if (
                col in (1, 2)
                and e.status == EventStatus.NOUVEAU
                and self._age_min(e) > UNHANDLED_AFTER_MIN
            ):
                return QBrush(QColor("#c62828"))  # nobody has taken it in hand yet
            if col == 2 and self._age_min(e) > OLD_AFTER_MIN:
                return QBrush(QColor("#6d4c41"))
        if role == Qt.ItemDataRole.FontRole and (
            e.gravity >= 4
            or (
                col in (1, 2)
                and e.status == EventStatus.NOUVEAU
                and self._age_min(e) > UNHANDLED_AFTER_MIN
            )
        ):
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            if e.status == EventStatus.NOUVEAU and self._age_min(e) > UNHANDLED_AFTER_MIN:
                return f"Non pris en compte depuis {format_age(self._age_min(e))}"
            return e.description or None
        return None

    # -- data ------------------------------------------------------------------------------

    def visible_events(self) -> list[Event]:
        statuses = self.status_box.currentData() or ()
        min_gravity = int(self.gravity_box.currentData() or 1)
        return [
            e
            for e in self.ctx.room.state.events.values()
            if e.status in statuses and e.gravity >= min_gravity
        ]

    def _refresh(self) -> None:
        # Rows leaving the list (an event closed) move the current row: that is not the
        # operator choosing another event, so it must not change the shared selection.
        self._refreshing = True
        try:
            self.model.set_items(self.visible_events())
        finally:
            self._refreshing = False

    def _on_change(self, change: Change) -> None:
        if change.entries:
            self._refresh()

    def _on_current(self, current: Any, _previous: Any) -> None:
        if current.isValid() and not self._refreshing:
            self.ctx.selection.select_event(str(current.data(KEY_ROLE)))

    def _open_card(self, index: Any) -> None:
        if index.isValid() and self._card is not None:
            self.ctx.selection.select_event(str(index.data(KEY_ROLE)))
            self._card.show()
            self._card.raise_()

    def open_situation(self) -> Any:
        """The point de situation of the selected event, drafted by the event card."""
        open_it = getattr(self._card, "open_situation", None)
        if open_it is None:
            self.ctx.notices.warning("La fiche événement n'est pas ouverte sur ce poste.")
            return None
        return open_it()

    def select_events(self, event_ids: list[str]) -> int:
        """Select several events at once (a bar or a bin of the dashboard); returns how many
        are selected. A chief who clicks a bar asks to see its events: when the filters hide
        some (closed ones, with the default « Ouverts »), they are widened first, visibly
        (« Tous », every gravity, no search text), rather than selecting a few rows of many."""
        selected = self._select_rows(event_ids)
        if selected < len(set(event_ids)) and self._filtered():
            self.search.clear()
            self.status_box.setCurrentIndex(self.status_box.findText("Tous"))
            self.gravity_box.setCurrentIndex(0)
            selected = self._select_rows(event_ids)
        return selected

    def _filtered(self) -> bool:
        return bool(
            self.search.text()
            or self.status_box.currentText() != "Tous"
            or self.gravity_box.currentIndex() != 0
        )

    def _select_rows(self, event_ids: list[str]) -> int:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        sel = QItemSelection()
        for event_id in event_ids:
            row = self.model.row_of(event_id)
            if row is None:
                continue
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
            if idx.isValid():
                sel.select(idx, idx)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.view.selectionModel().select(sel, flags)
        rows = sorted({ix.row() for ix in sel.indexes()})
        if rows:  # the first selected row in sight (the others follow it, as the sort has them)
            self.view.scrollTo(self.proxy.index(rows[0], 0))
        return len(rows)

    def _show_event(self, event_id: str) -> None:
        row = self.model.row_of(event_id)
        if row is None:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if idx.isValid():
            self.view.selectRow(idx.row())
            self.view.scrollTo(idx)

    # -- intake ----------------------------------------------------------------------------

    def _new_requested(self) -> None:
        self.open_intake()  # not connected directly: the signal's ``checked`` is not a lon

    def open_intake(self, lon: float | None = None, lat: float | None = None) -> Any:
        """Open the intake (one at a time), prefilled from the map when ``lon``/``lat`` are
        given. Returns the dialog."""
        from scop.ui.intake import IntakeDialog

        if reason := self.ctx.read_only_reason:
            self.ctx.notices.warning(f"{reason} Création impossible.")
            return None
        if self.intake is None or not self.intake.isVisible():
            self.intake = IntakeDialog(self.ctx, self.window())
            self.intake.created.connect(self._created)
            self.intake.finished.connect(self._intake_closed)
        if lon is not None and lat is not None:
            self.intake.set_point(lon, lat)
        self.intake.show()
        self.intake.raise_()
        self.intake.activateWindow()
        self.intake.category.setFocus() if lon is not None else self.intake.source.setFocus()
        return self.intake

    def _created(self, event_id: str) -> None:
        self._refresh()
        self.ctx.selection.select_event(event_id)
        self.ctx.notices.info(f"Événement {event_id} créé.")
        if self._card is not None:
            self._card.show()
            self._card.raise_()

    def _intake_closed(self, _result: int) -> None:
        dialog = self.intake
        self.intake = None
        if dialog is not None:
            dialog.deleteLater()

    def teardown(self) -> None:
        self._ages.stop()
        if self.intake is not None:
            self.intake.close()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._refresh)
