"""« Sécurité des équipages »: the crews whose timer asks for a « point de situation », with
one key per outcome, the escalations for the chief, the hazard flags, and the room's
thresholds with their reasons.

The watch that asks for checks runs here, on the room's injected clock: every few seconds
it appends the checks the clock has made due (under the identity « Veille sécurité »); the
command refuses to ask twice, whichever console asked first.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.geo import addresses
from scop.geo.addresses import AddressNotFound
from scop.models import fold_safety as ks
from scop.models.describe import describe
from scop.models.entities import CREW_STATUSES
from scop.models.fold_safety import DEFAULT_SETTINGS, settings_of
from scop.room import Change, CommandRefused
from scop.safety import commands as sc
from scop.safety.places import active_hazards
from scop.safety.watch import CrewTimer, crew_timer, format_duration, watch_of
from scop.ui.context import UiContext
from scop.ui.crew_duty import error_label
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel
from scop.ui.qt_models.rows import read_only_rows

log = logging.getLogger(__name__)

WATCH_MS = 5000
PULSE_MS = 600
LEVEL_COLOURS = {"ok": "#2e7d32", "check": "#ef6c00", "red": "#b71c1c"}
PULSE_BACKGROUNDS = {"check": "#ffe0b2", "red": "#ffcdd2"}
HEADERS = ("Indicatif", "Statut", "Depuis", "Sans contact", "Sans réponse", "À faire")
OUTCOME_KEYS = (
    ("contact_ok", Qt.Key.Key_F6),
    ("sans_reponse", Qt.Key.Key_F7),
    ("renfort", Qt.Key.Key_F8),
)


def needs_attention(t: CrewTimer) -> bool:
    return t.level != "ok" or t.unconfirmed_s is not None or t.check_pending


def todo_text(t: CrewTimer, reason: str) -> str:
    if t.escalated:
        return "ESCALADÉ au chef de salle"
    if t.check_pending:
        return f"Point de situation : {ks.CHECK_REASONS.get(reason, reason)}"
    if t.unconfirmed_s is not None:
        return f"Engagement non confirmé ({format_duration(t.unconfirmed_s)})"
    return "Seuil dépassé"


class SafetyDock(ScopDock):
    dock_id = "safety"
    title = "Sécurité des équipages"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._pulse = False
        self.model = KeyedTableModel(
            HEADERS, key=lambda t: t.call_sign, cell=self._cell, parent=self
        )
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)

        checks = QWidget()
        cl = QVBoxLayout(checks)
        cl.setContentsMargins(0, 0, 0, 0)
        self.view = QTableView()
        self.view.setObjectName("safety_checks")
        self.view.setModel(self.model)
        read_only_rows(self.view)
        self.view.horizontalHeader().setStretchLastSection(True)
        cl.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.outcome_buttons: dict[str, QPushButton] = {}
        self.outcome_actions: dict[str, QAction] = {}
        for outcome, key in OUTCOME_KEYS:
            label = ks.CHECK_OUTCOMES[outcome]
            key_name = QKeySequence(key).toString()
            b = QPushButton(f"{label} ({key_name})")
            b.clicked.connect(lambda _=False, o=outcome: self.record_outcome(o))
            row.addWidget(b)
            self.outcome_buttons[outcome] = b
            act = QAction(f"Point de situation : {label.lower()}", self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.triggered.connect(lambda _=False, o=outcome: self.record_outcome(o))
            self.outcome_actions[outcome] = act
        self.danger_button = QPushButton("AGENT EN DANGER (F9)")
        self.danger_button.setStyleSheet("background:#b71c1c; color:white; font-weight:bold;")
        self.danger_button.clicked.connect(self.raise_danger)
        row.addStretch(1)
        row.addWidget(self.danger_button)
        cl.addLayout(row)
        self.escalations = QLabel()
        self.escalations.setObjectName("safety_escalations")
        self.escalations.setWordWrap(True)
        self.escalations.setStyleSheet("color:#b71c1c; font-weight:bold;")
        cl.addWidget(self.escalations)
        self.tabs.addTab(checks, "Points de situation")

        hz = QWidget()
        hl = QVBoxLayout(hz)
        hl.setContentsMargins(0, 0, 0, 0)
        self.hazard_table = QTableWidget(0, 5)
        self.hazard_table.setObjectName("safety_hazards")
        self.hazard_table.setHorizontalHeaderLabels(
            ("N°", "Catégorie", "Lieu", "Description", "Jusqu'au")
        )
        self.hazard_table.verticalHeader().setVisible(False)
        self.hazard_table.horizontalHeader().setStretchLastSection(True)
        self.hazard_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hazard_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        hl.addWidget(self.hazard_table, 1)
        note = QLabel(
            "Données personnelles : un signalement décrit un lieu, jamais une personne ; "
            "il expire (6 mois par défaut) et reste dans la main courante."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color:#555;")
        hl.addWidget(note)
        hrow = QHBoxLayout()
        self.hazard_button = QPushButton("Signaler un danger sur un lieu…")
        self.lift_button = QPushButton("Lever le signalement…")
        self.hazard_button.clicked.connect(self.ask_hazard)
        self.lift_button.clicked.connect(self.ask_lift)
        hrow.addWidget(self.hazard_button)
        hrow.addWidget(self.lift_button)
        hrow.addStretch(1)
        hl.addLayout(hrow)
        self.tabs.addTab(hz, "Dangers signalés")

        self.settings_table = QTableWidget(0, 4)
        self.settings_table.setObjectName("safety_settings")
        self.settings_table.setHorizontalHeaderLabels(("Seuil", "Valeur", "Par défaut", "Pourquoi"))
        self.settings_table.verticalHeader().setVisible(False)
        self.settings_table.horizontalHeader().setStretchLastSection(True)
        self.settings_table.setWordWrap(True)
        for col, width in enumerate((300, 80, 80)):
            self.settings_table.setColumnWidth(col, width)
        sw = QWidget()
        sl = QVBoxLayout(sw)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.settings_table, 1)
        self.settings_button = QPushButton("Modifier les seuils de la salle…")
        self.settings_button.clicked.connect(self.ask_settings)
        sl.addWidget(self.settings_button)
        self.tabs.addTab(sw, "Seuils de la salle")
        self.set_content(w)

        self.danger_action = QAction("Agent en danger (équipage sélectionné)", self)
        self.danger_action.setShortcut(QKeySequence(Qt.Key.Key_F9))
        self.danger_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.danger_action.triggered.connect(self.raise_danger)
        self.addAction(self.danger_action)
        for act in self.outcome_actions.values():
            self.addAction(act)
        self.menu_actions = [self.danger_action, *self.outcome_actions.values()]

        chief = ctx.room.operator.role == "chief"
        readonly = ctx.room.store.readonly
        self.hazard_button.setEnabled(chief and not readonly)
        self.lift_button.setEnabled(chief and not readonly)
        self.settings_button.setEnabled(chief and not readonly)
        for b in (*self.outcome_buttons.values(), self.danger_button):
            b.setEnabled(not readonly)

        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        self._watch = QTimer(self)
        self._watch.timeout.connect(self.tick)
        self._watch.start(WATCH_MS)
        self._pulser = QTimer(self)
        self._pulser.timeout.connect(self._toggle_pulse)
        self._pulser.start(PULSE_MS)
        self.refresh()

    # -- table ----------------------------------------------------------------------------

    def _cell(self, t: CrewTimer, col: int, role: int) -> Any:
        w = watch_of(self.ctx.room.state, t.call_sign)
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if col == 0:
                return t.call_sign
            if col == 1:
                return CREW_STATUSES.get(t.status, t.status)
            if col == 2:
                return t.label if role == Qt.ItemDataRole.DisplayRole else t.in_status_s
            if col == 3:
                return format_duration(t.since_contact_s)
            if col == 4:
                return str(t.no_answer) if t.no_answer else ""
            return todo_text(t, w.check_reason or t.reason)
        if role == Qt.ItemDataRole.ForegroundRole and col in (2, 3, 5):
            return QBrush(QColor(LEVEL_COLOURS[t.level]))
        if role == Qt.ItemDataRole.BackgroundRole and self._pulse and t.level != "ok":
            return QBrush(QColor(PULSE_BACKGROUNDS[t.level]))
        return None

    def timers(self) -> list[CrewTimer]:
        st, now = self.ctx.room.state, self.ctx.room.clock.now()
        out = [crew_timer(st, c, now) for c in st.crews.values()]
        out = [t for t in out if needs_attention(t)]
        rank = {"red": 0, "check": 1, "ok": 2}
        out.sort(key=lambda t: (rank[t.level], -t.since_contact_s, t.call_sign))
        return out

    def refresh(self) -> None:
        self.model.set_items(self.timers())
        self._refresh_escalations()
        self._refresh_hazards()
        self._refresh_settings()

    def _toggle_pulse(self) -> None:
        self._pulse = not self._pulse
        if self.model.rowCount():
            self.model.refresh_all()

    def _refresh_escalations(self) -> None:
        st = self.ctx.room.state
        lines = []
        for w in st.crew_watch.values():
            if isinstance(w, ks.CrewWatch) and w.escalated_at is not None:
                lines.append(
                    f"⚠ {w.call_sign} : escalade à {local(w.escalated_at):%H:%M} — "
                    "chef de salle alerté (équipages les plus proches dans la main courante)"
                )
        self.escalations.setText("<br>".join(lines))
        self.escalations.setVisible(bool(lines))

    def _refresh_hazards(self) -> None:
        hazards = active_hazards(self.ctx.room.state, self.ctx.room.clock.now())
        self.hazard_table.setRowCount(len(hazards))
        for r, h in enumerate(hazards):
            where = h.address or f"{h.lat:.5f}, {h.lon:.5f}"
            for c, text in enumerate(
                (h.id, h.category_label, where, h.text, f"{local(h.expires_at):%d/%m/%Y}")
            ):
                self.hazard_table.setItem(r, c, QTableWidgetItem(text))

    def _refresh_settings(self) -> None:
        s = settings_of(self.ctx.room.state)
        names = [f.name for f in fields(s)]
        self.settings_table.setRowCount(len(names))
        for r, name in enumerate(names):
            value, default = getattr(s, name), getattr(DEFAULT_SETTINGS, name)
            cells = (
                ks.SETTING_LABELS.get(name, name),
                _fmt(value),
                _fmt(default),
                ks.SETTING_REASONS.get(name, ""),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.settings_table.setItem(r, c, item)
        self.settings_table.resizeRowsToContents()

    def _on_current(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            self.ctx.selection.select_crew(str(current.data(KEY_ROLE)))

    def _on_change(self, change: Change) -> None:
        self.refresh()
        for e in change.entries:
            if e.kind == ks.CHECK_DUE:
                reason = ks.CHECK_REASONS.get(str(e.payload.get("reason")), "")
                self.ctx.notices.warning(
                    f"Point de situation à faire : {e.payload.get('call_sign')} ({reason}) — "
                    "F6 contact OK, F7 sans réponse, F8 renfort demandé"
                )
            elif e.kind == ks.ESCALATED:
                text = f"ESCALADE — {describe(e)}"
                if self.ctx.room.operator.role == "chief":
                    self.ctx.notices.error(text)
                else:
                    self.ctx.notices.warning(text)

    # -- commands ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Ask for the checks the clock has made due, then redraw the timers."""
        room = self.ctx.room
        now = room.clock.now()
        # the write lock only when this console's state says something is due; the decision
        # then runs again at the journal's head, where another console may have asked first
        if not room.store.readonly and sc.due_checks(room.state, now, sc.SAFETY_WATCH):
            try:
                sc.run_as(room, sc.SAFETY_WATCH, sc.due_checks)
            except CommandRefused:
                pass
            except Exception:  # a database hiccup: the next tick retries
                log.exception("veille sécurité : points de situation non enregistrés")
        self.refresh()

    def target(self) -> str | None:
        """The crew a key acts on: the row selected here, else the oldest check asked."""
        idx = self.view.currentIndex()
        if idx.isValid():
            return str(idx.data(KEY_ROLE))
        pending = [t for t in self.timers() if t.check_pending]
        return pending[0].call_sign if pending else None

    def record_outcome(self, outcome: str, call_sign: str | None = None) -> bool:
        call_sign = call_sign or self.target()
        if call_sign is None:
            self.ctx.notices.warning("Aucun point de situation en attente.")
            return False
        try:
            sc.run(self.ctx.room, sc.check_outcome, call_sign, outcome)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        self.ctx.notices.info(f"{call_sign} : {ks.CHECK_OUTCOMES[outcome].lower()}")
        self.refresh()
        return True

    def raise_danger(self, call_sign: str | None = None) -> bool:
        """From a radio call: the operator raises the alert for the selected crew."""
        call_sign = call_sign if isinstance(call_sign, str) else self.ctx.selection.call_sign
        if not call_sign:
            self.ctx.notices.warning(
                "Agent en danger : sélectionnez d'abord l'équipage (liste ou carte), puis F9."
            )
            return False
        try:
            sc.run(self.ctx.room, sc.raise_danger, call_sign, via="operateur")
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        return True

    def ask_hazard(self) -> None:
        dialog = HazardDialog(self.ctx, self)
        dialog.open()
        self.hazard_dialog = dialog

    def ask_lift(self) -> None:
        row = self.hazard_table.currentRow()
        item = self.hazard_table.item(row, 0) if row >= 0 else None
        if item is None:
            self.ctx.notices.warning("Choisissez d'abord un signalement.")
            return
        reason, ok = QInputDialog.getText(self, "Lever le signalement", "Motif :")
        if ok:
            try:
                sc.run(self.ctx.room, sc.lift_hazard, item.text(), reason)
            except CommandRefused as exc:
                self.ctx.notices.warning(str(exc))

    def ask_settings(self) -> None:
        dialog = SettingsDialog(self.ctx, self)
        dialog.open()
        self.settings_dialog = dialog

    def teardown(self) -> None:
        self._watch.stop()
        self._pulser.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class HazardDialog(QDialog):
    """The chief flags a place: a factual category, a short text, an address or the selected
    event's point, an expiry."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Signaler un danger sur un lieu")
        self.category = QComboBox()
        for code, label in ks.HAZARD_CATEGORIES.items():
            self.category.addItem(label, code)
        self.text = QLineEdit(placeholderText="Faits, sans nom ni identité de personne")
        self.address = QLineEdit(placeholderText="Adresse (ou cochez le point de l'événement)")
        self.at_event = QCheckBox("Au point de l'événement sélectionné")
        ev = ctx.room.state.events.get(ctx.selection.event_id or "")
        self.at_event.setEnabled(ev is not None and ev.lon is not None)
        self.at_event.setChecked(self.at_event.isEnabled())
        self.days = QDoubleSpinBox()
        self.days.setRange(1, 366)
        self.days.setDecimals(0)
        self.days.setValue(settings_of(ctx.room.state).hazard_expiry_days)
        self.days.setSuffix(" jours")
        self.error = error_label()
        form = QFormLayout(self)
        form.addRow("Catégorie", self.category)
        form.addRow("Description", self.text)
        form.addRow("Adresse", self.address)
        form.addRow("", self.at_event)
        form.addRow("Durée", self.days)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        lon = lat = None
        address = self.address.text().strip()
        ev = self.ctx.room.state.events.get(self.ctx.selection.event_id or "")
        if self.at_event.isChecked() and ev is not None:
            lon, lat, address = ev.lon, ev.lat, address or ev.address
        elif address:
            try:
                index = addresses.loaded_index() or addresses.get_index()
                found = index.geocode(address)
                lon, lat, address = found.lon, found.lat, found.label
            except AddressNotFound as exc:
                self.error.setText(str(exc))
                self.error.show()
                return
        try:
            sc.run(
                self.ctx.room,
                sc.record_hazard,
                category=str(self.category.currentData()),
                text=self.text.text(),
                address=address,
                lon=lon,
                lat=lat,
                days=self.days.value(),
            )
        except CommandRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class SettingsDialog(QDialog):
    """The chief's thresholds for this room; each default's reason stands beside it."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Seuils de sécurité de la salle")
        s = settings_of(ctx.room.state)
        form = QFormLayout(self)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for f in fields(s):
            value = getattr(s, f.name)
            if isinstance(value, tuple):
                continue
            spin = QDoubleSpinBox()
            spin.setRange(0.5, 100_000)
            spin.setDecimals(1)
            spin.setValue(float(value))
            spin.setToolTip(ks.SETTING_REASONS.get(f.name, ""))
            self.spins[f.name] = spin
            form.addRow(ks.SETTING_LABELS.get(f.name, f.name), spin)
        self.risky = QLineEdit(", ".join(s.risky_categories))
        self.risky.setToolTip(ks.SETTING_REASONS["risky_categories"])
        form.addRow(ks.SETTING_LABELS["risky_categories"], self.risky)
        self.error = error_label()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        values: dict[str, Any] = {k: spin.value() for k, spin in self.spins.items()}
        values["risky_categories"] = [c.strip() for c in self.risky.text().split(",") if c.strip()]
        try:
            sc.run(self.ctx.room, sc.change_settings, values)
        except CommandRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
