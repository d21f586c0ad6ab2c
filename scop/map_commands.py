"""Commands of the map: drawing and lifting perimeters. Pure Python (the map dock calls them).

A perimeter is part of the main courante: who set a safety perimeter around which event, and
how large, is what a RETEX asks first. Bad geometry is refused with a French message before
anything is journaled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scop.models import fold_map as km
from scop.models.entries import Draft, Entry
from scop.models.ids import next_id
from scop.models.state import RoomState
from scop.room import CommandRefused, Room, entry_check

# Paris with a margin around the périphérique and the two woods (lon, lat).
LON_MIN, LON_MAX = 2.215, 2.475
LAT_MIN, LAT_MAX = 48.805, 48.915
MAX_RADIUS_M = 5000.0


def _check_point(lon: float, lat: float) -> None:
    if not (LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX):
        raise CommandRefused(
            f"Point hors de Paris ({lat:.5f}, {lon:.5f}) : le périmètre n'est pas tracé."
        )


def next_perimeter_id(st: RoomState) -> str:
    return next_id("PER-", st.perimeters)


def _draw(room: Room, payload: dict[str, object]) -> Entry:
    """The id is taken at the journal's head: two workstations drawing at once get two ids."""

    def decide(st: RoomState) -> list[Draft]:
        p = {"id": next_perimeter_id(st), **payload}
        check_drawn(st, p)
        return [Draft(km.PERIMETER_DRAWN, p)]

    return room.execute("perimeter.draw", decide)[0]


@entry_check(km.PERIMETER_DRAWN)
def check_drawn(st: RoomState, p: Mapping[str, Any]) -> None:
    if p.get("id") in st.perimeters:
        raise CommandRefused(f"Le périmètre {p.get('id')} existe déjà.")
    event_id = p.get("event_id")
    if event_id is not None and event_id not in st.events:
        raise CommandRefused(f"Événement inconnu : {event_id}.")


def draw_circle(
    room: Room,
    lon: float,
    lat: float,
    radius_m: float,
    *,
    event_id: str | None = None,
    label: str = "",
) -> Entry:
    _check_point(lon, lat)
    if not 5.0 <= radius_m <= MAX_RADIUS_M:
        raise CommandRefused(
            f"Rayon de {radius_m:g} m refusé : un périmètre fait entre 5 m et {MAX_RADIUS_M:g} m."
        )
    return _draw(
        room,
        {
            "shape": "circle",
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "radius_m": round(float(radius_m), 1),
            "event_id": event_id,
            "label": label.strip(),
        },
    )


def draw_polygon(
    room: Room,
    points: Sequence[tuple[float, float]],
    *,
    event_id: str | None = None,
    label: str = "",
) -> Entry:
    pts = [(float(x), float(y)) for x, y in points]
    if len(pts) > 2 and pts[0] == pts[-1]:
        pts.pop()
    if len(set(pts)) < 3:
        raise CommandRefused("Un périmètre polygonal doit avoir au moins trois sommets distincts.")
    for x, y in pts:
        _check_point(x, y)
    return _draw(
        room,
        {
            "shape": "polygon",
            "points": [[round(x, 6), round(y, 6)] for x, y in pts],
            "event_id": event_id,
            "label": label.strip(),
        },
    )


def lift_perimeter(room: Room, perimeter_id: str) -> Entry:
    payload = {"id": perimeter_id}

    def decide(st: RoomState) -> list[Draft]:
        check_removed(st, payload)
        return [Draft(km.PERIMETER_REMOVED, payload)]

    return room.execute("perimeter.lift", decide)[0]


@entry_check(km.PERIMETER_REMOVED)
def check_removed(st: RoomState, p: Mapping[str, Any]) -> None:
    if p.get("id") not in st.perimeters:
        raise CommandRefused(f"Périmètre inconnu : {p.get('id')}.")


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def _inside(points: Sequence[tuple[float, float]], lon: float, lat: float) -> bool:
    inside = False
    j = len(points) - 1
    for i, (xi, yi) in enumerate(points):
        xj, yj = points[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def perimeters_at(state: RoomState, lon: float, lat: float) -> list[km.Perimeter]:
    """The perimeters containing a point (the right-click menu offers to lift them)."""
    found = []
    for p in state.perimeters.values():
        if p.shape == "circle" and p.lon is not None and p.lat is not None:
            if _distance_m(p.lon, p.lat, lon, lat) <= (p.radius_m or 0):
                found.append(p)
        elif p.shape == "polygon" and _inside(p.points, lon, lat):
            found.append(p)
    return sorted(found, key=lambda p: p.id)
