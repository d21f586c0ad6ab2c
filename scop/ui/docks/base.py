"""The contract of a dock: built with the context, torn down symmetrically, ready when its
content has painted (the screenshot mode and the tests wait for that)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDockWidget, QWidget

from scop.ui.context import UiContext


class ScopDock(QDockWidget):
    dock_id = "dock"
    title = "Panneau"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(self.title, parent)
        self.ctx = ctx
        self.setObjectName(self.dock_id)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._painted = False

    def set_content(self, widget: QWidget) -> None:
        self.setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self.widget():
            self._painted = True
        return False

    def is_ready(self) -> bool:
        """Painted at least once; docks with asynchronous content (the map) add to this."""
        return self._painted

    def layout_applied(self, key: str) -> None:
        """The window took the layout ``key`` (operateur, chef, formateur, mur): a dock that
        behaves differently on one of them (the wall's map) adapts here."""

    def wire(self, docks: dict[str, ScopDock]) -> None:
        """Connect to the other docks once all exist (e.g. the map's "create an event here"
        to the events dock's intake). Absent docks are simply not wired."""

    def teardown(self) -> None:
        """Disconnect from the context. Called once, before the window closes."""
