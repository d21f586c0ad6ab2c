"""Les cartes de l'observatoire: events counted by arrondissement or quartier, for a period
and a category, from the geodata the console already ships (resources/geo/map, the same
polygons the map draws), so it works offline.

Pure: point-in-polygon by ray casting on the shipped polygons; the UI only paints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from scop.models.entries import Entry
from scop.resources import resource_path

Ring = tuple[tuple[float, float], ...]  # (lon, lat)
SOURCES_TEXT = (
    "Sources : main courante de la SCOP ; limites administratives © Ville de Paris (ODbL)"
)


class Level(StrEnum):
    ARRONDISSEMENT = "arrondissement"
    QUARTIER = "quartier"


@dataclass(frozen=True, slots=True)
class Area:
    key: int
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    bbox: tuple[float, float, float, float]

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        return any(
            _in_ring(poly[0], lon, lat) and not any(_in_ring(h, lon, lat) for h in poly[1:])
            for poly in self.polygons
        )


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _decode(flat: Sequence[int], scale: float) -> Ring:
    out = []
    x = y = 0
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        out.append((x / scale, y / scale))
    return tuple(out)


def _geo(name: str, key: str) -> object:
    text = resource_path("geo", "map", f"{name}.js").read_text(encoding="utf-8")
    marker = f'SCOP_GEO["{key}"]='
    body = text[text.index(marker) + len(marker) :].rstrip().rstrip(";")
    return json.loads(body)


def _area(key: int, name: str, poly: list[list[list[int]]], scale: float) -> Area:
    polygons = tuple(tuple(_decode(r, scale) for r in rings) for rings in poly)
    xs = [p[0] for rings in polygons for p in rings[0]]
    ys = [p[1] for rings in polygons for p in rings[0]]
    return Area(key, name, polygons, (min(xs), min(ys), max(xs), max(ys)))


@cache
def areas(level: Level) -> tuple[Area, ...]:
    meta = _geo("meta", "meta")
    scale = float(meta.get("scale", 100000)) if isinstance(meta, dict) else 100000.0
    if level == Level.ARRONDISSEMENT:
        admin = _geo("arrondissements", "admin")
        assert isinstance(admin, dict)
        return tuple(
            _area(int(a["n"]), f"{a['label']} — {a['name']}", a["poly"], scale)
            for a in admin["arrondissements"]
        )
    qs = _geo("quartiers", "quartiers")
    assert isinstance(qs, list)
    return tuple(_area(int(q["n"]), str(q["name"]), q["poly"], scale) for q in qs)


@dataclass(frozen=True, slots=True)
class Choropleth:
    level: Level
    start: datetime
    end: datetime
    category: str  # "" for every category
    counts: dict[int, int]  # area key -> events
    outside: int  # events with no position, or outside Paris's areas

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def matches(category: str, wanted: str) -> bool:
    """« ASB » takes ASB and its subcategories (ASB/ABV)."""
    return not wanted or category == wanted or category.startswith(wanted + "/")


def count(
    entries: Iterable[Entry], start: datetime, end: datetime, category: str, level: Level
) -> Choropleth:
    """Events created in ``[start, end)`` of ``category``, by the area holding their place."""
    shapes = areas(level)
    counts = dict.fromkeys((a.key for a in shapes), 0)
    outside = 0
    for e in entries:
        if e.kind != "event.created" or not start <= e.ts < end:
            continue
        p = e.payload
        if not matches(str(p.get("category", "")), category):
            continue
        lon, lat = p.get("lon"), p.get("lat")
        if not isinstance(lon, int | float) or not isinstance(lat, int | float):
            outside += 1
            continue
        hit = next((a.key for a in shapes if a.contains(float(lon), float(lat))), None)
        if hit is None:
            outside += 1
        else:
            counts[hit] += 1
    return Choropleth(level, start, end, category, counts, outside)


def classes(maximum: int, n: int = 5) -> list[tuple[int, int]]:
    """Legend classes: ``n`` equal steps from 1 to the maximum (0 is its own class)."""
    if maximum <= 0:
        return []
    step = max(1, -(-maximum // n))
    return [(lo, min(maximum, lo + step - 1)) for lo in range(1, maximum + 1, step)]
