"""The right side of the dock: one step at a time (instructions, whom to call now, what to
enter, the countdown, what the journal says happened) and the buttons that move the fiche on.

It shows what the dock hands it and says what the person pressed (signals); it holds no state
of the fiche and calls no command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from scop.models.vocabulary import StepStatus
from scop.procedures.directory import OnCall
from scop.procedures.model import Mairie
from scop.procedures.runner import RunView, StepView
from scop.procedures.texts import (
    call_choices,
    contact_lines,
    countdown,
    done_label,
    record_facts,
    step_meta,
    step_title,
)
from scop.ui.docks.procedures.call_form import CallForm
from scop.ui.docks.procedures.style import (
    BIG,
    COUNTDOWN_STYLES,
    DONE_STYLE,
    NO_RUN_WHY,
    READONLY_WHY,
    enable,
)

InputWidget = QComboBox | QLineEdit
NO_RUN = (
    "Aucune fiche sélectionnée : lancez une fiche sur un événement (Ctrl+Maj+F) ou "
    "choisissez-en une à gauche."
)


class StepPanel(QWidget):
    branch_chosen = Signal(int)
    situation_requested = Signal()  # « Point de situation… » on a point de situation step

    def __init__(self, mairies: Sequence[Mairie]) -> None:
        super().__init__()
        self.input_widgets: dict[str, InputWidget] = {}
        self._branch_buttons: list[QPushButton] = []
        pl = QVBoxLayout(self)
        pl.setContentsMargins(4, 0, 4, 0)
        self.header = QLabel("Aucune fiche sélectionnée.")
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.header.setMinimumHeight(36)
        pl.addWidget(self.header)

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(6, 0, 0, 0)
        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.step_title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.step_meta = QLabel()
        self.step_meta.setWordWrap(True)
        self.countdown = QLabel()
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setMinimumHeight(40)
        self.instructions = QLabel()
        self.instructions.setWordWrap(True)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.instructions.setStyleSheet("background:#fffde7; padding:6px; font-size:13px;")
        self.contacts = QLabel()
        self.contacts.setWordWrap(True)
        self.contacts.setTextFormat(Qt.TextFormat.RichText)
        self.contacts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.record_label = QLabel()
        self.record_label.setWordWrap(True)
        self.record_label.setStyleSheet("color:#37474f;")
        for w in (
            self.step_title,
            self.step_meta,
            self.countdown,
            self.instructions,
            self.contacts,
            self.record_label,
        ):
            dl.addWidget(w)

        self.form_box = QFrame()
        self.form = QFormLayout(self.form_box)
        dl.addWidget(self.form_box)

        self.call = CallForm()
        dl.addWidget(self.call)

        self.mairie_box = QComboBox()
        self.mairie_box.addItem(
            "Adresse de l'événement (VPU) / mairie de l'arrondissement (C.A.RE)", None
        )
        self.mairie_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.mairie_box.setMinimumContentsLength(16)
        for m in mairies:
            self.mairie_box.addItem(f"{m.name} — {m.address}", m.code)
        self.mairie_row = QWidget()
        mr = QHBoxLayout(self.mairie_row)
        mr.setContentsMargins(0, 0, 0, 0)
        mr.addWidget(QLabel("Lieu :"))
        mr.addWidget(self.mairie_box, 1)
        dl.addWidget(self.mairie_row)

        self.branch_box = QWidget()
        self.branch_layout = QVBoxLayout(self.branch_box)
        self.branch_layout.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.branch_box)

        self.situation_button = QPushButton("Point de situation… (relire, ajuster, envoyer)")
        self.situation_button.setObjectName("step_situation_button")
        self.situation_button.setStyleSheet(BIG)
        self.situation_button.setToolTip(
            "Ouvre le point de situation pré-rempli : mise à jour EMSI à la PP et texte "
            "court pour les astreintes ; l'envoi marque l'étape faite."
        )
        self.situation_button.clicked.connect(self.situation_requested.emit)
        dl.addWidget(self.situation_button)

        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("background:#eef3fb; padding:6px; font-family:monospace;")
        dl.addWidget(self.preview)
        dl.addStretch(1)

        actions = QVBoxLayout()
        self.skip_reason = QLineEdit(
            placeholderText="Motif pour sauter l'étape (Ctrl+S), puis Entrée"
        )
        actions.addWidget(self.skip_reason)
        buttons = QGridLayout()
        self.back_button = QPushButton("◀ Précédente\nAlt+←")
        self.start_button = QPushButton("Commencer\nCtrl+D")
        self.done_button = QPushButton("✔ Fait\nCtrl+Entrée")
        self.skip_button = QPushButton("Sauter…\nCtrl+S")
        self.next_button = QPushButton("Suivante ▶\nAlt+→")
        for b, r, c, span in (
            (self.done_button, 0, 0, 2),
            (self.start_button, 0, 2, 1),
            (self.skip_button, 0, 3, 1),
            (self.back_button, 1, 0, 2),
            (self.next_button, 1, 2, 2),
        ):
            b.setStyleSheet(BIG)
            buttons.addWidget(b, r, c, 1, span)
        self.done_button.setStyleSheet(DONE_STYLE)
        actions.addLayout(buttons)
        self.close_button = QPushButton(
            "Clore la fiche (motif ci-dessus si elle n'est pas terminée)"
        )
        actions.addWidget(self.close_button)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(detail)
        pl.addWidget(scroll, 1)
        pl.addLayout(actions)

    # -- showing -----------------------------------------------------------------------------

    def inputs(self) -> dict[str, str]:
        return {
            key: w.currentText() if isinstance(w, QComboBox) else w.text()
            for key, w in self.input_widgets.items()
        }

    def show_countdown(self, sv: StepView, now: datetime) -> None:
        c = countdown(sv, now)
        self.countdown.setText(c.text if c else "")
        self.countdown.setStyleSheet(COUNTDOWN_STYLES[c.tone] if c else "")
        self.countdown.setVisible(c is not None)

    def _clear_step(self) -> None:
        self.input_widgets = {}
        while self.form.rowCount():
            self.form.removeRow(0)
        for old in self._branch_buttons:
            old.deleteLater()
        self._branch_buttons = []

    def show_nothing(self, readonly: bool = False) -> None:
        """No fiche chosen: an empty, inert panel whose buttons say why."""
        self.header.setText(NO_RUN)
        self._clear_step()
        for label in (
            self.step_title,
            self.step_meta,
            self.instructions,
            self.contacts,
            self.record_label,
            self.preview,
            self.countdown,
        ):
            label.setText("")
        for box in (
            self.call,
            self.situation_button,
            self.mairie_row,
            self.form_box,
            self.preview,
            self.instructions,
            self.contacts,
        ):
            box.setVisible(False)
        for b in (
            self.start_button,
            self.done_button,
            self.skip_button,
            self.skip_reason,
            self.close_button,
            self.back_button,
            self.next_button,
        ):
            enable(b, False, READONLY_WHY if readonly else NO_RUN_WHY)

    def show_step(
        self,
        v: RunView,
        sv: StepView,
        now: datetime,
        *,
        contacts: Sequence[tuple[str, OnCall | None]],
        warning: str,
        readonly: bool,
        mairie: str | None,
        preview: str | None,
        prefill: Mapping[str, str] | None = None,
    ) -> None:
        """``mairie``: the code preselected on a « carte » step (None: the event's address);
        ``preview``: the message a « message » step prepares, as rich text; ``prefill``: the
        inputs' text the room already knows (a point de situation step), shown for the
        person to read and correct; ``None`` also hides the point de situation button."""
        self._clear_step()
        step = sv.step
        self.step_title.setText(step_title(v, sv))
        self.step_meta.setText(step_meta(sv))
        self.instructions.setText(step.instructions)
        self.instructions.setVisible(bool(step.instructions))
        self.show_countdown(sv, now)

        lines = contact_lines(contacts, warning)
        self.contacts.setText("<br>".join(lines))
        self.contacts.setVisible(bool(lines))
        self.call.set_contacts(call_choices(contacts))
        self.record_label.setText("<br>".join(record_facts(sv.record)))

        run_open = not v.run.is_closed and not readonly
        editable = sv.is_open and run_open
        for spec in step.inputs:
            w: InputWidget
            if spec.kind == "oui_non":
                w = QComboBox()
                w.addItems(["", "oui", "non"])
            elif spec.kind == "choix":
                w = QComboBox()
                w.addItems(["", *spec.choices])
            else:
                w = QLineEdit()
                if spec.kind == "entier":
                    w.setPlaceholderText("nombre")
                if editable and prefill and prefill.get(spec.id):
                    w.setText(prefill[spec.id])
                    w.setCursorPosition(0)
                    w.setToolTip(prefill[spec.id])
            w.setMinimumHeight(30)
            w.setEnabled(editable)
            self.input_widgets[spec.id] = w
            self.form.addRow(spec.label + (" *" if spec.required else "") + " :", w)
        self.form_box.setVisible(bool(step.inputs))

        self.situation_button.setVisible(prefill is not None)
        self.call.setVisible(step.kind == "appel")
        self.call.button.setEnabled(run_open and sv.status != StepStatus.HORS_PARCOURS)
        self.mairie_row.setVisible(step.kind == "carte")
        if step.kind == "carte":
            self.mairie_box.setCurrentIndex(
                max(0, self.mairie_box.findData(mairie)) if mairie is not None else 0
            )
            self.mairie_box.setEnabled(editable)
        for i, branch in enumerate(step.branches):
            btn = QPushButton(f"Alt+{i + 1} — {branch.label}")
            btn.setStyleSheet(BIG + "text-align:left;")
            btn.setEnabled(editable)
            btn.clicked.connect(lambda _=False, i=i: self.branch_chosen.emit(i))
            self.branch_layout.addWidget(btn)
            self._branch_buttons.append(btn)
        self.preview.setText(preview or "")
        self.preview.setVisible(preview is not None)
        why = (
            READONLY_WHY
            if readonly
            else "Fiche close."
            if v.run.is_closed
            else f"Étape déjà {sv.status_label.lower()}."
            if not sv.is_open
            else ""
        )
        enable(
            self.start_button,
            editable and sv.status == StepStatus.A_FAIRE,
            why or "Étape déjà commencée.",
        )
        enable(
            self.done_button,
            editable and step.kind != "decision",
            why or "Étape de décision : choisissez une branche (Alt+1, Alt+2…).",
        )
        self.done_button.setText(done_label(step.kind))
        enable(self.skip_button, editable, why)
        enable(self.skip_reason, editable, why)
        enable(self.close_button, run_open, why)
        enable(self.situation_button, prefill is not None and editable, why)
        for b in (self.back_button, self.next_button):
            enable(b, True, "")

    def branch_enabled(self, index: int) -> bool:
        return index < len(self._branch_buttons) and self._branch_buttons[index].isEnabled()

    def chosen_mairie(self) -> str | None:
        if not self.mairie_row.isVisible():
            return None
        code = self.mairie_box.currentData()
        return str(code) if code is not None else None
