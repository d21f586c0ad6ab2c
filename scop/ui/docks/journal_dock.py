"""The main courante: every entry, filterable, writable from the keyboard alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models.describe import describe, kind_label
from scop.models.entries import ROLES, SOURCES, Entry
from scop.room import Change, CommandRefused
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.paris_time import from_qt, paris_edit, to_qt
from scop.ui.qt_models.rows import read_only_rows

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 10
POSITION_ROLE = Qt.ItemDataRole.UserRole + 11

COLUMNS = ("N°", "Heure", "Auteur", "Source", "Type", "Texte")
Index = QModelIndex | QPersistentModelIndex


class JournalModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[Entry] = []
        self._texts: list[str] = []
        self._corrected_by: dict[int, int] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self._entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(e.position)
            if col == 1:
                return local(e.ts).strftime("%d/%m %H:%M:%S")
            if col == 2:
                return f"{e.author} ({ROLES.get(e.role, e.role)})"
            if col == 3:
                return SOURCES.get(e.source, e.source)
            if col == 4:
                return kind_label(e.kind)
            text = self._texts[index.row()]
            if e.position in self._corrected_by:
                text += f"   [corrigée par n° {self._corrected_by[e.position]}]"
            return text
        if role == ENTRY_ROLE:
            return e
        if role == POSITION_ROLE:
            return e.position
        if role == Qt.ItemDataRole.ToolTipRole and col == 5:
            return self._texts[index.row()]
        if role == Qt.ItemDataRole.FontRole and e.position in self._corrected_by:
            f = QFont()
            f.setStrikeOut(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole:
            if e.position in self._corrected_by:
                return QBrush(QColor("#888888"))
            if e.kind == "log.correction":
                return QBrush(QColor("#1f5fbf"))
        if role == Qt.ItemDataRole.BackgroundRole and e.source == "pp":
            return QBrush(QColor("#fff3cd"))
        return None

    def entry(self, row: int) -> Entry:
        return self._entries[row]

    def row_of(self, position: int) -> int | None:
        """Entries arrive in journal order: positions are found by bisection."""
        lo, hi = 0, len(self._entries)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._entries[mid].position < position:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self._entries) and self._entries[lo].position == position else None

    def text_of(self, row: int) -> str:
        return self._texts[row]

    def last_row(self, author: str) -> int | None:
        """The last entry this person wrote that is not a correction, else the last one."""
        for row in range(len(self._entries) - 1, -1, -1):
            e = self._entries[row]
            if e.author == author and e.kind not in ("log.correction", "session.login"):
                return row
        return len(self._entries) - 1 if self._entries else None

    def reset_entries(self, entries: list[Entry]) -> None:
        """Replace everything (replay seek): the only place the model resets."""
        self.beginResetModel()
        self._entries = list(entries)
        self._texts = [describe(e) for e in self._entries]
        self._corrected_by = {
            int(e.payload["corrects"]): e.position
            for e in self._entries
            if e.kind == "log.correction"
        }
        self.endResetModel()

    def append_entries(self, entries: list[Entry]) -> None:
        if not entries:
            return
        start = len(self._entries)
        self.beginInsertRows(QModelIndex(), start, start + len(entries) - 1)
        self._entries.extend(entries)
        self._texts.extend(describe(e) for e in entries)
        self.endInsertRows()
        by_pos = {e.position: i for i, e in enumerate(self._entries)}
        for e in entries:
            if e.kind == "log.correction":
                corrected = int(e.payload["corrects"])
                self._corrected_by[corrected] = e.position
                row = by_pos.get(corrected)
                if row is not None:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def kinds(self) -> list[str]:
        return sorted({e.kind for e in self._entries}, key=kind_label)


class JournalFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.kind: str | None = None
        self.source: str | None = None
        self.since: datetime | None = None
        self.until: datetime | None = None

    def set_filters(
        self,
        *,
        text: str = "",
        kind: str | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        self.beginFilterChange()
        self.text, self.kind, self.source = text.casefold().strip(), kind, source
        self.since, self.until = since, until
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, JournalModel)
        e = model.entry(source_row)
        if self.kind and e.kind != self.kind:
            return False
        if self.source and e.source != self.source:
            return False
        if self.since and e.ts < self.since:
            return False
        if self.until and e.ts > self.until:
            return False
        if self.text:
            hay = " ".join(
                (
                    model._texts[source_row],
                    e.author,
                    str(e.position),
                    kind_label(e.kind),
                    SOURCES.get(e.source, ""),
                )
            ).casefold()
            return all(word in hay for word in self.text.split())
        return True


TIME_RANGES = (
    ("Toute la main courante", None),
    ("Dernière heure", 1),
    ("6 dernières heures", 6),
    ("24 dernières heures", 24),
    ("Plage horaire…", -1),
)


class JournalDock(ScopDock):
    dock_id = "journal"
    title = "Main courante"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = JournalModel(self)
        self.proxy = JournalFilter(self)
        self.proxy.setSourceModel(self.model)
        self._correcting: int | None = None

        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Rechercher dans la main courante…")
        self.search.setClearButtonEnabled(True)
        self.kind_box = QComboBox()
        self.kind_box.addItem("Tous types", None)
        self.source_box = QComboBox()
        self.source_box.addItem("Toutes sources", None)
        for code, label in SOURCES.items():
            self.source_box.addItem(label, code)
        self.range_box = QComboBox()
        for label, hours in TIME_RANGES:
            self.range_box.addItem(label, hours)
        # Paris time as the journal's rows, whatever the workstation's zone.
        self.from_edit = paris_edit(QDateTimeEdit(calendarPopup=True, displayFormat="dd/MM HH:mm"))
        self.to_edit = paris_edit(QDateTimeEdit(calendarPopup=True, displayFormat="dd/MM HH:mm"))
        for ed in (self.from_edit, self.to_edit):
            ed.setVisible(False)
        for box in (self.kind_box, self.source_box, self.range_box):
            # sized by a few letters, not by their longest item: the bar fits a 1366 screen
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(9)
        for widget in (
            self.search,
            self.kind_box,
            self.source_box,
            self.range_box,
            self.from_edit,
            self.to_edit,
        ):
            bar.addWidget(widget, 3 if widget is self.search else 1)
        lay.addLayout(bar)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        read_only_rows(self.view)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        hh = self.view.horizontalHeader()
        for col, width in enumerate((52, 110, 170, 130, 170)):
            self.view.setColumnWidth(col, width)
        hh.setStretchLastSection(True)
        hh.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        lay.addWidget(self.view, 1)

        entry_row = QHBoxLayout()
        self.entry_label = QLabel("Nouvelle entrée :")
        self.entry = QLineEdit(
            placeholderText="Saisir puis Entrée (Ctrl+E pour venir ici, "
            "Ctrl+R pour corriger l'entrée sélectionnée ou votre dernière entrée)"
        )
        self.entry.setMaxLength(2000)
        entry_row.addWidget(self.entry_label)
        entry_row.addWidget(self.entry, 1)
        # A note written while an event is selected is offered to that event's Historique.
        self.attach_box = QCheckBox()
        self.attach_box.setVisible(False)
        entry_row.addWidget(self.attach_box)
        lay.addLayout(entry_row)
        self.set_content(w)

        self.focus_action = QAction("Nouvelle entrée de main courante", self)
        self.focus_action.setShortcut(QKeySequence("Ctrl+E"))
        self.focus_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.focus_action.triggered.connect(self.focus_entry)
        self.correct_action = QAction("Corriger l'entrée sélectionnée (sinon votre dernière)", self)
        self.correct_action.setShortcut(QKeySequence("Ctrl+R"))
        self.correct_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.correct_action.triggered.connect(self.start_correction)
        self.addAction(self.focus_action)
        self.addAction(self.correct_action)
        if reason := ctx.read_only_reason:
            for action in (self.focus_action, self.correct_action):
                action.setEnabled(False)
                action.setToolTip(reason)
            self.entry.setEnabled(False)
            self.entry.setPlaceholderText(reason)
            self.entry.setToolTip(reason)

        self.search.textChanged.connect(self.apply_filters)
        self.kind_box.currentIndexChanged.connect(self.apply_filters)
        self.source_box.currentIndexChanged.connect(self.apply_filters)
        self.range_box.currentIndexChanged.connect(self.apply_filters)
        self.from_edit.dateTimeChanged.connect(self.apply_filters)
        self.to_edit.dateTimeChanged.connect(self.apply_filters)
        self.entry.returnPressed.connect(self.submit)
        self.view.customContextMenuRequested.connect(self._context_menu)
        ctx.bridge.changed.connect(self.on_change)
        ctx.bridge.reset.connect(self.reload)
        ctx.selection.event_selected.connect(self._offer_attach)
        self.reload()
        if ctx.selection.event_id:
            self._offer_attach(ctx.selection.event_id)

    # -- data ------------------------------------------------------------------------------

    def reload(self) -> None:
        room = self.ctx.room
        self.model.reset_entries(room.store.read(limit=room.state.position))
        self._refresh_kinds()
        self.view.scrollToBottom()

    def on_change(self, change: Change) -> None:
        if not change.entries:
            return
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        keep = bar.value()
        self.model.append_entries(list(change.entries))
        self._refresh_kinds()
        if at_bottom:
            self.view.scrollToBottom()
        else:
            bar.setValue(keep)  # the operator is reading older entries: do not move them

    def _refresh_kinds(self) -> None:
        current = self.kind_box.currentData()
        known = {self.kind_box.itemData(i) for i in range(1, self.kind_box.count())}
        for kind in self.model.kinds():
            if kind not in known:
                self.kind_box.addItem(kind_label(kind), kind)
        if current is not None:
            self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(current)))

    # -- filters ---------------------------------------------------------------------------

    def apply_filters(self) -> None:
        hours = self.range_box.currentData()
        custom = hours == -1
        self.from_edit.setVisible(custom)
        self.to_edit.setVisible(custom)
        since = until = None
        now = self.ctx.room.clock.now()
        if custom:
            since, until = from_qt(self.from_edit.dateTime()), from_qt(self.to_edit.dateTime())
        elif hours:
            since = now - timedelta(hours=hours)
        self.proxy.set_filters(
            text=self.search.text(),
            kind=self.kind_box.currentData(),
            source=self.source_box.currentData(),
            since=since,
            until=until,
        )

    def set_custom_range(self, since: datetime, until: datetime) -> None:
        self.from_edit.setDateTime(to_qt(since))
        self.to_edit.setDateTime(to_qt(until))
        self.range_box.setCurrentIndex(len(TIME_RANGES) - 1)
        self.apply_filters()

    # -- writing ---------------------------------------------------------------------------

    def focus_entry(self) -> None:
        self.show()
        self.raise_()
        self.entry.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def selected_position(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return int(rows[0].data(POSITION_ROLE)) if rows else None

    def _offer_attach(self, event_id: str) -> None:
        if not event_id or event_id not in self.ctx.room.state.events:
            self.attach_box.setVisible(False)
            return
        self.attach_box.setText(f"Rattacher à {event_id}")
        self.attach_box.setToolTip(
            f"La note figurera aussi dans l'historique de {event_id} (fiche événement)."
        )
        self.attach_box.setChecked(True)
        self.attach_box.setVisible(self._correcting is None and not self.ctx.read_only_reason)

    def attach_target(self) -> str | None:
        if self.attach_box.isVisible() and self.attach_box.isChecked():
            return self.ctx.selection.event_id
        return None

    def start_correction(self) -> None:
        """The selected entry, else the operator's own last one (the selection is hard to
        reach from the keyboard); the field opens with the text being corrected."""
        pos = self.selected_position()
        if pos is None:
            row = self.model.last_row(self.ctx.room.operator.name)
            if row is None:
                self.ctx.notices.warning("La main courante est vide : rien à corriger.")
                return
            pos = self.model.entry(row).position
            self._select_position(pos)
        row = self.model.row_of(pos)
        self._correcting = pos
        self.entry_label.setText(f"Correction de n° {pos} :")
        self.entry_label.setStyleSheet("color: #1f5fbf; font-weight: bold")
        self.attach_box.setVisible(False)
        if row is not None:
            self.entry.setText(self.model.text_of(row))
            self.entry.selectAll()
        self.focus_entry()

    def _select_position(self, pos: int) -> None:
        row = self.model.row_of(pos)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

    def cancel_correction(self) -> None:
        self._correcting = None
        self.entry_label.setText("Nouvelle entrée :")
        self.entry_label.setStyleSheet("")
        if self.ctx.selection.event_id:
            self._offer_attach(self.ctx.selection.event_id)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self._correcting is not None:
            self.cancel_correction()
            self.entry.clear()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.entry.text()
        try:
            if self._correcting is not None:
                self.ctx.room.correct(self._correcting, text)
            else:
                self.ctx.room.note(text, event_id=self.attach_target())
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return
        self.ctx.notices.clear()  # a warning about the last attempt no longer holds
        self.entry.clear()
        self.cancel_correction()
        self.view.clearSelection()
        self.view.scrollToBottom()

    def _context_menu(self, pos: Any) -> None:
        if not self.view.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addAction(self.correct_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def teardown(self) -> None:
        self.ctx.bridge.changed.disconnect(self.on_change)
        self.ctx.bridge.reset.disconnect(self.reload)
        self.ctx.selection.event_selected.disconnect(self._offer_attach)
