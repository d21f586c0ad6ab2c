"""The crews: call sign, division, mode, status, event, and how old their position is; a
right-click sets a crew's status (sur les lieux, disponible, indisponible, hors service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scop import operations as ops
from scop.models.entities import CREW_STATUSES, Crew
from scop.room import Change, CommandRefused
from scop.safety.watch import crew_timer
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel

STALE_AFTER_S = 120  # a position older than two minutes is flagged

STATUS_COLOURS = {
    "disponible": "#2e7d32",
    "engage": "#ef6c00",
    "sur_les_lieux": "#c62828",
    "indisponible": "#6d4c41",
    "hors_service": "#757575",
}

HEADERS = ("Indicatif", "Division", "Mode", "Statut", "Événement", "Position", "Depuis")
TIMER_COL = 6  # time in status, coloured by the room's thresholds (scop.safety.watch)
TIMER_COLOURS = {"ok": "#2e7d32", "check": "#ef6c00", "red": "#b71c1c"}
PULSE_BACKGROUNDS = {"check": "#ffe0b2", "red": "#ffcdd2"}


def position_age(crew: Crew, now: datetime) -> float | None:
    if crew.position_ts is None:
        return None
    return max(0.0, (now - crew.position_ts).total_seconds())


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return "inconnue"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"


class CrewsDock(ScopDock):
    dock_id = "crews"
    title = "Équipages"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = KeyedTableModel(
            HEADERS, key=lambda c: c.call_sign, cell=self._cell, parent=self
        )
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Filtrer (indicatif, division, événement…)")
        self.search.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        self.status_box.addItem("Tous statuts", None)
        for code, label in CREW_STATUSES.items():
            self.status_box.addItem(label, code)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_box)
        lay.addLayout(bar)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((80, 120, 80, 100, 80, 80)):
            self.view.setColumnWidth(col, width)
        lay.addWidget(self.view, 1)
        self.set_content(w)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_box.currentIndexChanged.connect(self._refresh)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.menu: QMenu | None = None
        self._refreshing = False
        ctx.selection.crew_selected.connect(self._show_crew)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self._refresh)
        self._ages = QTimer(self)
        self._ages.timeout.connect(self.model.refresh_all)
        self._ages.start(5000)
        self._pulse = False
        self._watched = False
        self._ages.timeout.connect(self._check_watched)
        self._pulser = QTimer(self)
        self._pulser.timeout.connect(self._toggle_pulse)
        self._pulser.start(600)
        self._refresh()

    def _toggle_pulse(self) -> None:
        self._pulse = not self._pulse
        if self._watched:
            self.model.refresh_all()

    def _check_watched(self) -> None:
        """Whether some crew's line pulses: worked out every few seconds, not every pulse."""
        st, now = self.ctx.room.state, self.ctx.room.clock.now()
        self._watched = any(crew_timer(st, c, now).level != "ok" for c in st.crews.values())

    def _timer_cell(self, c: Crew, col: int, role: int) -> Any:
        """Time in status; a crew whose check is due pulses (the whole line)."""
        t = crew_timer(self.ctx.room.state, c, self.ctx.room.clock.now())
        if col == TIMER_COL and role == Qt.ItemDataRole.DisplayRole:
            return t.label + (" — non confirmé" if t.unconfirmed_s is not None else "")
        if col == TIMER_COL and role == SORT_ROLE:
            return t.in_status_s
        if col == TIMER_COL and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(TIMER_COLOURS[t.level]))
        if role == Qt.ItemDataRole.BackgroundRole and t.level != "ok" and self._pulse:
            return QBrush(QColor(PULSE_BACKGROUNDS[t.level]))
        return None

    def _cell(self, c: Crew, col: int, role: int) -> Any:
        if col == TIMER_COL or role == Qt.ItemDataRole.BackgroundRole:
            return self._timer_cell(c, col, role)
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == 0:
                return c.call_sign
            if col == 1:
                return c.division
            if col == 2:
                return c.mode_label
            if col == 3:
                return c.status_label
            if col == 4:
                return c.event_id or ""
            age = position_age(c, self.ctx.room.clock.now())
            if role == SORT_ROLE:
                return age if age is not None else 1e12
            return format_age(age) + (" ⚠" if age is None or age > STALE_AFTER_S else "")
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 3:
                return QBrush(QColor(STATUS_COLOURS.get(c.status, "#000")))
            if col == 5:
                age = position_age(c, self.ctx.room.clock.now())
                if age is None or age > STALE_AFTER_S:
                    return QBrush(QColor("#c62828"))
        if role == Qt.ItemDataRole.ToolTipRole and col == 5:
            return (
                "Position de plus de 2 minutes : à vérifier"
                if ((position_age(c, self.ctx.room.clock.now()) or 1e9) > STALE_AFTER_S)
                else None
            )
        return None

    def _crews(self) -> list[Crew]:
        status = self.status_box.currentData()
        return [c for c in self.ctx.room.state.crews.values() if status in (None, c.status)]

    def _refresh(self) -> None:
        self._refreshing = True  # rows leaving a filtered list are not the operator's choice
        try:
            self.model.set_items(self._crews())
        finally:
            self._refreshing = False

    def _on_change(self, change: Change) -> None:
        self._refresh()
        if change.entries:
            self._check_watched()

    def _on_current(self, current: Any, _previous: Any) -> None:
        if current.isValid() and not self._refreshing:
            self.ctx.selection.select_crew(str(current.data(KEY_ROLE)))

    def _show_crew(self, call_sign: str) -> None:
        row = self.model.row_of(call_sign)
        if row is None:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if idx.isValid():
            self.view.selectRow(idx.row())
            self.view.scrollTo(idx)

    def status_actions(self, call_sign: str) -> list[tuple[str, Any]]:
        """What the operator can do with this crew now: (label, command) pairs."""
        crew = self.ctx.room.state.crews.get(call_sign)
        if crew is None or self.ctx.room.store.readonly:
            return []
        room = self.ctx.room
        out: list[tuple[str, Any]] = []
        if crew.status == "engage":
            out.append(("Sur les lieux", lambda: ops.crew_on_scene(room, call_sign)))
        if crew.status in ("engage", "sur_les_lieux"):
            out.append(("Dégager (retour disponible)", lambda: ops.release(room, call_sign)))
        for status in ("disponible", "indisponible", "hors_service"):
            if crew.status != status and not (
                status == "disponible" and crew.status in ("engage", "sur_les_lieux")
            ):
                out.append(
                    (
                        CREW_STATUSES[status],
                        lambda s=status: ops.set_crew_status(room, call_sign, s),
                    )
                )
        return out

    def _context_menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        call_sign = str(index.data(KEY_ROLE))
        menu = QMenu(self)
        menu.addSection(call_sign)
        for label, command in self.status_actions(call_sign):
            menu.addAction(label).triggered.connect(lambda _=False, c=command: self._run(c))
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _run(self, command: Any) -> None:
        try:
            command()
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))

    def teardown(self) -> None:
        self._ages.stop()
        self._pulser.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._refresh)
