"""What every dock is handed: the room, and the Qt objects that carry its changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from scop.config import Config
from scop.journal.store import is_unavailable
from scop.journal.watch import CHECK_INTERVAL_S, ChangeWatch
from scop.models.permissions import OBSERVER_READ_ONLY, writes_nothing
from scop.procedures.runner import ProcedureRunner
from scop.room import Change, Room

log = logging.getLogger(__name__)


class RoomBridge(QObject):
    """Turns the room's changes into a Qt signal, and reads the journal as soon as another
    workstation (or the gateway) commits: every ``poll_ms`` it asks the store's change
    watch (NOTIFY on PostgreSQL, ``data_version`` on SQLite, a few microseconds) whether
    there is anything to read, and reads only then (at least every couple of seconds)."""

    changed = Signal(object)  # Change
    reset = Signal()  # the whole state was replaced (replay seek, exercise fork)
    database_changed = Signal(bool)  # reachable or not, emitted when it changes

    def __init__(
        self, room: Room, poll_ms: int = int(CHECK_INTERVAL_S * 1000), parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.room = room
        self._unsubscribe = room.subscribe(self._on_change)
        self.database_up = True
        self._watch: ChangeWatch | None = None
        if poll_ms > 0 and not room.store.readonly:
            self._watch = room.store.watch()
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._tick)
        if poll_ms > 0:
            self._timer.start()

    def _tick(self) -> None:
        if self._watch is None or self._watch.poll():
            self.poll()

    def _on_change(self, change: Change) -> None:
        self.changed.emit(change)

    def poll(self) -> None:
        if self.room.store.readonly:
            return
        try:
            self.room.sync()
        except Exception as exc:  # a database hiccup must not kill the console; next tick retries
            if not is_unavailable(exc):
                log.exception("synchronisation de la main courante impossible")
                return
            if self.database_up:
                log.warning("base indisponible : %s", str(exc).splitlines()[0])
            self.report_database(False)
            return
        self.report_database(True)  # and caught up: sync read everything since the outage

    def report_database(self, up: bool) -> None:
        """Whoever meets the database (this poll, the status bar's lease reading) says whether
        it answered; the status bar hears of each change once."""
        if up != self.database_up:
            self.database_up = up
            self.database_changed.emit(up)

    def stop(self) -> None:
        self._timer.stop()
        self._unsubscribe()
        if self._watch is not None:
            self._watch.close()
            self._watch = None


class Notices(QObject):
    """One path for core-to-UI notices (errors, warnings, information)."""

    posted = Signal(str, str)  # level ("info", "warning", "error"), text
    cleared = Signal()  # what was shown no longer holds (the operator fixed it)

    def clear(self) -> None:
        self.cleared.emit()

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
    procedures: ProcedureRunner | None = None  # the fiches réflexes of the room (scop.app)

    @property
    def mode(self) -> str:
        return self.room.mode

    @property
    def read_only_reason(self) -> str:
        """Why this console's controls that write are disabled ('' when they are not): a
        replay writes nothing, nor does an observer (the wall display). Read each time: the
        person at the keyboard changes at the relève."""
        if self.room.store.readonly:
            return "Relecture : la main courante est en lecture seule."
        if writes_nothing(self.room.operator.role):
            return OBSERVER_READ_ONLY
        return ""
