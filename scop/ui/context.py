"""What every dock is handed: the room, and the Qt objects that carry its changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from scop.config import Config
from scop.room import Change, Room

log = logging.getLogger(__name__)


class RoomBridge(QObject):
    """Turns the room's changes into a Qt signal, and polls the journal so that entries
    written by other workstations (or the gateway) arrive here too."""

    changed = Signal(object)  # Change
    reset = Signal()  # the whole state was replaced (replay seek, exercise fork)

    def __init__(self, room: Room, poll_ms: int = 400, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self._unsubscribe = room.subscribe(self._on_change)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.poll)
        if poll_ms > 0:
            self._timer.start()

    def _on_change(self, change: Change) -> None:
        self.changed.emit(change)

    def poll(self) -> None:
        if self.room.store.readonly:
            return
        try:
            self.room.sync()
        except Exception:  # a database hiccup must not kill the console; it retries next tick
            log.exception("synchronisation de la main courante impossible")

    def stop(self) -> None:
        self._timer.stop()
        self._unsubscribe()


class Notices(QObject):
    """One path for core-to-UI notices (errors, warnings, information)."""

    posted = Signal(str, str)  # level ("info", "warning", "error"), text

    def info(self, text: str) -> None:
        self.posted.emit("info", text)

    def warning(self, text: str) -> None:
        log.warning(text)
        self.posted.emit("warning", text)

    def error(self, text: str) -> None:
        log.error(text)
        self.posted.emit("error", text)


class Selection(QObject):
    """The crew or event the operator is looking at, shared by the map and every list."""

    crew_selected = Signal(str)
    event_selected = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.call_sign: str | None = None
        self.event_id: str | None = None

    def select_crew(self, call_sign: str) -> None:
        if call_sign != self.call_sign:
            self.call_sign = call_sign
            self.crew_selected.emit(call_sign)

    def select_event(self, event_id: str) -> None:
        if event_id != self.event_id:
            self.event_id = event_id
            self.event_selected.emit(event_id)


@dataclass
class UiContext:
    room: Room
    bridge: RoomBridge
    notices: Notices
    selection: Selection
    services: dict[str, Any] = field(default_factory=dict)  # PP link, feeds… by name
    config: Config = field(default_factory=Config)

    @property
    def mode(self) -> str:
        return self.room.mode
