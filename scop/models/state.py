"""The room's current state, as the projection folds it from the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scop.models.entities import Crew, Event


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
    # PP link messages (scop.models.fold_messages.PPMessage) by key, and distribution id -> key
    messages: dict[str, Any] = field(default_factory=dict)
    message_ids: dict[str, str] = field(default_factory=dict)
    # fiches réflexes under way (scop.models.fold_procedures.ProcedureRun, frozen) by run id
    procedures: dict[str, Any] = field(default_factory=dict)
    # map drawings (scop.models.fold_map.Perimeter / MeansPoint, frozen) by id
    perimeters: dict[str, Any] = field(default_factory=dict)
    means: dict[str, Any] = field(default_factory=dict)
    # agent safety (scop.models.fold_safety, all frozen): watch per crew, crews ever engaged
    # per event, « agent en danger » alerts, hazard flags, lookouts, the room's thresholds
    crew_watch: dict[str, Any] = field(default_factory=dict)
    event_crews: dict[str, tuple[str, ...]] = field(default_factory=dict)
    danger_alerts: dict[str, Any] = field(default_factory=dict)
    hazards: dict[str, Any] = field(default_factory=dict)
    lookouts: dict[str, Any] = field(default_factory=dict)
    safety_settings: Any = None  # SafetySettings once changed; None = the defaults

    def copy(self) -> RoomState:
        """A snapshot. Entities are frozen, so copying the containers is enough."""
        clone = RoomState()
        for name in self.__slots__:
            value = getattr(self, name)
            setattr(clone, name, value.copy() if isinstance(value, dict | list | set) else value)
        return clone
