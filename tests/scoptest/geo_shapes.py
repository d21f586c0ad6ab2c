"""The shipped polygons read and decoded by the tests themselves, as shapely shapes: the
reference the choropleth's counts are checked against (no code of scop.reports.choropleth)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

GEO = Path(__file__).resolve().parents[2] / "resources" / "geo" / "map"
LEVELS = {
    "arrondissement": ("arrondissements", "admin", "arrondissements"),
    "quartier": ("quartiers", "quartiers", None),
}


def shapes(level: str) -> dict[int, Any]:
    file, key, pick = LEVELS[level]
    text = (GEO / f"{file}.js").read_text(encoding="utf-8")
    data = json.loads(text.split(f'SCOP_GEO["{key}"]=', 1)[1].rstrip().rstrip(";"))
    items = data[pick] if pick else data
    out = {}
    for item in items:
        polys = []
        for rings in item["poly"]:
            decoded = []
            for flat in rings:
                xs = [sum(flat[0 : i + 1 : 2]) / 1e5 for i in range(0, len(flat), 2)]
                ys = [sum(flat[1 : i + 2 : 2]) / 1e5 for i in range(0, len(flat), 2)]
                decoded.append(list(zip(xs, ys, strict=True)))
            polys.append(Polygon(decoded[0], decoded[1:]))
        out[int(item["n"])] = unary_union(polys)
    return out


def point_counts(points: list[tuple[float, float]], level: str) -> tuple[Counter[int], int]:
    """(events per area key, events in no area) for (lon, lat) points."""
    areas = shapes(level)
    got: Counter[int] = Counter()
    outside = 0
    for lon, lat in points:
        hits = [n for n, s in areas.items() if s.covers(Point(lon, lat))]
        if hits:
            got[hits[0]] += 1
        else:
            outside += 1
    return got, outside
