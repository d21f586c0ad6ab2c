"""Dialogs of the Équipages dock: prise de service and change of composition (one form), fin
de service, the roster import's report. All keyboard: Tab walks the fields, Entrée validates,
Échap cancels; a refusal is shown in the dialog and the input stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from scop.clock import PARIS, local
from scop.models.entities import Crew
from scop.models.nomenclatures import CREW_KINDS, CrewKind
from scop.operations.duty import (
    MAX_AGENTS,
    CrewDuty,
    change_composition,
    end_service,
    normalise_call_sign,
    take_service,
)
from scop.room import CommandRefused, Room

DEFAULT_DUTY_HOURS = 8


def error_label() -> QLabel:
    """Where a dialog says why its command was refused, the input left as typed."""
    label = QLabel()
    label.setStyleSheet("color:#c62828; font-weight:bold;")
    label.setWordWrap(True)
    label.hide()
    return label


def _french(buttons: QDialogButtonBox) -> None:
    """Qt's own button texts are English without its translations: the room reads French."""
    for which, text in (
        (QDialogButtonBox.StandardButton.Cancel, "Annuler"),
        (QDialogButtonBox.StandardButton.Close, "Fermer"),
    ):
        button = buttons.button(which)
        if button is not None:
            button.setText(text)


def _to_qt(t: datetime) -> QDateTime:
    """Paris wall-clock time, whatever the workstation's own zone: the room reads Paris time."""
    p = local(t)
    return QDateTime(QDate(p.year, p.month, p.day), QTime(p.hour, p.minute))


def _from_qt(q: QDateTime) -> datetime:
    d, t = q.date(), q.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=PARIS)


class DutyDialog(QDialog):
    """Prise de service (``crew`` None) or change of composition of ``crew``."""

    def __init__(self, room: Room, crew: Crew | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.crew = crew
        self.setWindowTitle(
            "Prise de service d'un équipage" if crew is None else f"Composition de {crew.call_sign}"
        )
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.call_sign = QLineEdit(placeholderText="ex. V11-2")
        self.kind = QComboBox()
        for info in CREW_KINDS.values():
            self.kind.addItem(info.label, info.kind.value)
        self.division = QComboBox()
        self.division.setEditable(True)
        divisions = sorted({c.division for c in room.state.crews.values() if c.division})
        self.division.addItems(divisions)
        self.division.setCurrentText("")
        editor = self.division.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("division ou secteur")
        self.agents = QSpinBox()
        self.agents.setRange(1, MAX_AGENTS)
        self.agents.setValue(2)
        self.names = QLineEdit(placeholderText="noms des agents, séparés par /")
        self.radio = QLineEdit(placeholderText="canal radio ou n° TPH")
        now = local(room.clock.now()).replace(second=0, microsecond=0)
        self.start = QDateTimeEdit(_to_qt(now))
        self.start.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.end = QDateTimeEdit(_to_qt(now + timedelta(hours=DEFAULT_DUTY_HOURS)))
        self.end.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.reason = QLineEdit(placeholderText="facultatif : pourquoi ce changement")
        form.addRow("&Indicatif", self.call_sign)
        form.addRow("&Type", self.kind)
        form.addRow("&Division / secteur", self.division)
        form.addRow("Nombre d'&agents", self.agents)
        form.addRow("&Noms", self.names)
        form.addRow("&Radio / TPH", self.radio)
        form.addRow("Dé&but", self.start)
        form.addRow("&Fin prévue", self.end)
        if crew is not None:
            form.addRow("&Motif", self.reason)
            self._fill(crew)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _french(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Mettre en service" if crew is None else "Enregistrer")
        ok.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        (self.call_sign if crew is None else self.agents).setFocus()

    def _fill(self, crew: Crew) -> None:
        self.call_sign.setText(crew.call_sign)
        self.call_sign.setReadOnly(True)
        i = self.kind.findData(crew.kind)
        if i >= 0:
            self.kind.setCurrentIndex(i)
        self.kind.setEnabled(False)  # another kind is another crew
        self.division.setCurrentText(crew.division)
        self.agents.setValue(crew.agents)
        self.names.setText(" / ".join(crew.names))
        self.radio.setText(crew.radio)
        if crew.duty_start is not None:
            self.start.setDateTime(_to_qt(crew.duty_start))
        self.start.setEnabled(False)
        if crew.duty_end is not None:
            self.end.setDateTime(_to_qt(crew.duty_end))

    def duty(self) -> CrewDuty:
        return CrewDuty(
            call_sign=normalise_call_sign(self.call_sign.text()),
            kind=CrewKind(self.kind.currentData()),
            division=self.division.currentText().strip(),
            agents=self.agents.value(),
            duty_start=_from_qt(self.start.dateTime()),
            duty_end=_from_qt(self.end.dateTime()),
            names=tuple(n.strip() for n in self.names.text().split("/") if n.strip()),
            radio=self.radio.text().strip(),
        )

    def submit(self) -> None:
        d = self.duty()
        try:
            if self.crew is None:
                take_service(self.room, d)
            else:
                change_composition(
                    self.room,
                    d.call_sign,
                    agents=d.agents,
                    names=d.names,
                    radio=d.radio,
                    division=d.division,
                    duty_end=d.duty_end,
                    reason=self.reason.text(),
                )
        except CommandRefused as exc:
            self.show_error(str(exc))
            return
        self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class EndDutyDialog(QDialog):
    def __init__(self, room: Room, crew: Crew, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.crew = crew
        self.setWindowTitle(f"Fin de service de {crew.call_sign}")
        lay = QVBoxLayout(self)
        end = f" (fin prévue {local(crew.duty_end):%H:%M})" if crew.duty_end else ""
        lay.addWidget(QLabel(f"{crew.call_sign} — {crew.kind_label}, {crew.division}{end}"))
        form = QFormLayout()
        self.reason = QLineEdit(placeholderText="facultatif")
        form.addRow("&Motif", self.reason)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _french(buttons)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fin de service")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        try:
            end_service(self.room, self.crew.call_sign, self.reason.text())
        except CommandRefused as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class RosterReportDialog(QDialog):
    """What a roster holds, or everything wrong with it (nothing imported then)."""

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        ok = report.ok
        self.setWindowTitle("Tableau de service" + ("" if ok else " refusé"))
        self.setMinimumSize(640, 320)
        lay = QVBoxLayout(self)
        head = QLabel(
            f"{report.summary()}. Importer ?"
            if ok
            else f"{len(report.problems)} problème(s) : rien n'a été importé. "
            "Corrigez le fichier puis importez-le à nouveau."
        )
        head.setWordWrap(True)
        if not ok:
            head.setStyleSheet("color:#c62828; font-weight:bold;")
        lay.addWidget(head)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = (
            report.problems
            if not ok
            else [
                *(f"prise de service : {c}" for c in report.new),
                *(f"mise à jour : {c}" for c in report.updated),
                *(f"inchangé : {c}" for c in report.unchanged),
            ]
        )
        self.text.setPlainText("\n".join(lines))
        lay.addWidget(self.text, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            if ok
            else QDialogButtonBox.StandardButton.Close
        )
        _french(buttons)
        if ok:
            buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Importer")
            buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
