"""The dock's keyboard: one table of shortcuts, so that the README, the button captions and the
keys cannot drift apart unnoticed. Each names a method of the dock."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

# Inside the dock (its widget or a child has focus).
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+Return", "mark_done"),
    ("Ctrl+Enter", "mark_done"),
    ("Ctrl+D", "start_step"),
    ("Ctrl+S", "focus_skip"),
    ("Alt+Left", "go_back"),
    ("Alt+Right", "go_next"),
    ("Ctrl+L", "log_call"),
)
BRANCH_KEYS = tuple(f"Alt+{n}" for n in range(1, 10))  # the n-th branch of a decision
LAUNCH_KEY = "Ctrl+Shift+F"  # from anywhere in the console


class Actions(Protocol):
    def mark_done(self) -> None: ...
    def start_step(self) -> None: ...
    def focus_skip(self) -> None: ...
    def go_back(self) -> None: ...
    def go_next(self) -> None: ...
    def log_call(self) -> None: ...
    def choose_branch(self, index: int) -> None: ...
    def open_launch_dialog(self) -> None: ...


def install_shortcuts(actions: Actions, root: QWidget, window: QWidget) -> list[QShortcut]:
    """``root``: the dock's content (shortcuts active within it); ``window``: the dock itself,
    whose launch shortcut works application-wide."""
    out = []
    for keys, name in SHORTCUTS:
        sc = QShortcut(QKeySequence(keys), root)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(getattr(actions, name))
        out.append(sc)
    for i, keys in enumerate(BRANCH_KEYS):
        sc = QShortcut(QKeySequence(keys), root)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(lambda i=i: actions.choose_branch(i))
        out.append(sc)
    launch = QShortcut(QKeySequence(LAUNCH_KEY), window)
    launch.setContext(Qt.ShortcutContext.ApplicationShortcut)
    launch.activated.connect(actions.open_launch_dialog)
    out.append(launch)
    return out
