"""Exercice: the trainer's controls and the expected actions' status, live.

The runner moves the room's clock; this dock only calls it: start, pause, speed, inject
now, skip, add an unscripted inject, end. Every dialog it opens says EXERCICE in its title.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scop.clock import local
from scop.replay.exercise import ExerciseRunner
from scop.replay.expected import Outcome
from scop.replay.scenario import INJECT_TYPES, format_offset
from scop.room import CommandRefused
from scop.ui.context import UiContext
from scop.ui.docks.base import ScopDock
from scop.ui.qt_models.rows import read_only_rows
from scop.ui.replay.controller import SPEEDS

INJECT_STATUS = {"a_venir": "À venir", "injecte": "Injecté", "passe": "Passé"}
OUTCOME_COLOURS = {
    "respecte": "#2e7d32",
    "en_retard": "#ef6c00",
    "manque": "#c62828",
    "en_attente": "#1565c0",
    "a_venir": "#757575",
}
IMPROVISED_TYPES = ("appel", "dansmarue", "partenaire", "message_pp", "note")


class AddInjectDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("EXERCICE — Ajouter un inject hors scénario")
        lay = QVBoxLayout(self)
        banner = QLabel("EXERCICE EXERCICE EXERCICE")
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setStyleSheet("background:#c62828; color:white; font-weight:bold; padding:4px;")
        lay.addWidget(banner)
        form = QFormLayout()
        self.type_box = QComboBox()
        for t in IMPROVISED_TYPES:
            self.type_box.addItem(INJECT_TYPES[t], t)
        self.who = QLineEdit(placeholderText="Appelant, partenaire, n° DansMaRue…")
        self.event_box = QComboBox()
        self.event_box.addItem("—", "")
        for ev in sorted(ctx.room.state.events.values(), key=lambda e: e.created_at):
            self.event_box.addItem(f"{ev.id} — {ev.title}"[:80], ev.id)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Ce que dit l'inject (EXERCICE)")
        form.addRow("Type :", self.type_box)
        form.addRow("De la part de :", self.who)
        form.addRow("Événement :", self.event_box)
        form.addRow("Texte :", self.text)
        lay.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def values(self) -> tuple[str, str, str, str]:
        return (
            str(self.type_box.currentData()),
            self.text.toPlainText(),
            self.who.text(),
            str(self.event_box.currentData() or ""),
        )


class ExerciseDock(ScopDock):
    dock_id = "exercise"
    title = "Exercice"

    def __init__(
        self, ctx: UiContext, runner: ExerciseRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.runner = runner
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel()
        self.header.setStyleSheet("font-weight:bold; font-size:14px;")
        self.header.setWordWrap(True)
        lay.addWidget(self.header)

        bar = QHBoxLayout()
        self.start_button = QPushButton("Démarrer l'exercice")
        self.pause_button = QPushButton("Pause")
        self.speed_box = QComboBox()
        for label, speed in SPEEDS:
            self.speed_box.addItem(label, speed)
        self.speed_box.setCurrentIndex(
            next((i for i, (_l, s) in enumerate(SPEEDS) if s == runner.speed), 0)
        )
        self.inject_button = QPushButton("Injecter maintenant")
        self.skip_button = QPushButton("Passer")
        self.add_button = QPushButton("Ajouter un inject…")
        self.end_button = QPushButton("Terminer")
        # Two rows: on one, the controls made the dock wider than a 1366-pixel screen's column.
        for widget in (self.start_button, self.pause_button, QLabel("Vitesse :"), self.speed_box):
            bar.addWidget(widget)
        bar.addStretch(1)
        lay.addLayout(bar)
        bar2 = QHBoxLayout()
        for widget in (self.inject_button, self.skip_button, self.add_button, self.end_button):
            bar2.addWidget(widget)
        bar2.addStretch(1)
        lay.addLayout(bar2)

        # One above the other: side by side, « Actions attendues » was clipped.
        split = QSplitter(Qt.Orientation.Vertical)
        self.injects = QTableWidget(0, 4)
        self.injects.setHorizontalHeaderLabels(("Heure", "Type", "Inject", "État"))
        self.expected = QTableWidget(0, 4)
        self.expected.setHorizontalHeaderLabels(("Action attendue", "Échéance", "Faite", "État"))
        for table in (self.injects, self.expected):
            read_only_rows(table)
            table.horizontalHeader().setStretchLastSection(False)
            split.addWidget(table)
        self.injects.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 72), (1, 150), (3, 70)):
            self.injects.setColumnWidth(col, width)
        self.injects.setWordWrap(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.expected.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 80), (2, 80), (3, 100)):
            self.expected.setColumnWidth(col, width)
        self.expected.setWordWrap(False)
        lay.addWidget(split, 1)
        self.set_content(w)

        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.speed_box.currentIndexChanged.connect(
            lambda _i: self.runner.set_speed(self.speed_box.currentData())
        )
        self.inject_button.clicked.connect(self.inject_selected)
        self.skip_button.clicked.connect(self.skip_selected)
        self.add_button.clicked.connect(self.add_inject)
        self.end_button.clicked.connect(self.end)
        ctx.bridge.changed.connect(self._on_change)
        ctx.bridge.reset.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        self._last = time.monotonic()
        self._timer.start()
        self._outcomes: list[Outcome] = []
        self.refresh()

    # -- controls --------------------------------------------------------------------------

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except CommandRefused as exc:
            self.ctx.notices.warning(str(exc))
            return None
        finally:
            self.refresh()

    def start(self) -> None:
        self._guard(self.runner.start)

    def toggle_pause(self) -> None:
        self._guard(self.runner.resume if self.runner.paused else self.runner.pause)

    def _selected_inject(self) -> str | None:
        rows = self.injects.selectionModel().selectedRows()
        if not rows:
            pending = self.runner.pending()
            return pending[0].inject.id if pending else None
        item = self.injects.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def inject_selected(self) -> None:
        inject_id = self._selected_inject()
        if inject_id:
            self._guard(self.runner.inject_now, inject_id)

    def skip_selected(self) -> None:
        inject_id = self._selected_inject()
        if inject_id:
            self._guard(self.runner.skip, inject_id)

    def add_inject(self) -> None:
        dialog = AddInjectDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._guard(self.runner.add_inject, *dialog.values())

    def end(self) -> None:
        self._guard(self.runner.finish)

    def _tick(self) -> None:
        now = time.monotonic()
        dt, self._last = now - self._last, now
        if self.runner.started and not self.runner.paused and not self.runner.finished:
            self._guard(self.runner.tick, dt)

    # -- display ---------------------------------------------------------------------------

    def _on_change(self, _change: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        r = self.runner
        if r.finished:
            state = "terminé"
        elif not r.started:
            state = "prêt à démarrer"
        else:
            state = "en pause" if r.paused else "en cours"
        title = r.scenario.title.removeprefix("EXERCICE — ")
        self.header.setText(
            f"EXERCICE — {title} — {state} — "
            f"{format_offset(r.elapsed)} / {format_offset(r.scenario.duration)}"
        )
        self.start_button.setEnabled(not r.started)
        self.pause_button.setEnabled(r.started and not r.finished)
        self.pause_button.setText("Reprendre" if r.paused and r.started else "Pause")
        for b in (self.inject_button, self.skip_button, self.add_button, self.end_button):
            b.setEnabled(r.started and not r.finished)
        self._fill_injects()
        self._outcomes = r.outcomes() if r.started else []
        self._fill_expected()

    def _fill_injects(self) -> None:
        t = self.injects
        selected = self._selected_row_id()
        t.setRowCount(len(self.runner.injects))
        for row, st in enumerate(sorted(self.runner.injects, key=lambda s: s.inject.at)):
            inj = st.inject
            cells = (
                format_offset(inj.at),
                inj.type_label,
                inj.text,
                INJECT_STATUS.get(st.status, st.status),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, inj.id)
                item.setToolTip(inj.text)
                if st.status != "a_venir":
                    item.setForeground(QBrush(QColor("#888888")))
                t.setItem(row, col, item)
            if inj.id == selected:
                t.selectRow(row)

    def _selected_row_id(self) -> str | None:
        rows = self.injects.selectionModel().selectedRows() if self.injects.model() else []
        if not rows:
            return None
        item = self.injects.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _fill_expected(self) -> None:
        t = self.expected
        items = self._outcomes or []
        if not items:
            t.setRowCount(len(self.runner.scenario.expected))
            for row, exp in enumerate(self.runner.scenario.expected):
                for col, text in enumerate(
                    (exp.label, f"+{format_offset(exp.delay)}", "—", "À venir")
                ):
                    t.setItem(row, col, QTableWidgetItem(text))
            return
        t.setRowCount(len(items))
        for row, o in enumerate(items):
            cells = (
                o.expected.label,
                local(o.deadline).strftime("%H:%M:%S") if o.deadline else "—",
                local(o.done_at).strftime("%H:%M:%S") if o.done_at else "—",
                o.status_label,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QBrush(QColor(OUTCOME_COLOURS[o.status])))
                t.setItem(row, col, item)
        t.resizeColumnToContents(1)
        t.resizeColumnToContents(2)

    def outcome_statuses(self) -> dict[str, str]:
        return {o.expected.id: o.status for o in self._outcomes}

    def teardown(self) -> None:
        self._timer.stop()
        self.ctx.bridge.changed.disconnect(self._on_change)
        self.ctx.bridge.reset.disconnect(self.refresh)
