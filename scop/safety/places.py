"""What the room knows of a place: past events there (antécédents) and hazard flags.

The intake, the event card and the engagement confirmation all ask the same question,
"what happened here before, and is it dangerous?", so it is answered once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scop.geo.area import haversine_m
from scop.models.entities import Event
from scop.models.fold_safety import Hazard, Lookout, settings_of
from scop.models.state import RoomState
from scop.models.vocabulary import EventStatus


@dataclass(frozen=True, slots=True)
class PastEvent:
    event: Event
    distance_m: float | None  # None: same address, no coordinates to compare
    crews: tuple[str, ...]

    @property
    def outcome(self) -> str:
        ev = self.event
        if ev.status == EventStatus.CLOS:
            return ev.closing_reason or "clos"
        return ev.status_label.lower()


def _same_address(a: str, b: str) -> bool:
    return bool(a.strip()) and " ".join(a.lower().split()) == " ".join(b.lower().split())


def address_history(
    state: RoomState,
    now: datetime,
    *,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    exclude: str | None = None,
) -> list[PastEvent]:
    """The room's events at the same address or within the room's radius (50 m by default),
    created within its window (90 days), newest first."""
    s = settings_of(state)
    since = now - timedelta(days=s.history_days)
    out: list[PastEvent] = []
    for ev in state.events.values():
        if ev.id == exclude or ev.created_at < since or ev.created_at > now:
            continue
        d: float | None = None
        if lon is not None and lat is not None and ev.lon is not None and ev.lat is not None:
            d = haversine_m(lon, lat, ev.lon, ev.lat)
        if (d is not None and d <= s.history_radius_m) or _same_address(address, ev.address):
            out.append(PastEvent(ev, d, state.event_crews.get(ev.id, ev.crews)))
    out.sort(key=lambda p: p.event.created_at, reverse=True)
    return out


def active_hazards(state: RoomState, now: datetime) -> list[Hazard]:
    """Flags still in force; an expired or lifted flag leaves the screens (the journal keeps
    it)."""
    out = [h for h in state.hazards.values() if isinstance(h, Hazard) and h.active(now)]
    out.sort(key=lambda h: h.recorded_at)
    return out


def hazards_near(
    state: RoomState,
    now: datetime,
    *,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
) -> list[Hazard]:
    s = settings_of(state)
    out = []
    for h in active_hazards(state, now):
        near = (
            lon is not None
            and lat is not None
            and h.lon is not None
            and h.lat is not None
            and haversine_m(lon, lat, h.lon, h.lat) <= s.hazard_radius_m
        )
        if near or _same_address(address, h.address):
            out.append(h)
    return out


def active_lookouts(state: RoomState, now: datetime) -> list[Lookout]:
    out = [lo for lo in state.lookouts.values() if isinstance(lo, Lookout) and lo.active(now)]
    out.sort(key=lambda lo: (lo.priority, lo.issued_at))
    return out
