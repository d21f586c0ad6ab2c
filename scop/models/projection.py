"""The fold from journal entries to current state.

One fold serves live operation, replay at any instant and the tests. Each entry kind has at
most one handler; modules register theirs with :func:`handles` and are listed in
``FOLD_MODULES`` so that importing the projection always brings every handler in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import replace

from scop.models.entities import PositionFix
from scop.models.entries import Entry
from scop.models.state import RoomState

Handler = Callable[[RoomState, Entry], None]

_HANDLERS: dict[str, Handler] = {}
# Folds that also need to see a kind another module owns (e.g. the safety watch notes the
# time of each engagement); they run after the owner's handler, in registration order.
_OBSERVERS: dict[str, list[Handler]] = {}

FOLD_MODULES = (
    "scop.models.fold_core",
    "scop.models.fold_accounts",
    "scop.models.fold_messages",
    "scop.models.fold_operations",
    "scop.models.fold_procedures",
    "scop.models.fold_map",
    "scop.models.fold_exercise",
    "scop.models.fold_duty",
    "scop.models.fold_safety",
)


class ProjectionError(Exception):
    pass


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for kind in kinds:
            if kind in _HANDLERS and _HANDLERS[kind] is not fn:
                raise ProjectionError(f"two handlers for {kind!r}")
            _HANDLERS[kind] = fn
        return fn

    return register


def observes(*kinds: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for kind in kinds:
            if fn not in _OBSERVERS.setdefault(kind, []):
                _OBSERVERS[kind].append(fn)
        return fn

    return register


def _load_handlers() -> None:
    for name in FOLD_MODULES:
        importlib.import_module(name)


class Projection:
    def __init__(self, state: RoomState | None = None) -> None:
        _load_handlers()
        self.state = state if state is not None else RoomState()

    def apply(self, entry: Entry) -> None:
        st = self.state
        if entry.position != st.position + 1:
            raise ProjectionError(
                f"entry {entry.position} folded after {st.position}: the journal has a gap"
            )
        handler = _HANDLERS.get(entry.kind)
        if handler is not None:
            handler(st, entry)
        for observer in _OBSERVERS.get(entry.kind, ()):
            observer(st, entry)
        st.position = entry.position
        if st.time is None or entry.ts > st.time:
            st.time = entry.ts

    def apply_all(self, entries: Iterable[Entry]) -> None:
        for e in entries:
            self.apply(e)

    def apply_fix(self, fix: PositionFix, fix_id: int = 0) -> bool:
        """Move a crew. A fix older than the one already known, or for an unknown crew, is
        dropped (returns False): feeds deliver out of order."""
        st = self.state
        if fix_id:
            st.last_fix_id = max(st.last_fix_id, fix_id)
        crew = st.crews.get(fix.call_sign)
        if crew is None or (crew.position_ts is not None and fix.ts < crew.position_ts):
            return False
        st.crews[fix.call_sign] = replace(
            crew, lon=fix.lon, lat=fix.lat, heading=fix.heading, position_ts=fix.ts
        )
        if st.time is None or fix.ts > st.time:
            st.time = fix.ts
        return True


def fold(entries: Iterable[Entry], fixes: Iterable[PositionFix] = ()) -> RoomState:
    p = Projection()
    p.apply_all(entries)
    for fix in fixes:
        p.apply_fix(fix)
    return p.state


def known_kinds() -> frozenset[str]:
    _load_handlers()
    return frozenset(_HANDLERS)
