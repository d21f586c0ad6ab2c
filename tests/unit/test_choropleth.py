"""Choropleth counts against point-in-polygon done here with shapely on the shipped geodata,
read and decoded by the test itself (no code of scop.reports.choropleth)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from scop.models.entries import Draft, Operator, seal
from scop.replay.generate import GenEntry, generate_shift
from scop.reports.choropleth import Level, count

GEO = Path(__file__).resolve().parents[2] / "resources" / "geo" / "map"
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _shapes(file: str, key: str, pick: str | None) -> dict[int, object]:
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


def _entries() -> list:
    items = generate_shift(START, hours=4, crews=20, events_per_hour=150, fix_period=3600, seed=11)
    gen = [i for i in items if isinstance(i, GenEntry)]
    extra = [
        Draft("event.created", {"id": "EV-X1", "category": "ASB", "lon": 2.6, "lat": 48.7}),
        Draft("event.created", {"id": "EV-X2", "category": "ASB", "address": "sans position"}),
    ]
    gen += [GenEntry(START + timedelta(hours=1), d, Operator("A", "operator")) for d in extra]
    out, prev = [], "0" * 64
    for n, g in enumerate(sorted(gen, key=lambda g: g.ts), 1):
        e = seal(n, g.ts, g.author, g.draft, prev)
        prev = e.hash
        out.append(e)
    return out


@pytest.mark.parametrize(
    ("level", "file", "key", "pick"),
    [
        (Level.ARRONDISSEMENT, "arrondissements", "admin", "arrondissements"),
        (Level.QUARTIER, "quartiers", "quartiers", None),
    ],
)
@pytest.mark.parametrize("category", ["", "ASB", "FIR"])
def test_counts_equal_shapely_point_in_polygon(
    level: Level, file: str, key: str, pick: str | None, category: str
) -> None:
    entries = _entries()
    a, b = START + timedelta(minutes=30), START + timedelta(hours=3)
    got = count(entries, a, b, category, level)
    shapes = _shapes(file, key, pick)
    want: Counter[int] = Counter()
    outside = 0
    for e in entries:
        p = e.payload
        if e.kind != "event.created" or not (a <= e.ts < b):
            continue
        cat = p["category"]
        if category and cat != category and not cat.startswith(category + "/"):
            continue
        if "lon" not in p:
            outside += 1
            continue
        hits = [n for n, s in shapes.items() if s.covers(Point(p["lon"], p["lat"]))]
        if hits:
            want[hits[0]] += 1
        else:
            outside += 1
    assert {k: v for k, v in got.counts.items() if v} == dict(want)
    assert got.outside == outside
    assert sum(want.values()) > 10 or category == "FIR"
    if not category:
        assert outside >= 2  # the one outside Paris and the one with no position
