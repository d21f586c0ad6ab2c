"""Entities of the room. Frozen: the projection replaces them, never mutates them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CREW_STATUSES: dict[str, str] = {
    "disponible": "Disponible",
    "engage": "Engagé",
    "sur_les_lieux": "Sur les lieux",
    "indisponible": "Indisponible",
    "hors_service": "Hors service",
}

CREW_MODES: dict[str, str] = {
    "pied": "À pied",
    "velo": "Vélo",
    "vehicule": "Véhicule",
}

EVENT_STATUSES: dict[str, str] = {
    "nouveau": "Nouveau",
    "pris_en_compte": "Pris en compte",
    "en_cours": "En cours",
    "clos": "Clos",
}

# Each piece of information on an event carries how far it has been checked.
VERIFICATION_STATES: dict[str, str] = {
    "a_verifier": "À vérifier",
    "en_verification": "En cours de vérification",
    "verifie": "Vérifié",
}

GRAVITIES: dict[int, str] = {
    1: "Faible",
    2: "Moyenne",
    3: "Élevée",
    4: "Critique",
}


@dataclass(frozen=True, slots=True)
class PositionFix:
    """One position report of a crew, from the crew feed. Not chained: there are millions."""

    call_sign: str
    ts: datetime
    lon: float
    lat: float
    heading: float | None = None
    speed: float | None = None  # m/s


@dataclass(frozen=True, slots=True)
class Crew:
    call_sign: str
    division: str
    mode: str
    status: str = "disponible"
    agents: int = 2
    lon: float | None = None
    lat: float | None = None
    heading: float | None = None
    position_ts: datetime | None = None
    event_id: str | None = None
    status_since: datetime | None = None
    status_by: str = ""  # who gave the current status (a refusal names who was first)

    @property
    def status_label(self) -> str:
        return CREW_STATUSES.get(self.status, self.status)

    @property
    def mode_label(self) -> str:
        return CREW_MODES.get(self.mode, self.mode)


@dataclass(frozen=True, slots=True)
class InfoItem:
    """One piece of information about an event: who said it, and whether it was checked.
    ``id`` is the journal position of the entry that brought it, unique in the room."""

    id: int
    text: str
    source: str
    verification: str
    ts: datetime
    author: str = ""

    @property
    def verification_label(self) -> str:
        return VERIFICATION_STATES.get(self.verification, self.verification)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    category: str
    title: str
    gravity: int
    status: str
    source: str
    created_at: datetime
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    description: str = ""
    parent_id: str | None = None
    crews: tuple[str, ...] = ()
    closing_reason: str | None = None
    updated_at: datetime | None = None
    caller: str = ""  # caller's name and call-back number, as the operator typed them
    infos: tuple[InfoItem, ...] = ()
    created_position: int = 0  # journal position of the event.created entry

    @property
    def status_label(self) -> str:
        return EVENT_STATUSES.get(self.status, self.status)
