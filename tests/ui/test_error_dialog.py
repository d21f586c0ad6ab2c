"""A console launched from a desktop icon shows its start-up failure in a dialog; Qt's own
buttons speak French."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from scop.app import load_translations
from scop.cli import main
from scop.errors import Exit


@pytest.fixture
def french(qapp: Any) -> Any:
    kept = load_translations(qapp)
    yield kept
    for t in kept:
        qapp.removeTranslator(t)
    qapp.setProperty("scop_translators", 0)


def test_qt_standard_buttons_are_french(french: Any, qtbot: Any) -> None:
    assert french, "qtbase_fr absent des traductions livrées avec PySide6"
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
    )
    qtbot.addWidget(box)
    texts = {
        box.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", ""),
        box.button(QDialogButtonBox.StandardButton.Yes).text().replace("&", ""),
        box.button(QDialogButtonBox.StandardButton.No).text().replace("&", ""),
    }
    assert texts == {"Annuler", "Oui", "Non"}


def test_login_dialog_cancel_is_french(french: Any, qtbot: Any, settings: Any) -> None:
    from scop.ui.login import LoginDialog

    d = LoginDialog("poste-1", "demo", settings)
    qtbot.addWidget(d)
    box = d.findChild(QDialogButtonBox)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "") == "Annuler"


def test_start_up_failure_without_terminal_shows_a_dialog(
    french: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("SCOP_ERROR_DIALOG", "1")
    seen: dict[str, str] = {}

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, read_and_close)
            return
        seen["title"] = box.windowTitle()
        seen["text"] = box.text()
        seen["info"] = box.informativeText()
        seen["buttons"] = " ".join(b.text() for b in box.buttons())
        box.grab().save(str(tmp_path / "dialogue.png"))
        box.done(0)

    QTimer.singleShot(50, read_and_close)
    code = main(["--db", "mysql://a@b/c", "--operator", "A"])
    assert code == Exit.USAGE
    assert "ne peut pas démarrer" in seen["title"]
    assert "Type de base non pris en charge : mysql" in seen["text"]
    assert "PostgreSQL" in seen["info"]
    assert f"Code de sortie {int(Exit.USAGE)}" in seen["info"]
    assert seen["buttons"] == "Fermer"
    assert (tmp_path / "dialogue.png").stat().st_size > 0
