"""The room service: commands in, journal entries out, state folded for everyone.

Every change goes the same way: a command is checked against current state, becomes
entries appended to the journal in one transaction, and comes back through :meth:`sync`,
which folds whatever the journal holds beyond what this workstation has seen, whoever
wrote it. Listeners (the UI bridge, the PP link, the procedures runner) hear about it there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scop.clock import Clock
from scop.journal.store import DatabaseUnavailable, JournalStore, is_unavailable
from scop.models import fold_core as k
from scop.models.entities import PositionFix
from scop.models.entries import SYSTEM, Draft, Entry, Operator
from scop.models.projection import Projection
from scop.models.state import RoomState

log = logging.getLogger(__name__)


class CommandRefused(Exception):
    """A command that current state does not allow; its message is for the operator."""


@dataclass(frozen=True, slots=True)
class Change:
    entries: Sequence[Entry] = ()
    fixes: Sequence[PositionFix] = ()

    def __bool__(self) -> bool:
        return bool(self.entries or self.fixes)


Listener = Callable[[Change], None]


@dataclass
class Room:
    store: JournalStore
    clock: Clock
    operator: Operator
    workstation: str = "poste-1"
    projection: Projection = field(default_factory=Projection)
    _listeners: list[Listener] = field(default_factory=list)

    @property
    def state(self) -> RoomState:
        return self.projection.state

    @property
    def mode(self) -> str:
        return self.state.mode

    def load(self) -> None:
        """Fold the whole journal, then place each crew at its last known position."""
        for e in self.store.iter_entries():
            self.projection.apply(e)
        for fix_id, fix in self.store.latest_positions():
            self.projection.apply_fix(fix, fix_id)
        self.projection.state.last_fix_id = self.store.last_position_id()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- writing -------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        payload: dict[str, object] | None = None,
        source: str = "operateur",
        author: Operator | None = None,
    ) -> Entry:
        return self.record_all([Draft(kind, payload or {}, source, author)])[0]

    def record_all(self, drafts: Sequence[Draft]) -> list[Entry]:
        try:
            entries = self.store.append(drafts, self.operator)
        except DatabaseUnavailable as exc:
            # One transaction: nothing of the command was written, the operator tries again.
            raise CommandRefused(str(exc)) from exc
        self._sync_after_write()
        return entries

    def _sync_after_write(self) -> None:
        """The write is committed; if the database fails right after, the next poll catches
        up, and the command must not be reported as failed."""
        try:
            self.sync()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("relecture après écriture impossible ; la prochaine y pourvoira")

    def record_positions(self, fixes: Sequence[PositionFix]) -> None:
        self.store.append_positions(fixes)
        self._sync_after_write()

    def sync(self) -> Change:
        """Fold what the journal holds beyond what we have seen (ours and other workstations')."""
        st = self.state
        entries = self.store.read(after=st.position)
        for e in entries:
            self.projection.apply(e)
        fixes: list[PositionFix] = []
        rows = self.store.read_positions(after_id=st.last_fix_id)
        for fix_id, fix in rows:
            if self.projection.apply_fix(fix, fix_id):
                fixes.append(fix)
        change = Change(entries, fixes)
        if change:
            for listener in list(self._listeners):
                listener(change)
        return change

    # -- commands of the main courante ------------------------------------------------------

    def note(self, text: str, source: str = "operateur") -> Entry:
        text = text.strip()
        if not text:
            raise CommandRefused("Une entrée de main courante ne peut pas être vide.")
        return self.record(k.NOTE, {"text": text}, source)

    def correct(self, position: int, text: str) -> Entry:
        """Corrections are new entries pointing at the corrected one: nothing is ever edited."""
        text = text.strip()
        if not text:
            raise CommandRefused("Une correction doit dire ce qui est corrigé.")
        if not 1 <= position <= self.state.position:
            raise CommandRefused(f"L'entrée n° {position} n'existe pas.")
        return self.record(k.CORRECTION, {"corrects": position, "text": text})

    def login(self) -> Entry:
        return self.record(k.LOGIN, {"workstation": self.workstation})

    def logout(self) -> Entry:
        return self.record(k.LOGOUT, {"workstation": self.workstation})


def open_room(
    store: JournalStore,
    clock: Clock,
    operator: Operator,
    *,
    mode: str = "live",
    label: str = "",
    workstation: str = "poste-1",
) -> Room:
    """Open (and on first use initialise) the room held by ``store``."""
    room = Room(store, clock, operator, workstation)
    room.load()
    if room.state.position == 0:
        store.set_meta("mode", mode)
        store.set_meta("label", label)
        room.record(k.ROOM_OPENED, {"mode": mode, "label": label}, "systeme", SYSTEM)
    return room
