"""The room's current state, as the projection folds it from the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from scop.models.entities import Crew, Event

if TYPE_CHECKING:  # the fold modules import this one: at run time the names stay strings
    from scop.models.fold_duty import Handover
    from scop.models.fold_map import MeansPoint, Perimeter
    from scop.models.fold_messages import PPMessage
    from scop.models.fold_procedures import ProcedureRun
    from scop.models.fold_safety import CrewWatch, DangerAlert, Hazard, Lookout, SafetySettings


@dataclass(slots=True)
class RoomState:
    position: int = 0  # last journal position folded in
    time: datetime | None = None  # time of the last entry or fix folded in
    mode: str = "live"  # "live", "demo" or "exercise", from the room.opened entry
    label: str = ""
    crews: dict[str, Crew] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    corrections: dict[int, int] = field(default_factory=dict)  # corrected -> correcting position
    operators: dict[str, str] = field(default_factory=dict)  # workstation -> "name (role)"
    last_fix_id: int = 0
    # PP link messages by key, and distribution id -> key
    messages: dict[str, PPMessage] = field(default_factory=dict)
    message_ids: dict[str, str] = field(default_factory=dict)
    # fiches réflexes under way, by run id
    procedures: dict[str, ProcedureRun] = field(default_factory=dict)
    # map drawings by id
    perimeters: dict[str, Perimeter] = field(default_factory=dict)
    means: dict[str, MeansPoint] = field(default_factory=dict)
    # relèves between chiefs, by id
    handovers: dict[str, Handover] = field(default_factory=dict)
    # agent safety, all frozen: watch per crew, crews ever engaged per event, « agent en
    # danger » alerts, hazard flags, lookouts, the room's thresholds (None = the defaults)
    crew_watch: dict[str, CrewWatch] = field(default_factory=dict)
    event_crews: dict[str, tuple[str, ...]] = field(default_factory=dict)
    danger_alerts: dict[str, DangerAlert] = field(default_factory=dict)
    hazards: dict[str, Hazard] = field(default_factory=dict)
    lookouts: dict[str, Lookout] = field(default_factory=dict)
    safety_settings: SafetySettings | None = None

    def copy(self) -> RoomState:
        """A snapshot. Entities are frozen, so copying the containers is enough."""
        clone = RoomState()
        for name in self.__slots__:
            value = getattr(self, name)
            setattr(clone, name, value.copy() if isinstance(value, dict | list | set) else value)
        return clone
