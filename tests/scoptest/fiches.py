"""The fire the fiches réflexes tests run on, and the flood beside it."""

from __future__ import annotations

from typing import Any

from scop.procedures.model import Library
from scop.procedures.runner import ProcedureRunner
from scop.room import Room

FIRE: dict[str, Any] = {
    "id": "EV-1",
    "category": "FIR",
    "title": "Feu",
    "gravity": 4,
    "address": "52 Rue Oberkampf, 75011 Paris",
    "lon": 2.3748,
    "lat": 48.8649,
}
FLOOD: dict[str, Any] = {
    **FIRE,
    "id": "EV-2",
    "category": "FLD",
    "address": "Quai de la Tournelle, 75005 Paris",
}


def fire_runner(room: Room, library: Library) -> ProcedureRunner:
    """A runner over a room holding the fire (EV-1) and the flood (EV-2)."""
    room.record("event.created", FIRE)
    room.record("event.created", FLOOD)
    return ProcedureRunner(room, library)
