"""What the operators draw or place on the map: perimeters around events, points of means.

Both are journal entries (the main courante says who drew a safety perimeter and when) and
fold into ``RoomState.perimeters`` / ``RoomState.means``. Payloads are checked by the command
layer (:mod:`scop.map_commands`); the fold ignores whatever still does not make sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scop.models.describe import describes
from scop.models.entries import Entry
from scop.models.projection import handles
from scop.models.state import RoomState

PERIMETER_DRAWN = "map.perimeter_drawn"
PERIMETER_REMOVED = "map.perimeter_removed"
MEANS_PLACED = "map.means_placed"
MEANS_REMOVED = "map.means_removed"

MEANS_LABELS = {"CARE": "C.A.RE", "VPU": "VPU"}


@dataclass(frozen=True, slots=True)
class Perimeter:
    id: str
    shape: str  # "circle" or "polygon"
    event_id: str | None
    drawn_at: datetime
    author: str
    label: str = ""
    lon: float | None = None  # circle centre
    lat: float | None = None
    radius_m: float | None = None
    points: tuple[tuple[float, float], ...] = ()  # polygon vertices (lon, lat)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "shape": self.shape,
            "event_id": self.event_id,
            "label": self.label,
        }
        if self.shape == "circle":
            out.update(lon=self.lon, lat=self.lat, radius=self.radius_m)
        else:
            out["points"] = [list(p) for p in self.points]
        return out


@dataclass(frozen=True, slots=True)
class MeansPoint:
    id: str
    means: str  # "CARE" or "VPU"
    label: str
    lon: float
    lat: float
    event_id: str | None = None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _opt_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


@handles(PERIMETER_DRAWN)
def _perimeter_drawn(st: RoomState, e: Entry) -> None:
    p = e.payload
    pid = str(p.get("id", ""))
    shape = p.get("shape")
    if not pid or pid in st.perimeters:
        return
    common: dict[str, Any] = {
        "id": pid,
        "event_id": _opt_str(p.get("event_id")),
        "drawn_at": e.ts,
        "author": e.author,
        "label": str(p.get("label", "")),
    }
    if shape == "circle":
        lon, lat, radius = _num(p.get("lon")), _num(p.get("lat")), _num(p.get("radius_m"))
        if lon is None or lat is None or radius is None or radius <= 0:
            return
        st.perimeters[pid] = Perimeter(shape="circle", lon=lon, lat=lat, radius_m=radius, **common)
    elif shape == "polygon":
        raw = p.get("points")
        if not isinstance(raw, list) or len(raw) < 3:
            return
        pts: list[tuple[float, float]] = []
        for q in raw:
            if not isinstance(q, list | tuple) or len(q) != 2:
                return
            x, y = _num(q[0]), _num(q[1])
            if x is None or y is None:
                return
            pts.append((x, y))
        st.perimeters[pid] = Perimeter(shape="polygon", points=tuple(pts), **common)


@handles(PERIMETER_REMOVED)
def _perimeter_removed(st: RoomState, e: Entry) -> None:
    st.perimeters.pop(str(e.payload.get("id", "")), None)


@describes(PERIMETER_DRAWN, "Périmètre tracé")
def _d_perimeter_drawn(e: Entry) -> str:
    p = e.payload
    around = f" autour de {p['event_id']}" if p.get("event_id") else ""
    if p.get("shape") == "circle":
        what = f"Périmètre de {round(float(p.get('radius_m', 0)))} m"
    else:
        what = f"Périmètre polygonal ({len(p.get('points') or [])} sommets)"
    label = f" — {p['label']}" if p.get("label") else ""
    return f"{what}{around} ({p.get('id')}){label}"


@describes(PERIMETER_REMOVED, "Périmètre levé")
def _d_perimeter_removed(e: Entry) -> str:
    return f"Périmètre {e.payload.get('id')} levé"


@handles(MEANS_PLACED)
def _means_placed(st: RoomState, e: Entry) -> None:
    p = e.payload
    mid = str(p.get("id", ""))
    means = str(p.get("means", ""))
    lon, lat = _num(p.get("lon")), _num(p.get("lat"))
    if not mid or means not in MEANS_LABELS or lon is None or lat is None:
        return
    st.means[mid] = MeansPoint(
        id=mid,
        means=means,
        label=str(p.get("label", "")),
        lon=lon,
        lat=lat,
        event_id=_opt_str(p.get("event_id")),
    )


@handles(MEANS_REMOVED)
def _means_removed(st: RoomState, e: Entry) -> None:
    st.means.pop(str(e.payload.get("id", "")), None)


@describes(MEANS_PLACED, "Moyen placé sur la carte")
def _d_means_placed(e: Entry) -> str:
    p = e.payload
    kind = MEANS_LABELS.get(str(p.get("means")), str(p.get("means")))
    ev = f" pour {p['event_id']}" if p.get("event_id") else ""
    return f"{kind} {p.get('label', '')}{ev}".replace("  ", " ")


@describes(MEANS_REMOVED, "Moyen retiré de la carte")
def _d_means_removed(e: Entry) -> str:
    return f"Moyen {e.payload.get('id')} retiré de la carte"
