"""Choropleth counts against point-in-polygon done here with shapely on the shipped geodata,
read and decoded by the test itself (no code of scop.reports.choropleth)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from scoptest.geo_shapes import shapes
from shapely.geometry import Point

from scop.models.entries import Draft, Operator, seal
from scop.replay.generate import GenEntry, generate_shift
from scop.reports.choropleth import Level, count

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


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


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("category", ["", "ASB", "FIR"])
def test_counts_equal_shapely_point_in_polygon(level: Level, category: str) -> None:
    entries = _entries()
    a, b = START + timedelta(minutes=30), START + timedelta(hours=3)
    got = count(entries, a, b, category, level)
    areas = shapes(level.value)
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
        hits = [n for n, s in areas.items() if s.covers(Point(p["lon"], p["lat"]))]
        if hits:
            want[hits[0]] += 1
        else:
            outside += 1
    assert {k: v for k, v in got.counts.items() if v} == dict(want)
    assert got.outside == outside
    assert sum(want.values()) > 10 or category == "FIR"
    if not category:
        assert outside >= 2  # the one outside Paris and the one with no position
