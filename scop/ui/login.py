"""The operator identifies at start: every entry of the session carries this name and role."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from scop.models.entries import ROLES, Operator


class LoginDialog(QDialog):
    def __init__(
        self,
        workstation: str,
        mode: str,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings("VilleDeParis", "SCOP")
        suffix = {"demo": " — DÉMO", "exercise": " — EXERCICE"}.get(mode, "")
        self.setWindowTitle(f"SCOP — Prise de poste{suffix}")
        lay = QVBoxLayout(self)
        head = QLabel(
            f"<b>Prise de poste</b> sur <b>{workstation}</b>"
            + (
                "<br><span style='color:#f57c00'><b>DÉMO</b> — données fictives</span>"
                if mode == "demo"
                else "<br><span style='color:#c62828'><b>EXERCICE EXERCICE EXERCICE</b> — "
                "base d'exercice séparée</span>"
                if mode == "exercise"
                else ""
            )
        )
        lay.addWidget(head)
        form = QFormLayout()
        self.name = QLineEdit(str(self.settings.value("last_operator/name", "")))
        self.name.setPlaceholderText("Grade et nom, ex. B. Lefèvre")
        self.role = QComboBox()
        for code in ("operator", "chief", "trainer"):
            self.role.addItem(ROLES[code].capitalize(), code)
        last_role = str(self.settings.value("last_operator/role", "operator"))
        self.role.setCurrentIndex(max(0, self.role.findData(last_role)))
        form.addRow("Nom :", self.name)
        form.addRow("Rôle :", self.role)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Prendre le poste")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.name.setFocus()

    def operator(self) -> Operator:
        return Operator(self.name.text().strip(), str(self.role.currentData()))

    def accept(self) -> None:
        if not self.name.text().strip():
            self.error.setText("Indiquez votre nom : chaque entrée de la main courante le porte.")
            return
        self.settings.setValue("last_operator/name", self.name.text().strip())
        self.settings.setValue("last_operator/role", self.role.currentData())
        super().accept()
