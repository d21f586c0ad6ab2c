"""The crews on duty: call sign, kind, division, agents, radio, status, event, planned end of
duty (flagged once passed) and how old their position is. From the keyboard: Inser puts a
crew on duty, Ctrl+K changes the selected crew's composition, Suppr ends its duty, Ctrl+I
imports the day's roster; a right-click sets a crew's status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from scop import operations as ops
from scop.clock import local
from scop.models.entities import CREW_STATUSES, Crew
from scop.models.vocabulary import CrewStatus
from scop.operations.duty import ENGAGED
from scop.operations.roster import import_roster, read_roster_file
from scop.room import Change, CommandRefused
from scop.safety.watch import crew_timer
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.docks.safety_dock import LEVEL_COLOURS
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel
from scop.ui.qt_models.rows import read_only_rows

STALE_AFTER_S = 120  # a position older than two minutes is flagged

STATUS_COLOURS = {
    CrewStatus.DISPONIBLE: "#2e7d32",
    CrewStatus.ENGAGE: "#ef6c00",
    CrewStatus.SUR_LES_LIEUX: "#c62828",
    CrewStatus.INDISPONIBLE: "#6d4c41",
    CrewStatus.HORS_SERVICE: "#757575",
}

HEADERS = (
    "Indicatif",
    "Type",
    "Division",
    "Agents",
    "Radio",
    "Statut",
    "Événement",
    "Fin prévue",
    "Âge position",
    "Depuis",
)
POSITION_COL = 8
END_COL = 7
OVERDUE = "#c62828"
TIMER_COL = 9  # time in status, coloured by the room's thresholds (scop.safety.watch)
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
        self.actions_by_name: dict[str, QAction] = {}
        # a tool bar folds what does not fit behind its » button: a narrow floating dock
        # keeps every action
        tools = QToolBar()
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools.setMinimumWidth(0)
        for name, text, key, slot in (
            ("take", "Prise de service…", QKeySequence(Qt.Key.Key_Insert), self.take_service),
            ("compose", "Composition…", QKeySequence("Ctrl+K"), self.change_composition),
            ("end", "Fin de service…", QKeySequence(Qt.Key.Key_Delete), self.end_service),
            ("import", "Importer un tableau…", QKeySequence("Ctrl+I"), self.import_roster),
        ):
            action = QAction(text, self)
            action.setShortcut(key)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(
                f"{text.rstrip('…')} ({key.toString(QKeySequence.SequenceFormat.NativeText)})"
            )
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action
            tools.addAction(action)
        self.menu_actions = list(self.actions_by_name.values())
        if reason := ctx.read_only_reason:
            for action in self.menu_actions:
                action.setEnabled(False)
                action.setToolTip(reason)
        lay.addLayout(bar)
        lay.addWidget(tools)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        read_only_rows(self.view)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((70, 125, 110, 50, 80, 95, 125, 135, 80)):
            self.view.setColumnWidth(col, width)
        lay.addWidget(self.view, 1)
        self.set_content(w)
        self.view.installEventFilter(self)

        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_box.currentIndexChanged.connect(self._refresh)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.menu: QMenu | None = None
        self.last_dialog: QDialog | None = None
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
            return QBrush(QColor(LEVEL_COLOURS[t.level]))
        if role == Qt.ItemDataRole.BackgroundRole and t.level != "ok" and self._pulse:
            return QBrush(QColor(PULSE_BACKGROUNDS[t.level]))
        return None

    def _cell(self, c: Crew, col: int, role: int) -> Any:
        if col == TIMER_COL or role == Qt.ItemDataRole.BackgroundRole:
            return self._timer_cell(c, col, role)
        now = self.ctx.room.clock.now()
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == POSITION_COL:
                age = position_age(c, now)
                if role == SORT_ROLE:
                    return age if age is not None else 1e12
                return format_age(age) + (" ⚠" if age is None or age > STALE_AFTER_S else "")
            if col == END_COL:
                if c.duty_end is None:
                    return "" if role == Qt.ItemDataRole.DisplayRole else 1e12
                if role == SORT_ROLE:
                    return c.duty_end.timestamp()
                end = local(c.duty_end)
                shown = f"{end:%H:%M}" if end.date() == local(now).date() else f"{end:%d/%m %H:%M}"
                return shown + (" ⚠ dépassée" if c.duty_overdue(now) else "")
            if col == 3 and role == SORT_ROLE:
                return c.agents
            return (
                c.call_sign,
                c.kind_short,
                c.division,
                str(c.agents),
                c.radio,
                c.status_label,
                c.event_id or "",
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 5:
                return QBrush(QColor(STATUS_COLOURS.get(c.status, "#000")))
            if col == END_COL and c.duty_overdue(now):
                return QBrush(QColor(OVERDUE))
            if col == POSITION_COL:
                age = position_age(c, now)
                if age is None or age > STALE_AFTER_S:
                    return QBrush(QColor("#c62828"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == POSITION_COL and (position_age(c, now) or 1e9) > STALE_AFTER_S:
                return "Position de plus de 2 minutes : à vérifier"
            if col == END_COL and c.duty_overdue(now):
                return "Fin de service prévue dépassée : relever l'équipage ou prolonger (Ctrl+K)"
            if col == 1:
                return c.kind_label
            if col in (0, 3) and c.names:
                return "Agents : " + ", ".join(c.names)
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
        if crew is None or self.ctx.read_only_reason:
            return []
        room = self.ctx.room
        out: list[tuple[str, Any]] = []
        if crew.status == CrewStatus.ENGAGE:
            out.append(("Sur les lieux", lambda: ops.crew_on_scene(room, call_sign)))
        if crew.status in ENGAGED:
            out.append(("Dégager (retour disponible)", lambda: ops.release(room, call_sign)))
        for status in (CrewStatus.DISPONIBLE, CrewStatus.INDISPONIBLE, CrewStatus.HORS_SERVICE):
            if crew.status != status and not (
                status == CrewStatus.DISPONIBLE and crew.status in ENGAGED
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
        if not self.ctx.read_only_reason:
            menu.addSeparator()
            menu.addAction(self.actions_by_name["compose"])
            menu.addAction(self.actions_by_name["end"])
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _run(self, command: Any) -> None:
        try:
            command()
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))

    # -- duty -----------------------------------------------------------------------------

    def eventFilter(self, watched: Any, event: Any) -> bool:
        # The list keeps Suppr for itself (ShortcutOverride): the dock's action runs from here.
        if (
            watched is self.view
            and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and event.key() == Qt.Key.Key_Delete
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                self.end_service()
            return True
        return super().eventFilter(watched, event)

    def selected_crew(self) -> Crew | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.ctx.room.state.crews.get(str(index.siblingAtColumn(0).data(KEY_ROLE)))

    def _dialog(self, dialog: QDialog) -> None:
        self.last_dialog = dialog
        dialog.setModal(True)
        dialog.open()

    def take_service(self) -> None:
        from scop.ui.crew_duty import DutyDialog

        if self._refuse_if_readonly():
            return
        self._dialog(DutyDialog(self.ctx.room, None, self))

    def change_composition(self) -> None:
        from scop.ui.crew_duty import DutyDialog

        crew = self.selected_crew()
        if crew is None or self._refuse_if_readonly():
            return
        self._dialog(DutyDialog(self.ctx.room, crew, self))

    def end_service(self) -> None:
        from scop.ui.crew_duty import EndDutyDialog

        crew = self.selected_crew()
        if crew is None or self._refuse_if_readonly():
            return
        self._dialog(EndDutyDialog(self.ctx.room, crew, self))

    def import_roster(self, path: Path | None = None) -> None:
        """Ctrl+I: choose the file, show what it holds (or every problem), import on Entrée."""
        if self._refuse_if_readonly():
            return
        if not isinstance(path, Path):
            name, _ = QFileDialog.getOpenFileName(
                self, "Tableau de service", "", "Tableaux CSV (*.csv);;Tous les fichiers (*)"
            )
            if not name:
                return
            path = Path(name)
        self.import_file(path)

    def import_file(self, path: Path) -> None:
        from scop.ui.crew_duty import RosterReportDialog

        room = self.ctx.room
        room.sync()
        report = read_roster_file(path, room.state, local(room.clock.now()).date())
        dialog = RosterReportDialog(report, self)

        def accepted() -> None:
            try:
                import_roster(room, report)
            except CommandRefused as exc:
                self.ctx.notices.warning(str(exc))
                return
            self.ctx.notices.info(f"Tableau importé : {report.summary()}")

        if report.ok:
            dialog.accepted.connect(accepted)
        self._dialog(dialog)

    def _refuse_if_readonly(self) -> bool:
        if reason := self.ctx.read_only_reason:
            self.ctx.notices.warning(f"{reason} Aucune action n'est possible ici.")
            return True
        return False

    def teardown(self) -> None:
        self._ages.stop()
        self._pulser.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self._refresh)
