"""The call form of an « appel » step: whom the operator called, how it went, what was agreed.
« Joint » on a step with nothing to enter also completes the step (the dock decides)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFrame, QGridLayout, QLabel, QLineEdit, QPushButton

from scop.models.fold_procedures import CALL_OUTCOMES
from scop.ui.docks.procedures.style import BIG


class CallForm(QFrame):
    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        self.contact = QComboBox()
        self.outcome = QComboBox()
        for key, label in CALL_OUTCOMES.items():
            self.outcome.addItem(label, key)
        for box in (self.contact, self.outcome):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(16)
        self.note = QLineEdit(placeholderText="Note de l'appel (ce qui a été convenu)")
        self.button = QPushButton("Consigner l'appel  (Ctrl+L)")
        self.button.setStyleSheet(BIG)
        grid.addWidget(QLabel("Appelé :"), 0, 0)
        grid.addWidget(self.contact, 0, 1)
        grid.addWidget(QLabel("Issue :"), 1, 0)
        grid.addWidget(self.outcome, 1, 1)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.addWidget(self.button, 3, 0, 1, 2)

    def set_contacts(self, choices: list[tuple[str, str]]) -> None:
        self.contact.clear()
        for label, contact_id in choices:
            self.contact.addItem(label, contact_id)

    def chosen(self) -> tuple[str | None, str]:
        """(contact id or None, outcome)."""
        contact = self.contact.currentData()
        return (str(contact) if contact is not None else None), str(self.outcome.currentData())
