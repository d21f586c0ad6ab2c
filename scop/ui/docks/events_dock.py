"""The events being handled: sortable, filterable, coloured by gravity and age; the entry
point of the intake (F2, the button, or a right-click on the map)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
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


PIN_STYLE = (
    "#pinBanner { background:#e3f2fd; border:1px solid #1565c0; border-radius:3px; }"
    " #pinBanner QLabel { color:#0d47a1; }"
)


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class ElidedLabel(QLabel):
    """One line cut with « … » at the width it is given, the whole text in its tooltip: it
    never widens the dock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width()))


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
        # The dashboard's selection filter: only these events are listed until « Tout
        # afficher »; the events that existed when it was set (what arrives later is counted
        # on the banner, not slipped into the list); the filters to give back afterwards.
        self.pinned: frozenset[str] | None = None
        self._pinned_known: frozenset[str] = frozenset()
        self._filters_before: tuple[str, int, int] | None = None
        self._pin_origin = ""

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
        self.pin_banner = QFrame()
        self.pin_banner.setObjectName("pinBanner")
        self.pin_banner.setStyleSheet(PIN_STYLE)
        pin = QHBoxLayout(self.pin_banner)
        pin.setContentsMargins(6, 2, 2, 2)
        # What is shown and what arrived since come first, whole; which bar it was may be
        # cut (its tooltip has it all).
        self.pin_label = QLabel()
        self.pin_news = QLabel()
        self.pin_news.setStyleSheet("color:#c62828; font-weight:bold;")
        self.pin_origin = ElidedLabel()
        self.show_all_button = QPushButton("Tout afficher (Échap)")
        self.show_all_button.setToolTip(
            "Revenir à la liste entière, avec les filtres d'avant le clic "
            "(changer un filtre y revient aussi, avec ce filtre)"
        )
        pin.addWidget(self.pin_label)
        pin.addWidget(self.pin_news)
        pin.addWidget(self.pin_origin, 1)
        pin.addWidget(self.show_all_button)
        self.pin_banner.hide()
        lay.addWidget(self.pin_banner)
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

        self.search.textChanged.connect(self._search_changed)
        self.status_box.currentIndexChanged.connect(self._filters_changed)
        self.gravity_box.currentIndexChanged.connect(self._filters_changed)
        self.show_all_button.clicked.connect(self.show_all)
        self.show_all_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), w)
        self.show_all_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.show_all_shortcut.setEnabled(False)
        self.show_all_shortcut.activated.connect(self.show_all)
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
        events = self.ctx.room.state.events
        if self.pinned is not None:
            return [e for e in events.values() if e.id in self.pinned]
        statuses = self.status_box.currentData() or ()
        min_gravity = int(self.gravity_box.currentData() or 1)
        return [e for e in events.values() if e.status in statuses and e.gravity >= min_gravity]

    def _refresh(self) -> None:
        # Rows leaving the list (an event closed) move the current row: that is not the
        # operator choosing another event, so it must not change the shared selection.
        self._refreshing = True
        try:
            self.model.set_items(self.visible_events())
        finally:
            self._refreshing = False
        if self.pinned is not None:
            self._show_banner()

    def _search_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._filters_changed()

    def _filters_changed(self) -> None:
        """The operator changed a filter: the list follows the filter bar as it reads now,
        and the dashboard's selection filter ends (its banner goes)."""
        self._unpin()
        self._refresh()

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

    def select_events(self, event_ids: list[str], origin: str = "") -> int:
        """Show only these events, selected (a bar or a bin of the dashboard, ``origin``
        saying which), until « Tout afficher » or Échap gives back the list with the filters
        it had before; returns how many are listed. A chief who clicks « 25 événements
        entre 14 h et 15 h » asks to see those 25, not to find them among 200: the filter
        bar is widened (« Tous », every gravity, no search) so that it does not contradict
        the list, and a blue banner over the table says what is shown. A new click replaces
        the selection; changing a filter ends it, with the filter bar as it then reads."""
        if self.pinned is None:
            self._filters_before = (
                self.search.text(),
                self.status_box.currentIndex(),
                self.gravity_box.currentIndex(),
            )
        self.pinned = frozenset(event_ids)
        self._pinned_known = frozenset(self.ctx.room.state.events)
        self._pin_origin = origin
        self._set_filters("", self.status_box.findText("Tous"), 0)
        self.show_all_shortcut.setEnabled(True)
        self._refresh()
        self.pin_banner.show()
        if self.isHidden():
            self.show()
        self.raise_()  # tabbed behind the map (chief's layout): the click shows the list
        return self._select_rows(event_ids)

    def show_all(self) -> None:
        """The whole list again, with the filters of before the dashboard's click; the
        events it showed stay selected (those the filters let through)."""
        if self.pinned is None:
            return
        ids = [i for i in self.pinned if self.model.row_of(i) is not None]
        before = self._filters_before
        self._unpin()
        if before is not None:
            self._set_filters(*before)
        self._refresh()
        self._select_rows(ids)

    def _unpin(self) -> None:
        self.pinned = None
        self._filters_before = None
        self._pinned_known = frozenset()
        self.pin_banner.hide()
        self.show_all_shortcut.setEnabled(False)

    def _set_filters(self, search: str, status: int, gravity: int) -> None:
        """Set the filter bar without it counting as the operator's change."""
        for widget in (self.search, self.status_box, self.gravity_box):
            widget.blockSignals(True)
        try:
            self.search.setText(search)
            self.proxy.setFilterFixedString(search)
            self.status_box.setCurrentIndex(status)
            self.gravity_box.setCurrentIndex(gravity)
        finally:
            for widget in (self.search, self.status_box, self.gravity_box):
                widget.blockSignals(False)

    def _show_banner(self) -> None:
        shown = plural(self.model.rowCount(), "événement", "événements")
        self.pin_label.setText(f"<b>Sélection du tableau de bord</b> : {shown}")
        arrived = len(set(self.ctx.room.state.events) - self._pinned_known)
        news = plural(arrived, "nouvel événement", "nouveaux événements")
        self.pin_news.setText(f"· {news} hors sélection")
        self.pin_news.setVisible(bool(arrived))
        self.pin_origin.set_full_text(f"— {self._pin_origin}" if self._pin_origin else "")
        self.pin_label.setToolTip(
            "Tout afficher (ou Échap) : la liste entière, avec les filtres d'avant le clic."
        )

    def _select_rows(self, event_ids: list[str]) -> int:
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
