"""The prise de poste: an account and its password (or the room's directory). Every entry of
the session carries the account's id, name and role; nobody picks a name or a role here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scop.accounts.store import LoginRefused
from scop.models.entries import Operator

NO_ACCOUNT = (
    "Aucun compte dans cette salle : l'administrateur en crée avec « scop users add » "
    "(ou « scop room init --admin »)."
)


class LoginDialog(QDialog):
    """``accounts`` authenticates (an :class:`scop.accounts.store.Accounts`); in DÉMO a
    one-click button enters with ``demo_operator`` instead."""

    def __init__(
        self,
        workstation: str,
        mode: str,
        accounts: Any,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        demo_operator: Operator | None = None,
        title: str = "Prise de poste",
    ) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.workstation = workstation
        self.demo_operator = demo_operator if mode == "demo" else None
        self._operator: Operator | None = None
        self.settings = settings or QSettings("VilleDeParis", "SCOP")
        suffix = {"demo": " — DÉMO", "exercise": " — EXERCICE"}.get(mode, "")
        self.setWindowTitle(f"SCOP — {title}{suffix}")
        lay = QVBoxLayout(self)
        head = QLabel(
            f"<b>{title}</b> sur <b>{workstation}</b>"
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
        self.login = QLineEdit(str(self.settings.value("last_operator/login", "")))
        self.login.setPlaceholderText("identifiant, ex. blefevre")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("12 caractères au moins")
        form.addRow("Identifiant :", self.login)
        form.addRow("Mot de passe :", self.password)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#c62828")
        lay.addWidget(self.error)
        self.demo_button: QPushButton | None = None
        if self.demo_operator is not None:
            self.demo_button = QPushButton(
                f"Entrer en DÉMO — {self.demo_operator.name} ({self.demo_operator.role_label})"
            )
            self.demo_button.setStyleSheet(
                "background:#f57c00;color:white;font-weight:bold;padding:6px"
            )
            self.demo_button.clicked.connect(self.enter_demo)
            lay.addWidget(self.demo_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Prendre le poste")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.login.returnPressed.connect(self.password.setFocus)
        (self.password if self.login.text() else self.login).setFocus()

    def operator(self) -> Operator | None:
        return self._operator

    def enter_demo(self) -> None:
        self._operator = self.demo_operator
        super().accept()

    def accept(self) -> None:
        login = self.login.text().strip()
        if not login:
            self.error.setText("Indiquez votre identifiant : chaque entrée le porte.")
            self.login.setFocus()
            return
        if self.accounts is None:
            self.error.setText(NO_ACCOUNT)
            return
        try:
            op = self.accounts.authenticate(login, self.password.text(), self.workstation)
        except LoginRefused as refused:
            self.error.setText(str(refused))
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            self.password.clear()  # the typed password does not outlive the attempt
        self._operator = op
        self.settings.setValue("last_operator/login", login)
        super().accept()
