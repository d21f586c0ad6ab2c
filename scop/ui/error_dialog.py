"""The start-up failure of a console launched from a desktop icon: no terminal shows what the
command line prints, so the same French message comes in a dialog before the process exits."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from scop.errors import ScopError, log_file


def error_dialog(err: ScopError, parent: QWidget | None = None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("scop_error_dialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("SCOP — la console ne peut pas démarrer")
    box.setText(err.message + ".")
    box.setInformativeText(
        (err.hint + "\n\n" if err.hint else "")
        + f"Code de sortie {int(err.exit_code)} ; détail technique dans {log_file()}."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setText("Fermer")
    return box
