"""The prise de poste and the idle lock, as a person meets them (pytest-qt, a test clock)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog

from scop.accounts.passwords import TEST_COST, Hasher
from scop.accounts.store import WRONG_CREDENTIALS, Accounts
from scop.demo import DEMO_ACCOUNT
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.room import Room
from scop.ui.lock import IdleLock, LockScreen
from scop.ui.login import NO_ACCOUNT, LoginDialog

ADMIN = Operator("Adm. Roux", "admin", "aroux")
PASSWORD = "mot de passe de bruno"
# Where to keep the pictures for a person to look at, when asked (never by default).
SHOTS = os.environ.get("SCOP_SHOTS_DIR")


def accounts(store: JournalStore) -> Accounts:
    acc = Accounts(store, Hasher(TEST_COST))
    if acc.get("blefevre") is None:
        acc.add("blefevre", "B. Lefèvre", "operator", PASSWORD, ADMIN)
        acc.add("cmorel", "Cdt. Morel", "chief", "mot de passe du chef", ADMIN)
    return acc


def test_login_needs_the_account_password_and_remembers_the_login(
    qtbot: Any, store: JournalStore, settings: QSettings
) -> None:
    acc = accounts(store)
    dlg = LoginDialog("poste-3", "live", acc, settings)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.demo_button is None  # no shortcut in a real room
    qtbot.keyClicks(dlg.login, "BLefevre")
    qtbot.keyClicks(dlg.password, "pas le bon mot de passe")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.error.text() == WRONG_CREDENTIALS
    assert dlg.password.text() == ""  # the wrong password is not left in the field
    qtbot.keyClicks(dlg.password, PASSWORD)
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.operator() == Operator("B. Lefèvre", "operator", "blefevre")

    again = LoginDialog("poste-3", "live", acc, settings)
    qtbot.addWidget(again)
    assert again.login.text() == "BLefevre"
    assert again.password.text() == ""


def test_a_room_without_accounts_says_so(qtbot: Any, settings: QSettings) -> None:
    dlg = LoginDialog("poste-3", "live", None, settings)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.login, "quelquun")
    dlg.accept()
    assert dlg.error.text() == NO_ACCOUNT
    assert dlg.operator() is None


def test_demo_has_a_one_click_demo_account(qtbot: Any, settings: QSettings) -> None:
    dlg = LoginDialog("poste-3", "demo", None, settings, demo_operator=DEMO_ACCOUNT)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.demo_button is not None
    assert "DÉMO" in dlg.demo_button.text()
    qtbot.mouseClick(dlg.demo_button, Qt.MouseButton.LeftButton)
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.operator() == DEMO_ACCOUNT


def _grab(widget: Any, name: str) -> QImage:
    img = widget.grab().toImage()
    if SHOTS:
        img.save(str(Path(SHOTS) / name))
    return img


def test_idle_lock_hides_the_room_and_unlocks_with_the_password(
    qtbot: Any, window: Any, demo_room: Room, clock: Any
) -> None:
    acc = accounts(demo_room.store)
    demo_room.operator = Operator("B. Lefèvre", "operator", "blefevre")
    demo_room.login()  # as the console does once the person is identified
    switched: list[Operator] = []
    lock = IdleLock(
        window.ctx,
        window,
        acc,
        timedelta(minutes=15),
        login=lambda: Operator("Cdt. Morel", "chief", "cmorel"),
        poll_ms=0,
    )
    lock.operator_changed.connect(switched.append)
    lock.last_activity = clock.now()
    clock.advance(minutes=14)
    lock.check()
    assert not lock.is_locked
    clock.advance(minutes=1)
    lock.check()
    assert lock.is_locked
    screen = lock.screen
    assert isinstance(screen, LockScreen)
    assert not window.isVisible()
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert visible == [screen]
    qtbot.waitExposed(screen)
    img = _grab(screen, "accounts10-lock-screen.png")
    # what the lock screen shows: its own words and nothing of the room
    texts = " ".join(w.text() for w in screen.findChildren(object) if hasattr(w, "text"))
    for secret in ["EV-0001", "Oberkampf", "V11-1", "Lefèvre", "blefevre", "Incendie"]:
        assert secret not in texts
    assert "Poste verrouillé" in texts
    # the pixels too: the dark lock background everywhere, no map tile or list
    colours = {img.pixelColor(x, y).name() for x in range(0, img.width(), 40) for y in (5,)}
    assert colours == {"#263238"}
    assert demo_room.store.read()[-1].kind == "session.locked"

    # another account's password does not unlock; the session's does
    assert not lock.try_unlock("mot de passe du chef")
    assert lock.is_locked
    assert lock.try_unlock(PASSWORD)
    assert not lock.is_locked
    assert window.isVisible()
    assert demo_room.store.read()[-1].kind == "session.unlocked"

    # « changer d'opérateur »: the relève at the keyboard, without closing the console
    clock.advance(minutes=16)
    lock.check()
    assert lock.is_locked
    lock.switch_operator()
    assert not lock.is_locked
    assert switched == [Operator("Cdt. Morel", "chief", "cmorel")]
    assert demo_room.operator.id == "cmorel"
    kinds = [(e.kind, e.author_id) for e in demo_room.store.read()[-2:]]
    assert kinds == [("session.logout", "blefevre"), ("session.login", "cmorel")]
    _grab(window, "accounts10-after-switch.png")
    lock.teardown()
