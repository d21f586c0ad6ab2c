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
from scop.reports.choropleth import Level, Tally, count, layer_payload

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


def test_map_payload_carries_the_counts_of_both_levels() -> None:
    """What the map page is sent is what ``count`` gives, level by level, with one colour per
    legend class; a replay seek (clear, then the journal again) counts the same."""
    entries = _entries()
    a, b = START, START + timedelta(hours=2)
    tally = Tally()
    tally.add(entries)
    by_level = {lv: tally.count(a, b, "ASB", lv) for lv in Level}
    payload = layer_payload(by_level, "exercise")
    for lv in Level:
        want = count(entries, a, b, "ASB", lv)
        level = payload[lv.value]
        assert isinstance(level, dict)
        assert {x["k"]: x["n"] for x in level["areas"]} == want.counts
        assert level["total"] == want.total > 0
        assert level["title"].endswith("Comportement antisocial (ASB) — EXERCICE")
        legend = {colour for colour, _ in level["legend"]}
        assert {x["c"] for x in level["areas"]} <= legend
        top = max(level["areas"], key=lambda x: x["n"])
        assert top["c"] == level["legend"][-1][0]  # the darkest class holds the maximum
        zero = [x for x in level["areas"] if x["n"] == 0]
        assert all(x["c"] == level["legend"][0][0] for x in zero)
    assert len(payload["quartier"]["areas"]) == 80
    tally.clear()
    tally.add(entries)
    assert tally.count(a, b, "ASB", Level.QUARTIER) == by_level[Level.QUARTIER]


def test_events_placed_ahead_count_the_same() -> None:
    """The map's reader thread places the period's events ahead (``placements``, which changes
    nothing in the tally it reads); the counts are those of a tally placing as it counts."""
    entries = _entries()
    half = len(entries) // 2
    a, b = START + timedelta(minutes=30), START + timedelta(hours=3)
    lazy, ahead = Tally(), Tally()
    lazy.add(entries)
    ahead.add(entries[:half], ahead.placements(entries[:half], a, b))
    before = list(ahead.created)
    placed = ahead.placements(entries[half:], START, b)  # the earlier half's events, too
    assert ahead.created == before
    assert placed
    assert ahead.placements([], START, b) == {
        k: v for k, v in placed.items() if k not in {e.hash for e in entries[half:]}
    }  # reading only: the second half is still to place
    ahead.add(entries[half:], placed)
    assert not ahead.placements([], START, b)  # all placed: nothing left for the count
    for lv in Level:
        for category in ("", "ASB"):
            assert ahead.count(a, b, category, lv) == lazy.count(a, b, category, lv)
            assert ahead.count(START, b, category, lv) == count(entries, START, b, category, lv)
