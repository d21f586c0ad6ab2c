"""The fire the fiches réflexes tests run on, and the flood beside it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scop.models.entries import SYSTEM
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
    """A runner over a room holding the fire (EV-1) and the flood (EV-2), its person made chief
    (fiches are launched and closed by the chief: the role table)."""
    room.acting_as(SYSTEM).record("event.created", FIRE)
    room.acting_as(SYSTEM).record("event.created", FLOOD)
    room.operator = replace(room.operator, role="chief")
    return ProcedureRunner(room, library)
