"""Which available crew reaches an event first.

Distances in Paris are not straight lines: the great-circle distance times a detour factor
(streets, one-way systems, the Seine's bridges) is a fair estimate at this scale. Speeds are
averages in town for each mode, plus the time it takes a crew to get going.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scop.geo.area import haversine_m
from scop.models.entities import Crew, Event
from scop.models.state import RoomState
from scop.models.vocabulary import CrewStatus

DETOUR_FACTOR = 1.35

# Average speed in Paris (m/s) and time to set off (s), by mode.
MODE_SPEEDS: dict[str, float] = {"pied": 1.4, "velo": 4.2, "vehicule": 6.5}
SETOFF_S: dict[str, float] = {"pied": 0.0, "velo": 20.0, "vehicule": 45.0}

STALE_POSITION_S = 120.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    call_sign: str
    mode: str
    distance_m: float  # along the streets (estimate)
    eta_s: float
    stale: bool  # the crew's position is older than two minutes: ETA uncertain

    @property
    def eta_label(self) -> str:
        minutes, seconds = divmod(round(self.eta_s), 60)
        return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"

    @property
    def distance_label(self) -> str:
        d = self.distance_m
        return f"{d / 1000:.1f} km" if d >= 1000 else f"{round(d / 10) * 10:.0f} m"


def eta_s(mode: str, street_distance_m: float) -> float:
    return SETOFF_S.get(mode, 0.0) + street_distance_m / MODE_SPEEDS.get(mode, 1.4)


def estimate(crew: Crew, lon: float, lat: float, now: datetime) -> Suggestion | None:
    if crew.lon is None or crew.lat is None:
        return None
    d = haversine_m(crew.lon, crew.lat, lon, lat) * DETOUR_FACTOR
    stale = crew.position_ts is None or (now - crew.position_ts).total_seconds() > STALE_POSITION_S
    return Suggestion(crew.call_sign, crew.mode, d, eta_s(crew.mode, d), stale)


def rank_crews(
    state: RoomState, event: Event, now: datetime, limit: int | None = None
) -> list[Suggestion]:
    """Available crews with a known position, quickest first; a crew whose position is
    stale comes after every crew with a fresh one (its ETA may be wrong)."""
    if event.lon is None or event.lat is None:
        return []
    out = []
    for crew in state.crews.values():
        if crew.status != CrewStatus.DISPONIBLE:
            continue
        s = estimate(crew, event.lon, event.lat, now)
        if s is not None:
            out.append(s)
    out.sort(key=lambda s: (s.stale, s.eta_s, s.call_sign))
    return out if limit is None else out[:limit]


def rank_for_reroute(
    state: RoomState, event: Event, now: datetime, limit: int | None = None
) -> list[Suggestion]:
    """Crews engaged on a less grave event (not yet on scene), quickest first: the
    candidates for a déroulement to ``event``."""
    if event.lon is None or event.lat is None:
        return []
    out = []
    for crew in state.crews.values():
        if crew.status != CrewStatus.ENGAGE or crew.event_id == event.id:
            continue
        current = state.events.get(crew.event_id or "")
        if current is not None and current.gravity >= event.gravity:
            continue
        s = estimate(crew, event.lon, event.lat, now)
        if s is not None:
            out.append(s)
    out.sort(key=lambda s: (s.stale, s.eta_s, s.call_sign))
    return out if limit is None else out[:limit]
