"""What a person reads when something fails, in a dialog: the start-up failure of a console
launched from a desktop icon (no terminal shows what the command line prints, so the same
French message comes in a dialog before the process exits), and an unexpected exception in a
slot while the console runs (:class:`ErrorHook`)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from scop.errors import ScopError, log_file, report

log = logging.getLogger("scop")


def _message_box(
    err: ScopError, parent: QWidget | None, *, name: str, title: str, details: str
) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(err.message + ".")
    box.setInformativeText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setText("Fermer")
    return box


def error_dialog(err: ScopError, parent: QWidget | None = None) -> QMessageBox:
    return _message_box(
        err,
        parent,
        name="scop_error_dialog",
        title="SCOP — la console ne peut pas démarrer",
        details=(err.hint + "\n\n" if err.hint else "")
        + f"Code de sortie {int(err.exit_code)} ; détail technique dans {log_file()}.",
    )


# -- after start-up: an exception in a slot --------------------------------------------------


def unexpected_error_dialog(err: ScopError, parent: QWidget | None = None) -> QMessageBox:
    """An action that failed while the console runs: the same French words as a start-up
    failure, but the console stays open (the room's state is in the journal, not in the
    widget that failed)."""
    box = _message_box(
        err,
        parent,
        name="scop_unexpected_error",
        title="SCOP — erreur inattendue",
        details="L'action en cours n'a pas abouti ; la console continue.\n\n"
        + (err.hint or f"Détail technique dans {log_file()}."),
    )
    box.setIcon(QMessageBox.Icon.Warning)
    return box


class ErrorHook:
    """``sys.excepthook`` while the console runs. PySide6 hands an exception raised in a slot
    to it (and qasync one raised in an ``@asyncSlot``), whose default prints a traceback on
    stderr; here the traceback goes to the log file only and the person reads one French
    message. A burst of failures (a slot raising on every refresh) opens one dialog, not one
    per failure: the others are logged."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self._parent = parent
        self._previous: Callable[..., Any] | None = None
        self.dialog: QMessageBox | None = None

    def install(self) -> ErrorHook:
        self._previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self and self._previous is not None:
            sys.excepthook = self._previous
        if self.dialog is not None:
            self.dialog.close()

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, Exception):  # Ctrl+C, SystemExit: not a failed action
            (self._previous or sys.__excepthook__)(kind, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        try:
            self.show(report(exc, "scop"))
        except Exception:  # never let the hook itself raise into Qt
            log.exception("erreur inattendue : message impossible à afficher")

    def asyncio_handler(self, _loop: object, context: dict[str, Any]) -> None:
        """The event loop's handler: a task's exception no one awaited, a failed callback."""
        exc = context.get("exception")
        if isinstance(exc, Exception):
            self(type(exc), exc, exc.__traceback__)
        elif exc is None:
            log.error("boucle d'événements : %s", context.get("message", "?"))

    def show(self, err: ScopError) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return
        self.dialog = unexpected_error_dialog(err, self._parent())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget)
        self.dialog.show()

    def _forget(self) -> None:
        self.dialog = None
