from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog

from scop.ui.login import LoginDialog


def test_operator_must_give_a_name_and_is_remembered(qtbot: Any, settings: QSettings) -> None:
    dlg = LoginDialog("poste-3", "demo", settings)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.name.clear()
    qtbot.keyClick(dlg.name, Qt.Key.Key_Return)
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "nom" in dlg.error.text()
    qtbot.keyClicks(dlg.name, "Cdt. Morel")
    dlg.role.setCurrentIndex(dlg.role.findData("chief"))
    qtbot.keyClick(dlg.name, Qt.Key.Key_Return)
    assert dlg.result() == QDialog.DialogCode.Accepted
    op = dlg.operator()
    assert (op.name, op.role, op.role_label) == ("Cdt. Morel", "chief", "chef de salle")

    again = LoginDialog("poste-3", "live", settings)
    qtbot.addWidget(again)
    assert again.name.text() == "Cdt. Morel"
    assert again.role.currentData() == "chief"
