"""The room service: commands in, journal entries out, state folded for everyone.

Every change goes the same way: a command is checked against current state, becomes
entries appended to the journal in one transaction, and comes back through :meth:`sync`,
which folds whatever the journal holds beyond what this workstation has seen, whoever
wrote it. Listeners (the UI bridge, the PP link, the procedures runner) hear about it there.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scop.clock import Clock
from scop.journal.store import DatabaseUnavailable, JournalStore, WriteTxn, is_unavailable
from scop.models import fold_accounts as ka
from scop.models import fold_core as k
from scop.models.entities import PositionFix
from scop.models.entries import SYSTEM, Draft, Entry, Operator
from scop.models.permissions import COMMAND_MODES, allowed, refusal
from scop.models.projection import Projection
from scop.models.state import RoomState

log = logging.getLogger(__name__)


class CommandRefused(Exception):
    """A command that current state does not allow; its message is for the operator."""


# A command's decision: current state in, the drafts to append out (or CommandRefused).
# It runs inside the journal's write transaction (see Room.execute): pure, no I/O, no clock
# read (take ``now`` before), no state of its own; it may run twice if the write is retried.
Decide = Callable[[RoomState], Sequence[Draft]]

READ_ONLY_REFUSAL = "Main courante en lecture seule : aucune action n'est possible ici."


def guard(room: Room, command: str, operator: Operator) -> None:
    """The one gate every command passes before its decision runs: may ``operator`` issue
    ``command`` in this room now? Checks about the *room* (read-only replay, mode, and the
    operator's role) live here and only here; checks about the *state* live in the
    command's decision."""
    if room.store.readonly:
        raise CommandRefused(READ_ONLY_REFUSAL)
    modes = COMMAND_MODES.get(command)
    if modes is not None and room.mode not in modes:
        raise CommandRefused(f"Action impossible dans une salle en mode « {room.mode} ».")
    if not allowed(command, operator.role):
        raise CommandRefused(refusal(command, operator.role))


# -- checks of entries, re-run on a fresh fold --------------------------------------------

# kind -> the check a command makes before appending an entry of that kind: raises
# CommandRefused when ``payload`` does not hold against ``state``. Registered with
# @entry_check in the command modules; :func:`invalid_entries` re-runs them on a fresh fold.
EntryCheck = Callable[[RoomState, Mapping[str, Any]], None]
ENTRY_CHECKS: dict[str, EntryCheck] = {}


def entry_check(kind: str) -> Callable[[EntryCheck], EntryCheck]:
    def register(fn: EntryCheck) -> EntryCheck:
        ENTRY_CHECKS[kind] = fn
        return fn

    return register


def invalid_entries(entries: Iterable[Entry]) -> list[tuple[Entry, str]]:
    """Fold ``entries`` from nothing and re-run, before each one, the check of its kind:
    what the journal holds that its command should have refused (nothing, if every check
    ran where it was written)."""
    projection = Projection()
    bad: list[tuple[Entry, str]] = []
    for e in entries:
        check = ENTRY_CHECKS.get(e.kind)
        if check is not None:
            try:
                check(projection.state, e.payload)
            except CommandRefused as refusal:
                bad.append((e, str(refusal)))
        projection.apply(e)
    return bad


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
    _caught_up: list[Entry] = field(default_factory=list)
    in_session: bool = False  # between login() and logout(): the logout is journaled once

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

    def acting_as(self, operator: Operator) -> Room:
        """This room (same journal, same fold, same listeners) for a service that writes under
        its own identity: a simulator's report is not the logged-in operator's act."""
        return replace(self, operator=operator)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- writing -------------------------------------------------------------------------

    def execute(
        self,
        command: str,
        decide: Decide,
        *,
        author: Operator | None = None,
        also: Callable[[WriteTxn], None] | None = None,
    ) -> list[Entry]:
        """Run a command: the guard, then ``decide`` inside the journal's write transaction,
        against this workstation's state brought up to the journal's head (what others
        appended is folded first). Appends what ``decide`` returns; a refusal appends nothing.
        ``also`` writes, in the same transaction, what the command changes outside the
        journal (a room setting). Returns the entries appended (none if ``decide`` returned
        none)."""
        who = author or self.operator
        guard(self, command, who)

        def in_transaction(txn: WriteTxn) -> Sequence[Draft]:
            for e in txn.read(after=self.state.position):
                self.projection.apply(e)
                self._caught_up.append(e)
            drafts = decide(self.state)
            if also is not None:
                also(txn)
            return drafts

        try:
            entries = self.store.append_decided(in_transaction, who)
        except DatabaseUnavailable as exc:
            # One transaction: nothing of the command was written, the operator tries again.
            self._notify(Change(self._take_caught_up()))
            raise CommandRefused(str(exc)) from exc
        except BaseException:
            self._notify(Change(self._take_caught_up()))
            raise
        self._fold_written(entries)
        return entries

    def record(
        self,
        kind: str,
        payload: dict[str, object] | None = None,
        source: str = "operateur",
        author: Operator | None = None,
    ) -> Entry:
        return self.record_all([Draft(kind, payload or {}, source, author)])[0]

    def record_all(self, drafts: Sequence[Draft]) -> list[Entry]:
        """Append ``drafts`` as they are (no check of state): for services replaying what
        already happened elsewhere (the PP's messages, a scenario's injects, the generator).
        A command that decides something writes a decision and calls :meth:`execute`."""
        if not drafts:
            return []
        signed = [d if d.author else replace(d, author=self.operator) for d in drafts]
        command = signed[0].kind
        for who in {d.author for d in signed[1:]}:  # each author must be entitled to write
            guard(self, command, who or self.operator)
        return self.execute(command, lambda _st: signed, author=signed[0].author)

    def _fold_written(self, entries: list[Entry]) -> None:
        """Fold the entries just appended as the store sealed them: they are what a re-read
        would give (same payload text, same time), and reading them back cost more than the
        rest of the append on the PP link's path. They follow what the transaction caught up
        on, so the fold has no gap; anything appended by others after our commit comes with the
        next :meth:`sync`, as it would have a moment later anyway."""
        if not entries or entries[0].position != self.state.position + 1:
            self._sync_after_write()
            return
        for e in entries:
            self.projection.apply(e)
        self._notify(Change([*self._take_caught_up(), *entries]))

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
        change = Change([*self._take_caught_up(), *entries], fixes)
        self._notify(change)
        return change

    def _take_caught_up(self) -> list[Entry]:
        """Entries folded inside a command's transaction, not yet told to listeners."""
        caught, self._caught_up = self._caught_up, []
        return caught

    def _notify(self, change: Change) -> None:
        if change:
            for listener in list(self._listeners):
                listener(change)

    # -- commands of the main courante ------------------------------------------------------

    def note(self, text: str, source: str = "operateur", event_id: str | None = None) -> Entry:
        """A free entry; with ``event_id`` it also shows in that event's history."""
        text = text.strip()
        if not text:
            raise CommandRefused("Une entrée de main courante ne peut pas être vide.")
        payload: dict[str, Any] = {"text": text}
        if event_id:
            payload["event_id"] = event_id

        def decide(st: RoomState) -> list[Draft]:
            if event_id and event_id not in st.events:
                raise CommandRefused(f"Événement inconnu : {event_id}.")
            return [Draft(k.NOTE, payload, source)]

        return self.execute("note", decide)[0]

    def correct(self, position: int, text: str) -> Entry:
        """Corrections are new entries pointing at the corrected one: nothing is ever edited."""
        text = text.strip()
        if not text:
            raise CommandRefused("Une correction doit dire ce qui est corrigé.")
        payload = {"corrects": position, "text": text}

        def decide(st: RoomState) -> list[Draft]:
            check_correction(st, payload)
            return [Draft(k.CORRECTION, payload)]

        return self.execute(self._correction_command(position), decide)[0]

    def _correction_command(self, position: int) -> str:
        """Correcting one's own entry is ``correct``; someone else's is ``correct.other``
        (the chief's, in the role table)."""
        target = self.store.read(after=position - 1, limit=1) if position >= 1 else []
        if not target or target[0].position != position:
            return "correct"  # the decision refuses a missing entry
        e, me = target[0], self.operator
        mine = e.author_id == me.id if (e.author_id and me.id) else e.author == me.name
        return "correct" if mine else "correct.other"

    def login(self) -> Entry:
        ws = self.workstation
        entry = self.execute("login", lambda _st: [Draft(k.LOGIN, {"workstation": ws})])[0]
        self.in_session = True
        return entry

    def lock(self) -> Entry:
        """The idle lock: journaled so the record shows when a workstation stood unattended."""
        ws = self.workstation
        return self.execute(
            "session.lock", lambda _st: [Draft(ka.SESSION_LOCKED, {"workstation": ws})]
        )[0]

    def unlock(self) -> Entry:
        ws = self.workstation
        return self.execute(
            "session.unlock", lambda _st: [Draft(ka.SESSION_UNLOCKED, {"workstation": ws})]
        )[0]

    def logout(self) -> Entry | None:
        """Journal the end of the session, once (the window's close and the launcher's
        clean-up both call it)."""
        if not self.in_session:
            return None
        ws = self.workstation
        entry = self.execute("logout", lambda _st: [Draft(k.LOGOUT, {"workstation": ws})])[0]
        self.in_session = False
        return entry


@entry_check(k.CORRECTION)
def check_correction(st: RoomState, p: Mapping[str, Any]) -> None:
    position = p.get("corrects")
    if not isinstance(position, int) or not 1 <= position <= st.position:
        raise CommandRefused(f"L'entrée n° {position} n'existe pas.")


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


YOUNG_GENERATION = 10_000  # objects allocated between two young collections (Python's: 700)


def settle_heap(young: int = YOUNG_GENERATION) -> None:
    """Tune the cyclic collector for a long-running process (console, gateway) once it has
    folded the journal.

    The fold lives as long as the process and only grows: at every full collection the
    collector walked all of it, and on the PP link that was 18% of the CPU per message, in
    pauses of tens of milliseconds (bench/pp_link.py). What exists now is frozen out of the
    collector's walks (it is freed by reference counting as before, only cycles among it would
    stay), and a larger young generation makes collections rarer, so that the short-lived
    objects of a message die by reference counting before any walk sees them."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, _young), middle, old)
