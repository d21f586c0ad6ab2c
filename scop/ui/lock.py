"""The idle lock: after N minutes without a key or a click (a room setting, 15 by default)
every window of the console is hidden behind a lock screen that shows nothing of the room.
The same account's password unlocks it; « Changer d'opérateur » ends the session and lets
another person take the workstation without closing the console (the relève)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scop.accounts.store import LoginRefused
from scop.models.entries import Operator

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class LockScreen(QWidget):
    """Nothing of the room here: no map, list, name or message; only what unlocks."""

    unlock_requested = Signal(str)
    switch_requested = Signal()

    def __init__(self, workstation: str, mode: str, demo: bool) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("lock_screen")
        self.setWindowTitle("SCOP — poste verrouillé")
        self.setStyleSheet(
            "#lock_screen{background:#263238} QLabel{color:white}"
            " QLineEdit{font-size:16px;padding:6px;min-width:320px}"
            " QPushButton{font-size:14px;padding:6px 14px}"
        )
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        title = QLabel("Poste verrouillé")
        title.setStyleSheet("font-size:32px;font-weight:bold")
        lay.addWidget(title, alignment=Qt.AlignmentFlag.AlignCenter)
        marks = {"demo": " — DÉMO", "exercise": " — EXERCICE EXERCICE EXERCICE"}
        sub = QLabel(f"SCOP — {workstation}{marks.get(mode, '')} — verrouillé par inactivité")
        sub.setStyleSheet("font-size:16px")
        lay.addWidget(sub, alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addSpacing(24)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Mot de passe de la session en cours")
        self.password.returnPressed.connect(self._unlock)
        lay.addWidget(self.password, alignment=Qt.AlignmentFlag.AlignCenter)
        self.error = QLabel()
        self.error.setStyleSheet("color:#ff8a80;font-size:14px")
        lay.addWidget(self.error, alignment=Qt.AlignmentFlag.AlignCenter)
        self.unlock_button = QPushButton("Reprendre (DÉMO)" if demo else "Déverrouiller")
        self.unlock_button.clicked.connect(self._unlock)
        lay.addWidget(self.unlock_button, alignment=Qt.AlignmentFlag.AlignCenter)
        self.switch_button = QPushButton("Changer d'opérateur")
        self.switch_button.clicked.connect(self.switch_requested)
        lay.addWidget(self.switch_button, alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(3)
        if demo:
            self.password.hide()

    def _unlock(self) -> None:
        text = self.password.text()
        self.password.clear()
        self.unlock_requested.emit(text)


class IdleLock(QObject):
    """Watches input on the whole application; ``check()`` (on a timer) locks when the room's
    clock says the workstation has been idle long enough. The clock is injected: tests move
    a manual clock instead of waiting 15 minutes."""

    locked = Signal()
    unlocked = Signal()
    operator_changed = Signal(object)

    def __init__(
        self,
        ctx: Any,
        window: QWidget,
        accounts: Any,
        idle: timedelta,
        *,
        login: Callable[[], Operator | None] | None = None,
        demo_operator: Operator | None = None,
        poll_ms: int = 5000,
    ) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.accounts = accounts
        self.idle = idle
        self.login = login
        self.demo_operator = demo_operator
        self.clock = ctx.room.clock
        self.last_activity = self.clock.now()
        self.screen: LockScreen | None = None
        self._hidden: list[QWidget] = []
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        if poll_ms:
            self.timer.start(poll_ms)

    @property
    def is_locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and not self.is_locked:
            self.last_activity = self.clock.now()
        return False

    def check(self) -> None:
        if not self.is_locked and self.clock.now() - self.last_activity >= self.idle:
            self.lock()

    def lock(self) -> None:
        if self.is_locked:
            return
        room = self.ctx.room
        try:
            room.lock()
        except Exception:  # a lock must happen even if the journal cannot say so now
            import logging

            logging.getLogger("scop").exception("verrouillage non journalisé")
        self._hidden = [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and not isinstance(w, LockScreen)
        ]
        demo = self.demo_operator is not None and room.operator == self.demo_operator
        self.screen = LockScreen(room.workstation, room.mode, demo)
        self.screen.unlock_requested.connect(self.try_unlock)
        self.screen.switch_requested.connect(self.switch_operator)
        self.screen.setGeometry(self.window.geometry())
        self.screen.show()  # before the others hide: the application never has no window
        for w in self._hidden:
            w.hide()
        self.screen.password.setFocus()
        self.locked.emit()

    def try_unlock(self, password: str) -> bool:
        assert self.screen is not None
        room = self.ctx.room
        me: Operator = room.operator
        if not (self.demo_operator is not None and me == self.demo_operator):
            try:
                who = self.accounts.authenticate(me.id, password, room.workstation)
            except LoginRefused as refused:
                self.screen.error.setText(str(refused))
                return False
            if who.id != me.id:
                self.screen.error.setText("Ce n'est pas le compte de la session en cours.")
                return False
        room.unlock()
        self._restore()
        return True

    def switch_operator(self) -> None:
        """The relève at the keyboard: the session ends, another person logs in."""
        if self.login is None:
            return
        op = self.login()
        if op is None:
            return  # cancelled: the workstation stays locked
        room = self.ctx.room
        room.logout()
        room.operator = op
        room.login()
        self._restore()
        self.operator_changed.emit(op)

    def _restore(self) -> None:
        for w in self._hidden:
            w.show()
        self._hidden = []
        if self.screen is not None:
            self.screen.close()
            self.screen.deleteLater()
            self.screen = None
        self.last_activity = self.clock.now()
        self.unlocked.emit()

    def teardown(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
