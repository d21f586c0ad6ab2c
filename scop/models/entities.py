"""Entities of the room. Frozen: the projection replaces them, never mutates them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scop.models.vocabulary import CREW_MODES as CREW_MODES
from scop.models.vocabulary import CREW_STATUSES as CREW_STATUSES
from scop.models.vocabulary import EVENT_STATUSES as EVENT_STATUSES
from scop.models.vocabulary import VERIFICATION_STATES as VERIFICATION_STATES
from scop.models.vocabulary import CrewStatus, EventStatus, Verification

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
    status: CrewStatus = CrewStatus.DISPONIBLE
    agents: int = 2
    lon: float | None = None
    lat: float | None = None
    heading: float | None = None
    position_ts: datetime | None = None
    event_id: str | None = None
    status_since: datetime | None = None
    status_by: str = ""  # who gave the current status (a refusal names who was first)
    # Prise de service: what the roster or the chief said about this crew's duty.
    kind: str = ""  # scop.models.nomenclatures.CrewKind value
    names: tuple[str, ...] = ()  # agents' names where known
    radio: str = ""  # radio channel or TPH number
    duty_start: datetime | None = None
    duty_end: datetime | None = None  # planned end of duty

    def duty_overdue(self, now: datetime) -> bool:
        """Still on duty after its planned end: the chief has a crew to relieve or extend."""
        return self.duty_end is not None and now >= self.duty_end

    @property
    def status_label(self) -> str:
        return CREW_STATUSES.get(self.status, self.status)

    @property
    def mode_label(self) -> str:
        return CREW_MODES.get(self.mode, self.mode)

    @property
    def kind_label(self) -> str:
        from scop.models.nomenclatures import crew_kind_label

        return crew_kind_label(self.kind) if self.kind else self.mode_label

    @property
    def kind_short(self) -> str:
        from scop.models.nomenclatures import CREW_KINDS, CrewKind

        try:
            return CREW_KINDS[CrewKind(self.kind)].short_label
        except ValueError:
            return self.mode_label


@dataclass(frozen=True, slots=True)
class InfoItem:
    """One piece of information about an event: who said it, and whether it was checked.
    ``id`` is the journal position of the entry that brought it, unique in the room."""

    id: int
    text: str
    source: str
    verification: Verification
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
    status: EventStatus
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
