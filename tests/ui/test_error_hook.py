"""An exception raised in a slot while the console runs: the traceback to the log file, one
French message on screen, the console still up. pytest-qt captures exceptions raised in Qt
slots itself (to fail the test); these tests turn that off to meet the console's own hook."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from scop.ui.error_dialog import ErrorHook

pytestmark = pytest.mark.qt_no_exception_capture


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failures() -> Iterator[Records]:
    """What goes to the log file (``scop.failures`` writes there only, with the traceback)."""
    handler = Records()
    logger = logging.getLogger("scop.failures")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def hook(qtbot: Any) -> Iterator[ErrorHook]:
    installed = ErrorHook().install()
    yield installed
    installed.uninstall()


def shown_dialogs() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox)
        and w.objectName() == "scop_unexpected_error"
        and w.isVisible()
    ]


def broken_button(qtbot: Any) -> QPushButton:
    def on_click() -> None:
        events: dict[str, str] = {}
        events["EV-0042"]  # a bug in a dock's slot

    button = QPushButton("Engager")
    button.clicked.connect(on_click)
    qtbot.addWidget(button)
    return button


def test_exception_in_a_slot_shows_one_french_message_and_logs_the_traceback(
    qtbot: Any,
    hook: ErrorHook,
    failures: Records,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert sys.excepthook is hook
    button = broken_button(qtbot)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown_dialogs()) == 1)
    [box] = shown_dialogs()
    box.grab().save(str(tmp_path / "erreur.png"))
    assert box.windowTitle() == "SCOP — erreur inattendue"
    assert box.text() == "Erreur interne inattendue (KeyError)."
    assert "la console continue" in box.informativeText()
    assert [b.text() for b in box.buttons()] == ["Fermer"]
    for text in (box.text(), box.informativeText(), capsys.readouterr().err):
        assert "Traceback" not in text
        assert 'File "' not in text
    [record] = failures.records
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    assert "on_click" in logging.Formatter().formatException(record.exc_info)

    # a slot that fails again while the message is up: logged, no second dialog
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(failures.records) == 2
    assert len(shown_dialogs()) == 1
    box.close()
    qtbot.waitUntil(lambda: hook.dialog is None)
    assert button.isEnabled()  # the console goes on


def test_a_task_nobody_awaited_goes_through_the_same_hook(
    qtbot: Any, hook: ErrorHook, failures: Records
) -> None:
    try:
        raise ConnectionResetError("lien PP perdu")
    except ConnectionResetError as exc:
        error = exc
    hook.asyncio_handler(None, {"message": "Task exception", "exception": error})
    qtbot.waitUntil(lambda: len(shown_dialogs()) == 1)
    assert shown_dialogs()[0].text() == "Erreur interne inattendue (ConnectionResetError)."
    assert len(failures.records) == 1


def test_ctrl_c_is_not_an_error_dialog(hook: ErrorHook, monkeypatch: pytest.MonkeyPatch) -> None:
    passed: list[type[BaseException]] = []
    monkeypatch.setattr(hook, "_previous", lambda kind, _exc, _tb: passed.append(kind))
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert passed == [KeyboardInterrupt]
    assert shown_dialogs() == []
