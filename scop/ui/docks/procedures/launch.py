"""Launching a fiche: the fiches suggested for the event's category first, then all of them;
type to filter, Up and Down to move, Entrée to launch."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scop.models.entities import Event
from scop.models.nomenclatures import category_label
from scop.procedures.model import Library


class LaunchDialog(QDialog):
    """Suggested fiches for the event's category first, then all fiches; type to filter."""

    def __init__(
        self,
        library: Library,
        events: list[Event],
        event_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle("Lancer une fiche réflexe")
        self.resize(620, 520)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.event_box = QComboBox()
        for ev in events:
            self.event_box.addItem(f"{ev.id} — {category_label(ev.category)} — {ev.title}", ev.id)
        if event_id is not None:
            self.event_box.setCurrentIndex(max(0, self.event_box.findData(event_id)))
        form.addRow("Événement :", self.event_box)
        self.search = QLineEdit(placeholderText="Rechercher une fiche (titre, catégorie)…")
        self.search.setClearButtonEnabled(True)
        form.addRow("Recherche :", self.search)
        lay.addLayout(form)
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget::item { min-height: 30px; font-size: 14px; }")
        lay.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Lancer la fiche")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.events = {ev.id: ev for ev in events}
        self.search.textChanged.connect(self.refill)
        self.event_box.currentIndexChanged.connect(self.refill)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        self.search.returnPressed.connect(self.accept)
        self.refill()
        self.search.setFocus()

    def refill(self) -> None:
        ev = self.events.get(str(self.event_box.currentData()))
        needle = self.search.text().strip().lower()
        suggested = self.library.suggested(ev.category) if ev else []
        others = sorted(
            (f for f in self.library.fiches.values() if f not in suggested), key=lambda f: f.title
        )
        self.list.clear()

        def header(text: str) -> None:
            item = QListWidgetItem(text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            font = QFont()
            font.setBold(True)
            item.setFont(font)
            item.setForeground(QBrush(QColor("#37474f")))
            self.list.addItem(item)

        first = True
        for title, group in (
            (
                f"Suggérées pour {category_label(ev.category)} ({ev.category})"
                if ev
                else "Suggérées",
                suggested,
            ),
            ("Toutes les fiches", others),
        ):
            shown = [
                f
                for f in group
                if not needle
                or needle in f.title.lower()
                or needle in f.id
                or any(needle in c.lower() for c in f.categories)
            ]
            if not shown:
                continue
            header(title)
            for f in shown:
                item = QListWidgetItem(f"   {f.title}   (v{f.version}, {len(f.steps)} étapes)")
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                item.setToolTip(f.summary)
                self.list.addItem(item)
                if first:
                    self.list.setCurrentItem(item)
                    first = False

    def keyPressEvent(self, event: Any) -> None:
        """Up and Down move through the fiches while typing in the search field."""
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(event.key())
        if step is None:
            super().keyPressEvent(event)
            return
        row = self.list.currentRow() + step
        while 0 <= row < self.list.count():
            if self.list.item(row).data(Qt.ItemDataRole.UserRole):
                self.list.setCurrentRow(row)
                return
            row += step

    def fiche_ids(self) -> list[str]:
        return [
            str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.list.count())
            if self.list.item(i).data(Qt.ItemDataRole.UserRole)
        ]

    def chosen(self) -> tuple[str | None, str | None]:
        item = self.list.currentItem()
        fiche = item.data(Qt.ItemDataRole.UserRole) if item else None
        return (str(fiche) if fiche else None, self.event_box.currentData())
