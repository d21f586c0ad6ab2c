"""« Avis de recherche »: bulletins for a missing vulnerable person, a stolen municipal
vehicle, a person or vehicle to look out for. Listed until they expire (on the room's clock)
or are closed; read out to crews and attached to events, each act in the main courante."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.models import fold_safety as ks
from scop.models.fold_safety import Lookout, settings_of
from scop.room import Change, CommandRefused
from scop.safety import commands as sc
from scop.safety.places import active_lookouts
from scop.ui.context import UiContext
from scop.ui.crew_duty import error_label
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.keyed_table import KEY_ROLE, SORT_ROLE, KeyedTableModel
from scop.ui.qt_models.rows import read_only_rows

HEADERS = ("N°", "Type", "Priorité", "Description", "Photo", "Jusqu'au", "Lu", "Événements")
EXPIRY_CHECK_MS = 30_000
PRIORITY_COLOURS = {1: "#b71c1c", 2: "#ef6c00", 3: "#555555"}


class LookoutsDock(ScopDock):
    dock_id = "lookouts"
    title = "Avis de recherche"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = KeyedTableModel(HEADERS, key=lambda lo: lo.id, cell=self._cell, parent=self)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        self.view = QTableView()
        self.view.setObjectName("lookouts_table")
        self.view.setModel(self.model)
        read_only_rows(self.view)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(True)
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.new_button = QPushButton("Nouvel avis…")
        self.read_button = QPushButton("Lu aux équipages")
        self.attach_button = QPushButton("Rattacher à l'événement sélectionné")
        self.close_button = QPushButton("Clore…")
        for b in (self.new_button, self.read_button, self.attach_button, self.close_button):
            row.addWidget(b)
            b.setEnabled(not ctx.room.store.readonly)
        row.addStretch(1)
        lay.addLayout(row)
        self.set_content(w)

        self.new_button.clicked.connect(self.ask_new)
        self.read_button.clicked.connect(lambda: self._on_selected(sc.read_lookout))
        self.attach_button.clicked.connect(self.attach_to_selected_event)
        self.close_button.clicked.connect(self.ask_close)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        self._expiry = QTimer(self)
        self._expiry.timeout.connect(self.refresh)
        self._expiry.start(EXPIRY_CHECK_MS)
        self.refresh()

    def _cell(self, lo: Lookout, col: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            values = (
                lo.id,
                lo.type_label,
                lo.priority_label,
                lo.description,
                Path(lo.photo).name if lo.photo else "",
                f"{local(lo.expires_at):%d/%m %H:%M}",
                str(lo.reads) if lo.reads else "",
                ", ".join(lo.events),
            )
            return values[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return QBrush(QColor(PRIORITY_COLOURS.get(lo.priority, "#000")))
        if role == Qt.ItemDataRole.ToolTipRole and col == 4 and lo.photo:
            return lo.photo
        return None

    def lookouts(self) -> list[Lookout]:
        return active_lookouts(self.ctx.room.state, self.ctx.room.clock.now())

    def refresh(self) -> None:
        self.model.set_items(self.lookouts())

    def _on_change(self, change: Change) -> None:
        if any(e.kind.startswith("lookout.") for e in change.entries):
            self.refresh()

    def selected_id(self) -> str | None:
        idx = self.view.currentIndex()
        return str(idx.data(KEY_ROLE)) if idx.isValid() else None

    def _run(self, command: Any, *args: Any, **kwargs: Any) -> bool:
        try:
            sc.run(self.ctx.room, command, *args, **kwargs)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return False
        self.refresh()
        return True

    def _on_selected(self, command: Any, *args: Any) -> bool:
        lid = self.selected_id()
        if lid is None:
            self.ctx.notices.warning("Choisissez d'abord un avis de recherche.")
            return False
        return self._run(command, lid, *args)

    def attach_to_selected_event(self) -> bool:
        event_id = self.ctx.selection.event_id
        if not event_id:
            self.ctx.notices.warning("Sélectionnez d'abord l'événement (liste ou carte).")
            return False
        return self._on_selected(sc.attach_lookout, event_id)

    def ask_close(self) -> None:
        if self.selected_id() is None:
            self.ctx.notices.warning("Choisissez d'abord un avis de recherche.")
            return
        reason, ok = QInputDialog.getText(self, "Clore l'avis", "Motif (retrouvé, annulé…) :")
        if ok:
            self._on_selected(sc.close_lookout, reason)

    def ask_new(self) -> None:
        dialog = LookoutDialog(self.ctx, self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        self.dialog = dialog

    def teardown(self) -> None:
        self._expiry.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)


class LookoutDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Nouvel avis de recherche")
        self.kind = QComboBox()
        for code, label in ks.LOOKOUT_TYPES.items():
            self.kind.addItem(label, code)
        self.priority = QComboBox()
        for p, label in ks.LOOKOUT_PRIORITIES.items():
            self.priority.addItem(label, p)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("Signalement, vêtements, véhicule, immatriculation…")
        self.description.setFixedHeight(80)
        self.photo = QLineEdit()
        self.photo.setPlaceholderText("Fichier photo (facultatif, JPEG ou PNG)")
        browse = QPushButton("Choisir…")
        browse.clicked.connect(self._browse)
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photo, 1)
        photo_row.addWidget(browse)
        self.days = QDoubleSpinBox()
        self.days.setRange(1, 90)
        self.days.setDecimals(0)
        self.days.setValue(settings_of(ctx.room.state).lookout_expiry_days)
        self.days.setSuffix(" jours")
        self.error = error_label()
        form = QFormLayout(self)
        form.addRow("Type", self.kind)
        form.addRow("Priorité", self.priority)
        form.addRow("Description", self.description)
        form.addRow("Photo", photo_row)
        form.addRow("Durée", self.days)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Photo", "", "Images (*.jpg *.jpeg *.png)")
        if path:
            self.photo.setText(path)

    def submit(self) -> None:
        photo = self.photo.text().strip()
        if photo and not Path(photo).is_file():
            self.error.setText(f"Photo introuvable : {photo}")
            self.error.show()
            return
        try:
            sc.run(
                self.ctx.room,
                sc.issue_lookout,
                kind=str(self.kind.currentData()),
                priority=int(self.priority.currentData()),
                description=self.description.toPlainText(),
                photo=photo,
                days=self.days.value(),
            )
        except CommandRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
